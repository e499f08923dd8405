"""Tiny dataset trees in the exact official layouts (real file names, headers and separators).

Frame ``t`` of every fake video is filled with the value ``frame_value(t)`` (plus a
small per-video offset), so tests can check frame order and trimming from pixels.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

from slvg_bench.video import write_frames, write_mp4


def frame_value(t: int, offset: int = 0) -> int:
    return (10 + 12 * t + offset) % 256


def make_frames(n: int, h: int, w: int, offset: int = 0) -> np.ndarray:
    frames = np.empty((n, h, w, 3), np.uint8)
    for t in range(n):
        frames[t] = frame_value(t, offset)
    return frames


def frame_values(frames: np.ndarray) -> list[int]:
    """The fill value of each uint8 ``T×H×W×3`` frame (median, robust to JPEG noise)."""
    return [int(np.median(f)) for f in frames]


# --- LSA64 ------------------------------------------------------------------------------------


def lsa64_tree(root: Path, ids: list[tuple[int, int, int]], n_frames: int = 4, classes: bool = True) -> Path:
    """``<root>/lsa64/all_cut/XXX_YYY_ZZZ.mp4`` (+ LSA64-Classes.csv)."""
    ds = root / "lsa64"
    for sign, signer, rep in ids:
        write_mp4(ds / "all_cut" / f"{sign:03d}_{signer:03d}_{rep:03d}.mp4",
                  make_frames(n_frames, 36, 64, offset=sign), fps=60, lossless=True)  # fmt: skip
    if classes:
        rows = "".join(f"{i},Sign{i}\n" for i in range(1, 65))
        (ds / "LSA64-Classes.csv").write_text("ID,Name\n" + rows)
    return ds


# --- WLASL ------------------------------------------------------------------------------------


def wlasl_instance(video_id: str, split: str, signer: int, url: str, fs: int = 1, fe: int = -1, bbox=None) -> dict:
    return {
        "bbox": bbox or [10, 4, 40, 30], "fps": 25, "frame_end": fe, "frame_start": fs,
        "instance_id": 0, "signer_id": signer, "source": "aslbrick" if "youtube" not in url else "youtube",
        "split": split, "url": url, "variation_id": 0, "video_id": video_id,
    }  # fmt: skip


def wlasl_tree(root: Path, glosses: list[dict], clips: dict[str, int], raws: dict[str, int] | None = None) -> Path:
    """``<root>/wlasl/WLASL_v0.3.json`` + ``videos/<id>.mp4`` (+ ``raw_videos_mp4/<name>.mp4``).

    ``clips``/``raws``: file stem -> number of frames.
    """
    ds = root / "wlasl"
    ds.mkdir(parents=True, exist_ok=True)
    (ds / "WLASL_v0.3.json").write_text(json.dumps(glosses))
    for stem, n in clips.items():
        write_mp4(ds / "videos" / f"{stem}.mp4", make_frames(n, 48, 64), lossless=True)
    for stem, n in (raws or {}).items():
        write_mp4(ds / "raw_videos_mp4" / f"{stem}.mp4", make_frames(n, 48, 64), lossless=True)
    return ds


# --- PHOENIX-2014T ----------------------------------------------------------------------------

PHOENIX_HEADER = "name|video|start|end|speaker|orth|translation"


def phoenix_tree(root: Path, rows: dict[str, list[tuple[str, str, str, str]]], n_frames: int = 3,
                 nested: bool = True, skip_frames: tuple[str, ...] = ()) -> Path:  # fmt: skip
    """The release nesting ``PHOENIX-2014-T-release-v3/PHOENIX-2014-T/`` under ``<root>/phoenix``.

    rows: split -> [(name, speaker, orth, translation)]; frames ``images0001.png ...`` of 260×210.
    """
    ds = root / "phoenix"
    if nested:
        ds = ds / "PHOENIX-2014-T-release-v3" / "PHOENIX-2014-T"
    for split in ("train", "dev", "test"):
        lines = [PHOENIX_HEADER]
        for name, speaker, orth, translation in rows.get(split, []):
            lines.append(f"{name}|{name}/1/*.png|-1|-1|{speaker}|{orth}|{translation}")
            if name in skip_frames:
                continue
            folder = ds / "features" / "fullFrame-210x260px" / split / name
            write_frames(folder, make_frames(n_frames, 260, 210), pattern="images{:04d}.png")
            renumber_from_one(folder)
        (ds / "annotations" / "manual").mkdir(parents=True, exist_ok=True)
        (ds / "annotations" / "manual" / f"PHOENIX-2014-T.{split}.corpus.csv").write_text("\n".join(lines) + "\n")
    return ds


def renumber_from_one(folder: Path) -> None:
    """PHOENIX frames start at images0001.png: shift the 0-based names written above."""
    for f in sorted(folder.iterdir(), reverse=True):
        n = int(f.stem[6:])
        f.rename(folder / f"images{n + 1:04d}.png")


# --- CSL-Daily --------------------------------------------------------------------------------


def csl_tree(root: Path, rows: list[tuple[str, str, str]], n_frames: int = 3, video_map: bool = True,
             pickle_labels: bool = False, skip_frames: tuple[str, ...] = ()) -> Path:  # fmt: skip
    """``<root>/csl-daily/sentence/frames_512x512/<name>/%06d.jpg`` + ``sentence_label/...``.

    rows: (name, split, gloss string).
    """
    ds = root / "csl-daily"
    lab = ds / "sentence_label"
    lab.mkdir(parents=True, exist_ok=True)
    (lab / "split_1.txt").write_text("name|split\n" + "".join(f"{n}|{s}\n" for n, s, _ in rows))
    if video_map:
        lines = ["index|name|length|gloss|char|word|postag"]
        for i, (n, _, g) in enumerate(rows):
            lines.append(f"{i}|{n}|{n_frames}|{g}|{g.replace(' ', '')}|{g}|n v")
        (lab / "video_map.txt").write_text("\n".join(lines) + "\n")
    if pickle_labels:
        info = [{"name": n, "length": n_frames, "label_gloss": g.split(), "label_char": list(g.replace(" ", "")),
                 "signer": int(n.split("_P")[1][:4])} for n, _, g in rows]  # fmt: skip
        (lab / "csl2020ct_v2.pkl").write_bytes(pickle.dumps({"info": info, "gloss_map": sorted({g for *_, g in rows})}))
    for n, _, _ in rows:
        if n in skip_frames:
            continue
        write_frames(ds / "sentence" / "frames_512x512" / n, make_frames(n_frames, 64, 64), pattern="{:06d}.jpg")
    return ds


# --- synthsign --------------------------------------------------------------------------------


def synth_keypoints(n: int, size: int, shift: float = 0.0) -> np.ndarray:
    """Keypoints that move with t (x = 4 + t + shift, y = 6 + 0.5 t), all confident."""
    kp = np.zeros((n, 133, 3), np.float32)
    for t in range(n):
        kp[t, :, 0] = 4 + t + shift
        kp[t, :, 1] = 6 + 0.5 * t + np.arange(133) % 7
        kp[t, :, 2] = 1.0
    return kp


def synthsign_tree(root: Path, per_split: dict[str, list[tuple[str, str, int]]], size: int = 32) -> Path:
    """``<root>`` in the generator's layout. per_split: split -> [(id, signer, n_frames)]."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "meta.json").write_text(json.dumps({"name": "synthsign", "version": "test", "seed": 0, "size": "tiny",
                                                "resolution": size, "fps": 25}))  # fmt: skip
    lines = ["id,split,signer,kind,glosses,n_frames,fps,video,keypoints"]
    for split, vids in per_split.items():
        for i, (vid, signer, n) in enumerate(vids):
            v = f"videos/{split}/{vid}.mp4"
            k = f"keypoints/{split}/{vid}.npy"
            write_mp4(root / v, make_frames(n, size, size, offset=3 * i), lossless=True)
            (root / k).parent.mkdir(parents=True, exist_ok=True)
            np.save(root / k, synth_keypoints(n, size, shift=i))
            lines.append(f"{vid},{split},{signer},sentence,HELLO WORLD,{n},25,{v},{k}")
    (root / "vocabulary.json").write_text("{}")
    (root / "signers.json").write_text("{}")
    (root / "index.csv").write_text("\n".join(lines) + "\n")
    return root


def small_synthsign(root: Path) -> Path:
    """3 train videos (2 signers), 2 dev, 3 test videos (2 signers), 3-6 frames each."""
    return synthsign_tree(root, {
        "train": [("tr0", "s0", 5), ("tr1", "s1", 6), ("tr2", "s0", 4)],
        "dev": [("dv0", "s2", 4), ("dv1", "s3", 3)],
        "test": [("te0", "s4", 5), ("te1", "s5", 4), ("te2", "s4", 3)],
    })  # fmt: skip
