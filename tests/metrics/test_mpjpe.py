"""Per-region MPJPE on re-extracted keypoints: a hand-worked non-square example (128² pixels and
shoulder-normalised), agreement with akd on 128² frames, reasons instead of zeros, registration."""

import math

import numpy as np
import pytest
import torch

from slvg_bench.metrics.base import Missing, VideoPair
from slvg_bench.metrics.keypoint_distance import KeypointDistance, KeypointMPJPE, mpjpe
from slvg_bench.metrics.registry import METRICS
from slvg_bench.pose import layout


def keypoints(points: dict[int, tuple[float, float]], t: int = 2) -> torch.Tensor:
    kp = torch.zeros(t, 133, 3)
    for i, (x, y) in points.items():
        kp[:, i] = torch.tensor([x, y, 0.9])
    return kp


def pair_with(pred_kp: torch.Tensor, target_kp: torch.Tensor, h: int, w: int) -> VideoPair:
    t = pred_kp.shape[0]
    table = {0.2: pred_kp, 0.8: target_kp}
    return VideoPair("v", torch.full((t, 3, h, w), 0.2), torch.full((t, 3, h, w), 0.8),
                     estimator=lambda frames: table[round(float(frames[0, 0, 0, 0]), 3)])


# A 64×128 (H×W) frame. Target: shoulders (40,20) and (80,20) -> width 40; face point 23 at (10,10);
# left-hand points 91 (50,30) and 92 (60,30). Generated: the same shoulders, face 23 at (13,14)
# (off by (3,4): 5 px), left hand 91 exact and 92 not detected; no right hand anywhere.
TARGET = keypoints({5: (40, 20), 6: (80, 20), 23: (10, 10), 91: (50, 30), 92: (60, 30)})
PRED = keypoints({5: (40, 20), 6: (80, 20), 23: (13, 14), 91: (50, 30)})


def test_hand_worked_regions_on_a_non_square_frame():
    out = KeypointMPJPE().score(pair_with(PRED, TARGET, 64, 128))
    # 128² pixels: x·128/128 = 3, y·128/64 = 8 -> √73; shoulder widths: 5 px / 40 px
    assert out["mpjpe-face"] == pytest.approx(math.sqrt(73), abs=1e-12)
    assert out["nmpjpe-face"] == pytest.approx(5 / 40, abs=1e-12)
    assert out["mpjpe-left-hand"] == 0.0 and out["nmpjpe-left-hand"] == 0.0  # 92 undetected: left out
    assert isinstance(out["mpjpe-right-hand"], Missing) and "right-hand" in out["mpjpe-right-hand"].reason
    assert isinstance(out["nmpjpe-right-hand"], Missing)
    assert mpjpe(PRED, TARGET, layout.FACE, (64, 128)) == (pytest.approx(math.sqrt(73)), pytest.approx(5.0), 2)


def test_on_128_frames_mpjpe_equals_akd_and_the_scale_comes_from_the_real_video():
    rng = np.random.default_rng(0)
    target = torch.from_numpy(np.concatenate([rng.uniform(0, 127, (4, 133, 2)), rng.uniform(0, 1, (4, 133, 1))], -1)).float()
    pred = target.clone()
    pred[..., :2] += torch.from_numpy(rng.normal(0, 2, (4, 133, 2))).float()
    pred[..., 2] = torch.from_numpy(rng.uniform(0, 1, (4, 133))).float()
    pair = pair_with(pred, target, 128, 128)
    out = KeypointMPJPE().score(pair)
    akd = KeypointDistance().score(pair)
    for region in ("face", "left-hand", "right-hand"):
        assert out[f"mpjpe-{region}"] == pytest.approx(akd[f"akd-{region}"], rel=1e-12)
    seen = (target[:, 5, 2] > 0.3) & (target[:, 6, 2] > 0.3)
    t64 = target.double()
    width = float((t64[seen, 5, :2] - t64[seen, 6, :2]).norm(dim=-1).mean())
    assert out["nmpjpe-face"] == pytest.approx(out["mpjpe-face"] / width, rel=1e-12)
    # a generated video that shrinks the signer does not shrink the scale
    small = pred.clone()
    small[..., :2] *= 0.5
    assert KeypointMPJPE().score(pair_with(small, target, 128, 128))["nmpjpe-face"] > out["nmpjpe-face"]


def test_no_shoulders_in_the_real_video_gives_a_reason_for_the_normalised_columns():
    target = TARGET.clone()
    target[:, 6, 2] = 0.0
    out = KeypointMPJPE().score(pair_with(PRED, target, 64, 128))
    assert out["mpjpe-face"] == pytest.approx(math.sqrt(73))
    assert isinstance(out["nmpjpe-face"], Missing) and "shoulders" in out["nmpjpe-face"].reason


def test_registration():
    cls = METRICS.get("mpjpe")
    assert cls is KeypointMPJPE and not cls.info.higher_is_better and cls.info.needs == ("keypoint_estimator",)
    assert cls.info.output_columns == ("mpjpe-face", "mpjpe-left-hand", "mpjpe-right-hand",
                                       "nmpjpe-face", "nmpjpe-left-hand", "nmpjpe-right-hand")
    assert cls.options_key == KeypointDistance.options_key  # the same conf_threshold as akd
