import pytest
import torch

from slvg_bench.errors import UsageError
from slvg_bench.metrics.base import MetricSkip, VideoPair
from slvg_bench.metrics.tcd import TCD, TCDOptions, tcd, tcd_per_frame
from tests.metrics.helpers import noisy, structured_video


def grey(frames):
    """[[ [R,G,B] per pixel ] per frame] in grey levels -> T×3×1×W float in [0, 1] (k/255, like a decoded file)."""
    t = torch.tensor(frames, dtype=torch.float32)  # T×W×3
    return (t / 255.0).permute(0, 2, 1).unsqueeze(2)


# A 4-frame, 1×2-pixel video worked by hand (grey levels; channels R, G, B).
TARGET = grey([
    [[10, 10, 10], [20, 20, 20]],
    [[30, 30, 30], [40, 40, 40]],
    [[11, 11, 11], [20, 20, 20]],
    [[31, 31, 31], [42, 42, 42]],
])
PRED = grey([
    [[0, 0, 0], [255, 255, 255]],      # t = 0 and t = 3 are not scored (no neighbours on one side)
    [[11, 10, 12], [20, 20, 21]],      # t=1: neighbour mean (10.5, 20): D = (.5,.5,1.5) and (0,0,1)
    [[30, 31, 30], [41, 41, 43]],      # t=2: neighbour mean (30.5, 41): D = (.5,.5,.5) and (0,0,2)
    [[255, 0, 255], [0, 255, 0]],
])


def test_hand_worked_four_frame_example():
    # elements: t=1 has 2 of 6 values > 0.5 (1.5 and 1; D = 0.5 is not > 0.5), t=2 has 1 of 6 (2)
    assert tcd_per_frame(PRED, TARGET).tolist() == pytest.approx([2 / 6, 1 / 6], abs=0)
    assert tcd(PRED, TARGET) == pytest.approx(0.25, abs=1e-15)
    # any channel: t=1 both pixels, t=2 only the second -> (1 + 1/2) / 2
    assert tcd(PRED, TARGET, reduction="any") == pytest.approx(0.75, abs=1e-15)
    # channel mean of D: t=1 (0.833 yes, 0.333 no), t=2 (0.5 no, 0.667 yes) -> (1/2 + 1/2) / 2
    assert tcd(PRED, TARGET, reduction="mean") == pytest.approx(0.5, abs=1e-15)
    # on the [0, 1] scale, T = 0.5 is half the dynamic range: nothing here exceeds it
    assert tcd(PRED, TARGET, scale=1.0) == 0.0
    # the floor: the target against itself, every element differs from its neighbours' mean by >= 19.5
    assert tcd(TARGET, TARGET) == 1.0


def test_threshold_option_and_metric_columns():
    pair = VideoPair("v", PRED, TARGET)
    out = TCD(TCDOptions(threshold=1.0)).score(pair)  # only D = 1.5 and 2 exceed 1.0 -> (1/6 + 1/6) / 2
    assert out["tcd"] == pytest.approx(1 / 6, abs=1e-15)
    assert out["tcd-target"] == 1.0


def test_static_video_has_zero_floor_and_flicker_raises_tcd():
    still = structured_video(1, 24, 24).expand(8, -1, -1, -1).contiguous()
    assert tcd(still, still) == 0.0
    assert tcd(noisy(still, 0.05), still) > 0.5


def test_batched_windows_equal_one_pass():
    a, b = noisy(structured_video(11, 20, 20), 0.02, 3), structured_video(11, 20, 20)
    ref = tcd(a, b)
    for batch in (1, 2, 4, 100):
        assert TCD(batch_frames=batch).score(VideoPair("v", a, b))["tcd"] == pytest.approx(ref, abs=1e-15)


def test_short_video_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 3 frames"):
        tcd(PRED[:2], TARGET[:2])
    with pytest.raises(MetricSkip, match="at least 3 frames"):
        TCD().score(VideoPair("v", PRED[:2], TARGET[:2]))
    with pytest.raises(UsageError, match="reduction"):
        TCD(TCDOptions(reduction="median"))
