"""Tiny videos on disk and in memory for the Evaluator and ``check`` tests."""

from __future__ import annotations

from pathlib import Path

import torch

from slvg_bench.video import write_frames, write_mp4
from tests.metrics.helpers import noisy, structured_video


def pairs(n: int = 4, t: int = 8, hw=(32, 32), sigma: float = 0.03, seed: int = 0) -> dict[str, tuple]:
    """``{video id: (pred, target)}``: structured targets and noisy predictions (float, [0, 1])."""
    out = {}
    for i in range(n):
        target = structured_video(t, *hw, seed=seed + i)
        out[f"v{i}"] = (noisy(target, sigma, seed=100 + seed + i), target)
    return out


def write_folders(root: Path, videos: dict[str, tuple]) -> tuple[Path, Path]:
    """pred/ and target/ of lossless videos (the first prediction as a PNG frame folder)."""
    for i, (key, (pred, target)) in enumerate(videos.items()):
        write_mp4(root / "target" / f"{key}.mp4", target, lossless=True)
        if i == 0:
            write_frames(root / "pred" / key, pred)
        else:
            write_mp4(root / "pred" / f"{key}.mp4", pred, lossless=True)
    return root / "pred", root / "target"


def quantized(video: torch.Tensor) -> torch.Tensor:
    from slvg_bench.video import to_float, to_uint8

    return to_float(to_uint8(video))
