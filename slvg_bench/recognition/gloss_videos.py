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
        out.append(GlossVideo(r["id"], r["split"], r["signer"], r["kind"], r["glosses"].split(), root / r["video"], segs))
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
            x = resize_frames(read_video(v.path), size)
            v.frames = torch.round(x * 255).to(torch.uint8)


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


def gloss_pieces(video: GlossVideo, labels: torch.Tensor) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """Cut a loaded video into (gloss, frames, frame labels) pieces, splitting transitions at their midpoints."""
    if video.frames is None or len(video.segments) != len(video.glosses):
        return []
    bounds = [0]
    for (_, end), (start, _) in zip(video.segments, video.segments[1:]):
        bounds.append((end + start) // 2)
    bounds.append(len(video.frames))
    return [(g, video.frames[a:b], labels[a:b]) for g, a, b in zip(video.glosses, bounds, bounds[1:]) if b > a]
