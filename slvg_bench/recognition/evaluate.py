"""WER of a recognizer on a gloss-annotated dataset split (real videos, optionally time-shuffled)."""

from __future__ import annotations

from pathlib import Path

import torch

from slvg_bench.metrics.wer import ErrorCounts, score_corpus
from slvg_bench.recognition.gloss_videos import read_index, select
from slvg_bench.recognition.recognizer import Recognizer


def shuffle_in_time(video: torch.Tensor, seed: int) -> torch.Tensor:
    """The same frames in a random order (fixed by ``seed``): destroys the signing, keeps appearance."""
    g = torch.Generator().manual_seed(seed)
    return video[torch.randperm(len(video), generator=g)]


def evaluate_split(rec: Recognizer, root: str | Path, split: str = "test", kinds=("sentence", "isolated"),
                   shuffle_frames: bool = False, seed: int = 0, limit: int | None = None,
                   progress: bool = False) -> tuple[ErrorCounts, dict[str, list[str]], dict[str, list[str]]]:
    """(counts, hypotheses, references) of ``rec`` on the ``split`` videos of ``root``.

    Videos are read at their stored size and go through the recognizer's own input path.
    ``kinds``: which videos of the split (default all: sentences and isolated signs, the set
    ``slvg-bench run`` scores).
    """
    from slvg_bench.console import track
    from slvg_bench.video import read_video

    videos = select(read_index(root), split, kinds)[:limit]
    hyps: dict[str, list[str]] = {}
    for i, v in enumerate(track(videos, f"recognise {split}", enabled=progress)):
        video = read_video(v.path)
        if shuffle_frames:
            video = shuffle_in_time(video, seed + i)
        hyps[v.id] = rec.recognize([video])[0]
    refs = {v.id: v.glosses for v in videos}
    return score_corpus(refs, hyps, rec.convention), hyps, refs
