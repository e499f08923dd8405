"""The functional API refuses what it does not score: uint8 frames (L1 6.29 on 0–255), NaN, values
outside [0, 1], other shapes — one TensorInputError naming the function and the argument."""

import pytest
import torch

from slvg_bench.errors import TensorInputError, UsageError
from slvg_bench.metrics.base import VideoPair
from slvg_bench.metrics.l1 import l1_per_frame
from slvg_bench.metrics.psnr import psnr_per_frame
from slvg_bench.metrics.ssim import ssim_per_frame
from slvg_bench.metrics.tcd import tcd, tcd_per_frame
from slvg_bench.scoring import Scorer
from tests.metrics.helpers import noisy, structured_video

FUNCTIONS = {"l1_per_frame": l1_per_frame, "ssim_per_frame": ssim_per_frame, "psnr_per_frame": psnr_per_frame,
             "tcd_per_frame": tcd_per_frame, "tcd": tcd}


def pair():
    target = structured_video(4, 24, 24)
    return noisy(target, 0.05), target


def as_uint8(x):
    return x.mul(255).round().to(torch.uint8)


def test_error_class_is_a_usage_error_and_a_value_error():
    assert issubclass(TensorInputError, UsageError) and issubclass(TensorInputError, ValueError)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_uint8_frames_are_refused_naming_the_argument(name):
    pred, target = pair()
    fn = FUNCTIONS[name]
    with pytest.raises(TensorInputError, match=rf"^{name}: pred must be a float tensor T×3×H×W with finite values "
                                               rf"in \[0, 1\], got dtype torch.uint8; 8-bit frames must be divided"):
        fn(as_uint8(pred), as_uint8(target))
    with pytest.raises(TensorInputError, match=rf"^{name}: target must be .* got dtype torch.uint8"):
        fn(pred, as_uint8(target))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_nan_and_out_of_range_values_are_refused(name):
    pred, target = pair()
    fn = FUNCTIONS[name]
    bad = pred.clone()
    bad[2, 1, 3, 4] = float("nan")
    with pytest.raises(TensorInputError, match=rf"^{name}: pred .* NaN/Inf values \(first in frame 2\)"):
        fn(bad, target)
    with pytest.raises(TensorInputError, match=rf"^{name}: target .* values span \[26, 242\]; 8-bit frames"):
        fn(pred, as_uint8(target).float())  # 0–255 as float
    with pytest.raises(TensorInputError, match=r"values span \[-0\.5"):
        fn(pred - 0.5, target)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_shapes_are_checked(name):
    pred, target = pair()
    fn = FUNCTIONS[name]
    with pytest.raises(TensorInputError, match=rf"^{name}: pred must be .*got shape \(4, 1, 24, 24\)"):
        fn(pred[:, :1], target[:, :1])
    with pytest.raises(TensorInputError, match=rf"^{name}: pred and target must have the same shape"):
        fn(pred, target[:, :, :20])
    with pytest.raises(TensorInputError, match=rf"^{name}: pred must be .*got ndarray"):
        fn(pred.numpy(), target)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_float_frames_of_any_precision_are_scored(name):
    pred, target = pair()
    fn = FUNCTIONS[name]
    ref = fn(pred, target)
    got = fn(pred.double(), target.double())
    assert torch.as_tensor(got).double().sub(torch.as_tensor(ref).double()).abs().max() < 1e-5


def test_scorer_checks_the_pair_before_any_metric():
    """The reproduction of issue 17: uint8 frames through the Scorer gave L1 6.29 instead of an error."""
    pred, target = pair()
    scorer = Scorer(["l1", "ssim", "tcd"])
    with pytest.raises(TensorInputError, match=r"^Scorer.score: pair.pred must be .* got dtype torch.uint8"):
        scorer.score(VideoPair("v", as_uint8(pred), as_uint8(target)))
    nan = target.clone()
    nan[0, 0, 0, 0] = float("nan")
    with pytest.raises(TensorInputError, match=r"^Scorer.score: pair.target .* NaN/Inf"):
        scorer.score(VideoPair("v", pred, nan))
    values, reasons, _ = scorer.score(VideoPair("v", pred, target))
    assert 0 < values["l1"] < 0.1 and not reasons
