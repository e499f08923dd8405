"""PSNR: equal to skimage per frame, the 100 dB cap for identical frames, and how it is registered
(direction, frame-weighted dataset figure, default metric, leaderboard column)."""

import math
import warnings

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio

from slvg_bench.metrics.base import VideoPair
from slvg_bench.metrics.psnr import PSNR, PSNR_CAP, psnr_per_frame
from slvg_bench.metrics.registry import DEFAULT_METRICS, METRICS
from slvg_bench.results import RowSchema, RunContext, aggregate, make_row
from tests.metrics.helpers import noisy, random_video, structured_video

PAIRS = {
    "random": lambda: (random_video(4, 24, 30, 0), random_video(4, 24, 30, 1)),
    "structured-noisy": lambda: (noisy(structured_video(5, 32, 40), 0.05), structured_video(5, 32, 40)),
    "structured-shifted": lambda: (structured_video(5, 32, 40).roll(2, dims=3), structured_video(5, 32, 40)),
    "one-grey-level": lambda: (torch.full((2, 3, 16, 16), 101 / 255), torch.full((2, 3, 16, 16), 100 / 255)),
}


def skimage_psnr(pred: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    """The reference: skimage on H×W×3 float64 copies of the frames, data range 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # identical frames: divide by zero -> inf
        return np.array([peak_signal_noise_ratio(t.permute(1, 2, 0).double().numpy(),
                                                 p.permute(1, 2, 0).double().numpy(), data_range=1.0)
                         for p, t in zip(pred, target)])


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_psnr_equals_skimage_per_frame(name):
    pred, target = PAIRS[name]()
    ref = skimage_psnr(pred, target)
    assert np.isfinite(ref).all() and (ref < PSNR_CAP).all()
    np.testing.assert_allclose(psnr_per_frame(pred, target).numpy(), ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(psnr_per_frame(pred, target, cap=None).numpy(), ref, rtol=0, atol=1e-10)


def test_one_grey_level_everywhere_is_48_db_and_one_value_at_128_is_95_db():
    assert float(psnr_per_frame(*PAIRS["one-grey-level"]())[0]) == pytest.approx(20 * math.log10(255), abs=1e-5)  # float32 levels
    target = structured_video(1, 128, 128)
    pred = target.clone()
    pred[0, 0, 5, 5] = (pred[0, 0, 5, 5] * 255 + (1 if pred[0, 0, 5, 5] < 0.5 else -1)) / 255
    value = float(psnr_per_frame(pred, target)[0])
    assert value == pytest.approx(float(skimage_psnr(pred, target)[0]), abs=1e-9) and 94.9 < value < PSNR_CAP


def test_identical_frames_are_capped_at_100_db_and_still_counted():
    target = structured_video(4, 24, 24)
    pred = target.clone()
    pred[1:3] = noisy(target[1:3], 0.05)  # frames 0 and 3 identical
    ref = skimage_psnr(pred, target)
    assert np.isinf(ref[[0, 3]]).all()  # skimage: inf
    uncapped = psnr_per_frame(pred, target, cap=None)
    assert torch.isinf(uncapped[[0, 3]]).all()
    capped = psnr_per_frame(pred, target)
    assert capped[[0, 3]].tolist() == [PSNR_CAP, PSNR_CAP]
    np.testing.assert_allclose(capped[1:3].numpy(), ref[1:3], atol=1e-10)
    video = PSNR(batch_frames=3).score(VideoPair("v", pred, target))["psnr"]
    assert video == pytest.approx((2 * PSNR_CAP + ref[1] + ref[2]) / 4, abs=1e-9)
    assert PSNR().score(VideoPair("oracle", target, target))["psnr"] == PSNR_CAP


def test_psnr_is_registered_higher_is_better_frame_weighted_and_default():
    from slvg_bench.harness.config import PIXEL_METRICS, TASK_METRICS
    from slvg_bench.leaderboard import HIGHER_IS_BETTER

    assert METRICS.get("psnr") is PSNR and PSNR.info.higher_is_better and PSNR.info.arrow == "↑"
    assert "psnr" in DEFAULT_METRICS and "psnr" in TASK_METRICS["reconstruction"] and "psnr" in PIXEL_METRICS
    assert "psnr" in HIGHER_IS_BETTER
    # dataset figure: frames of all videos (primary), then the video mean
    schema = RowSchema(("psnr",))
    ctx = RunContext("r")
    rows = __import__("pandas").DataFrame([make_row(ctx, schema, "a", 2, values={"psnr": 20.0}),
                                           make_row(ctx, schema, "b", 6, values={"psnr": 40.0})])
    primary, video = aggregate(rows, [PSNR])
    assert (primary.name, primary.value, primary.higher_is_better) == ("psnr", 35.0, True)
    assert (video.name, video.value) == ("psnr [video mean]", 30.0)


def test_leaderboard_marks_the_highest_psnr_best():
    from slvg_bench.leaderboard import Entry, render_markdown

    md = render_markdown(["psnr"], [Entry("m1", "measured", {"psnr": 31.234}), Entry("m2", "measured", {"psnr": 25.0})],
                         "synthsign", "test", "reconstruction")
    assert "psnr ↑" in md and "**31.23**" in md and "**25.00**" not in md
