"""Gloss-annotated videos for training and evaluating recognizers (synthsign's ``index.csv``).

``index.csv`` columns used: ``id, split, signer, kind, glosses, video`` (paths relative to
the dataset root) and, when present, ``segments`` (``start:end`` frames of each gloss).
Videos are decoded once, resized to the recognizer's frame size and kept as uint8
``T×3×S×S`` tensors (a few hundred MB at most for synthsign at 64×64).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import torch

from slvg_bench.errors import DatasetError

REQUIRED_COLUMNS = ("id", "split", "signer", "kind", "glosses", "video")


@dataclass
class GlossVideo:
    """One annotated clip. ``frames``: uint8 ``T×3×S×S`` once loaded."""

    id: str
    split: str
    signer: str
    kind: str
    glosses: list[str]
    path: Path
    segments: list[tuple[int, int]] = field(default_factory=list)
    frames: torch.Tensor | None = None
    keypoints_path: Path | None = None
    points: torch.Tensor | None = None  # T×K×2 training points in pixels of the loaded frames (see load_points)
    source_size: int | None = None  # stored frame width, set by load_frames


def read_index(root: str | Path) -> list[GlossVideo]:
    """Every row of ``<root>/index.csv`` as a :class:`GlossVideo` (frames not loaded)."""
    root = Path(root)
    path = root / "index.csv"
    if not path.is_file():
        raise DatasetError(f"{path} not found: {root} is not a gloss-annotated dataset (synthsign layout)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = set(REQUIRED_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise DatasetError(f"{path} lacks the columns {sorted(missing)}")
        rows = list(reader)
    out = []
    for r in rows:
        segs = []
        for tok in (r.get("segments") or "").split():
            a, _, b = tok.partition(":")
            segs.append((int(a), int(b)))
        kp = (r.get("keypoints") or "").strip()
        out.append(GlossVideo(r["id"], r["split"], r["signer"], r["kind"], r["glosses"].split(), root / r["video"], segs,
                              keypoints_path=root / kp if kp else None))
    return out


def select(videos: Sequence[GlossVideo], split: str, kinds: Sequence[str] = ("sentence",)) -> list[GlossVideo]:
    chosen = [v for v in videos if v.split == split and v.kind in kinds]
    if not chosen:
        raise DatasetError(f"no {'/'.join(kinds)} videos in split {split!r}")
    return chosen


def load_frames(videos: Sequence[GlossVideo], size: int, progress: bool = False) -> None:
    """Decode each video and store its frames resized to ``size``² as uint8 (in place)."""
    from slvg_bench.console import track
    from slvg_bench.recognition.preprocess import resize_frames
    from slvg_bench.video import read_video

    for v in track(videos, f"decode {len(videos)} videos", enabled=progress):
        if v.frames is None:
            video = read_video(v.path)
            v.source_size = int(video.shape[-1])
            x = resize_frames(video, size)
            v.frames = torch.round(x * 255).to(torch.uint8)


# COCO-WholeBody points a recognizer in training may regress (nose, shoulders, elbows, wrists,
# and the two hands' centres), and the pairs a horizontal flip swaps (indices into this list)
AUX_POINTS = ((0,), (5,), (6,), (7,), (8,), (9,), (10,), tuple(range(91, 112)), tuple(range(112, 133)))
AUX_FLIP_PAIRS = ((1, 2), (3, 4), (5, 6), (7, 8))


def load_points(videos: Sequence[GlossVideo], size: int) -> None:
    """``video.points`` (``T×9×2``, :data:`AUX_POINTS`) in pixels of the ``size``² loaded frames, from the
    keypoint files (pixels of the stored frames; in place; videos without a keypoint file keep ``None``)."""
    import numpy as np

    for v in videos:
        if v.points is None and v.keypoints_path is not None and v.keypoints_path.is_file():
            kp = torch.from_numpy(np.load(v.keypoints_path)[..., :2].astype("float32"))
            pts = torch.stack([kp[:, list(group)].mean(1) for group in AUX_POINTS], dim=1)
            v.points = (pts + 0.5) * (size / (v.source_size or size)) - 0.5


def frame_labels(video: GlossVideo, encode) -> torch.Tensor:
    """Per-frame class of a loaded video: the gloss index inside its segment, 0 (blank) elsewhere,
    or -100 (ignored) everywhere when the video has no usable segments."""
    n = len(video.frames)
    ids = encode(video.glosses)
    if len(video.segments) != len(video.glosses) or len(ids) != len(video.glosses):
        return torch.full((n,), -100, dtype=torch.long)
    labels = torch.zeros(n, dtype=torch.long)
    for (a, b), k in zip(video.segments, ids):
        labels[a:b] = k
    return labels


def gloss_pieces(video: GlossVideo, labels: torch.Tensor) -> list[tuple]:
    """Cut a loaded video into (gloss, frames, frame labels, points or None) pieces, splitting transitions
    at their midpoints."""
    if video.frames is None or len(video.segments) != len(video.glosses):
        return []
    bounds = [0]
    for (_, end), (start, _) in zip(video.segments, video.segments[1:]):
        bounds.append((end + start) // 2)
    bounds.append(len(video.frames))
    pts = video.points
    return [(g, video.frames[a:b], labels[a:b], None if pts is None else pts[a:b])
            for g, a, b in zip(video.glosses, bounds, bounds[1:]) if b > a]
