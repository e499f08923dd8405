"""Frames with ground-truth keypoints from a dataset tree in the synthsign layout.

Reads ``<root>/index.csv`` (columns ``id, split, video, keypoints, ...``; paths
relative to the root), decodes each video and loads its ``T×133×3`` keypoints.
Used to train and evaluate pose estimators on synthsign.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from slvg_bench.errors import DatasetError


@dataclass(frozen=True)
class VideoEntry:
    id: str
    split: str
    video: Path
    keypoints: Path


def read_index(root: str | Path, split: str | None = None) -> list[VideoEntry]:
    """Entries of ``<root>/index.csv``, optionally of one split, in file order."""
    root = Path(root)
    index = root / "index.csv"
    if not index.is_file():
        raise DatasetError(f"{str(index)!r} does not exist (expected a dataset in the synthsign layout)")
    with open(index, newline="") as f:
        reader = csv.DictReader(f)
        missing = {"id", "split", "video", "keypoints"} - set(reader.fieldnames or ())
        if missing:
            raise DatasetError(f"{str(index)!r} lacks column(s) {', '.join(sorted(missing))}")
        rows = [VideoEntry(r["id"], r["split"], root / r["video"], root / r["keypoints"]) for r in reader]
    if split is not None:
        rows = [r for r in rows if r.split == split]
        if not rows:
            raise DatasetError(f"{str(index)!r} has no videos in split {split!r}")
    return rows


def load_video_keypoints(entry: VideoEntry) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 frames ``T×H×W×3``, float32 keypoints ``T×133×3``) of one video; checks they agree."""
    from slvg_bench.video import read_video_uint8

    frames = read_video_uint8(entry.video)
    if not entry.keypoints.is_file():
        raise DatasetError(f"keypoints file {str(entry.keypoints)!r} of video {entry.id!r} does not exist")
    try:  # never unpickle: an object array in a downloaded dataset could run code
        kp = np.asarray(np.load(entry.keypoints, allow_pickle=False), dtype=np.float32)
    except (OSError, ValueError, TypeError) as e:
        raise DatasetError(f"keypoints file {str(entry.keypoints)!r} of video {entry.id!r} is not a numeric .npy "
                           f"array (not numpy at all, or pickled objects, which are never loaded)") from e
    if kp.ndim != 3 or kp.shape[1:] != (133, 3) or len(kp) != len(frames):
        raise DatasetError(
            f"keypoints of {entry.id!r} have shape {kp.shape}, expected ({len(frames)}, 133, 3) for its {len(frames)} frames"
        )
    if not np.isfinite(kp).all():  # a NaN ground truth would make every PCK and error meaningless
        raise DatasetError(f"keypoints file {str(entry.keypoints)!r} of video {entry.id!r} contains NaN/Inf "
                           f"(use confidence 0 for unknown points)")
    return frames, kp


def iter_split(root: str | Path, split: str, limit: int | None = None) -> Iterator[tuple[VideoEntry, np.ndarray, np.ndarray]]:
    """Yield ``(entry, frames, keypoints)`` per video of a split (at most ``limit`` videos)."""
    for entry in read_index(root, split)[:limit]:
        frames, kp = load_video_keypoints(entry)
        yield entry, frames, kp


def load_split_frames(
    root: str | Path, split: str, frame_stride: int = 1, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """All frames of a split (every ``frame_stride``-th), stacked: uint8 ``N×H×W×3`` and ``N×133×3``."""
    frames, kps = [], []
    for _, f, k in iter_split(root, split, limit):
        frames.append(f[::frame_stride])
        kps.append(k[::frame_stride])
    return np.concatenate(frames), np.concatenate(kps)
