"""Example: gate a video generator's numbers in pytest with slvg-bench (copy into your tests/ and adapt).

    python -m pytest docs/examples/test_generator_regression.py

The test scores a tiny validation run with ``slvg_bench.Evaluator`` (no files, no weights: L1, SSIM
and TCD) and fails when a figure got worse than ``generator_baseline.yaml`` allows. After an
intended change, accept the new numbers (and commit the file):

    SLVG_BENCH_UPDATE_BASELINES=1 python -m pytest docs/examples/test_generator_regression.py

Replace ``validation_clips`` with a few clips of your data and ``generate`` with your model.
"""

from pathlib import Path

import torch

from slvg_bench import Evaluator
from slvg_bench.testing import assert_no_regression

BASELINE = Path(__file__).with_name("generator_baseline.yaml")


def validation_clips(n: int = 4, frames: int = 12, size: int = 48) -> dict[str, torch.Tensor]:
    """``{clip id: T×3×H×W}`` in [0, 1]: a bright square moving over a gradient (stands in for your data)."""
    clips = {}
    ys, xs = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    for i in range(n):
        video = torch.stack([torch.stack([0.3 + 0.4 * xs, 0.3 + 0.4 * ys, 0.5 * (xs + ys)])] * frames).clone()
        for t in range(frames):
            top, left = 4 + 2 * t, 6 + 2 * i + t
            video[t, :, top : top + 10, left : left + 10] = torch.tensor([0.9, 0.8, 0.2]).view(3, 1, 1)
        clips[f"clip{i}"] = video
    return clips


def generate(source: torch.Tensor, driving: torch.Tensor) -> torch.Tensor:
    """Your model goes here; this stand-in blends the source frame into each driving frame."""
    return (0.7 * driving + 0.3 * source.unsqueeze(0)).clamp(0, 1)


def test_generator_does_not_regress():
    ev = Evaluator(metrics=("l1", "ssim", "tcd"), device="cpu")
    for clip_id, target in validation_clips().items():
        ev.update(generate(target[0], target), target, video_id=clip_id)  # reconstruction: source = frame 0
    assert_no_regression(ev.compute(), BASELINE, require=("l1", "ssim"))
