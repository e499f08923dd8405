"""A tiny dataset tree in the synthsign on-disk layout, for pose training/eval tests.

Frames are dark backgrounds with the keypoints drawn as a coloured skeleton
(slvg_bench.pose.draw), so a network can learn to find them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from slvg_bench.pose.draw import draw_keypoints_uint8
from slvg_bench.pose.layout import BODY, FACE, HANDS
from slvg_bench.video import write_mp4


def skeleton_track(rng: np.random.Generator, n_frames: int, size: int) -> np.ndarray:
    """``T×133×3`` keypoints: a jittering random pose (body, face, hands known; feet unknown)."""
    base = rng.uniform(0.2 * size, 0.8 * size, (133, 2))
    drift = np.cumsum(rng.normal(0, 0.01 * size, (n_frames, 133, 2)), axis=0)
    xy = np.clip(base + drift, 1, size - 2)
    conf = np.zeros((n_frames, 133, 1))
    conf[:, list(BODY[:11]) + list(FACE[::4]) + list(HANDS)] = 1.0
    return np.concatenate([xy, conf], -1).astype(np.float32)


def make_keypoint_tree(root: Path, size: int = 64, videos: dict | None = None, n_frames: int = 8, seed: int = 0) -> Path:
    videos = videos or {"train": 3, "test": 1}
    rng = np.random.default_rng(seed)
    rows = []
    for split, n in videos.items():
        for i in range(n):
            vid = f"{split}{i:02d}"
            kp = skeleton_track(rng, n_frames, size)
            bg = rng.integers(0, 60, 3)
            frames = np.stack([draw_keypoints_uint8(np.full((size, size, 3), bg, np.uint8), k, radius=1.0) for k in kp])
            (root / "videos" / split).mkdir(parents=True, exist_ok=True)
            (root / "keypoints" / split).mkdir(parents=True, exist_ok=True)
            write_mp4(root / "videos" / split / f"{vid}.mp4", frames, lossless=True)
            np.save(root / "keypoints" / split / f"{vid}.npy", kp)
            rows.append({"id": vid, "split": split, "signer": f"s{i}", "kind": "isolated", "glosses": "A",
                         "n_frames": n_frames, "fps": 25, "video": f"videos/{split}/{vid}.mp4",
                         "keypoints": f"keypoints/{split}/{vid}.npy"})  # fmt: skip
    with open(root / "index.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (root / "meta.json").write_text(json.dumps({"name": "keypoint-tree", "version": "test", "seed": seed, "resolution": size}))
    return root
