import numpy as np
import pytest
import torch

from slvg_bench.metrics.base import MetricSkip, Missing, VideoPair
from slvg_bench.metrics.keypoint_distance import KeypointDistance, keypoint_distance
from slvg_bench.metrics.l1 import l1_per_frame
from slvg_bench.metrics.region_boxes import BoxOptions, crop_boxes, region_boxes
from slvg_bench.metrics.regions import RegionL1, RegionLPIPSAlex, RegionSSIM
from slvg_bench.metrics.ssim import ssim_per_frame
from slvg_bench.pose import layout
from tests.metrics.helpers import noisy, structured_video


def keypoints(t=4, hand_centres=((40, 30), (20, 50)), mouth=(32, 12), spread=6.0):
    """T×133×3 with both hands and the mouth visible, everything else unknown (confidence 0)."""
    kp = np.zeros((t, 133, 3), np.float32)
    rng = np.random.default_rng(0)
    for idx, (cx, cy) in zip((layout.LEFT_HAND, layout.RIGHT_HAND), hand_centres):
        for f in range(t):
            pts = rng.uniform(-spread, spread, (len(idx), 2)) + [cx + f, cy]
            kp[f, list(idx), :2] = pts
            kp[f, list(idx), 2] = 0.9
    kp[:, list(layout.MOUTH), 0] = mouth[0] + np.linspace(-4, 4, len(layout.MOUTH))
    kp[:, list(layout.MOUTH), 1] = mouth[1]
    kp[:, list(layout.MOUTH), 2] = 0.8
    return torch.from_numpy(kp)


def test_boxes_have_one_size_per_video_and_stay_inside_the_frame():
    kp = keypoints(spread=6.0)
    kp[2, list(layout.LEFT_HAND), 0] += 30  # the left hand runs off the right edge in frame 2
    b = region_boxes(kp, "left-hand", (48, 64))
    assert list(b.frames) == [0, 1, 2, 3]
    assert b.size >= 16 and (b.left + b.size <= 64).all() and (b.top + b.size <= 48).all() and (b.left >= 0).all()
    crops = crop_boxes(structured_video(4, 48, 64), b)
    assert crops.shape == (4, 3, b.size, b.size)
    # the box is centred on the points' bounding box (frame 0)
    pts = kp[0, list(layout.LEFT_HAND), :2].numpy()
    centre = (pts.min(0) + pts.max(0)) / 2
    assert abs(b.left[0] + b.size / 2 - centre[0]) <= 0.5 and abs(b.top[0] + b.size / 2 - centre[1]) <= 0.5


def test_box_size_rule_percentile_margin_and_minimum():
    kp = keypoints(t=10, spread=10.0)  # extent close to 20 px in every frame
    b = region_boxes(kp, "right-hand", (100, 100), BoxOptions(margin=0.25))
    pts = kp[:, list(layout.RIGHT_HAND), :2].numpy()
    extent = np.maximum(pts[..., 0].max(1) - pts[..., 0].min(1), pts[..., 1].max(1) - pts[..., 1].min(1))
    assert b.size == int(np.ceil(np.percentile(extent, 90) * 1.25))
    tiny = region_boxes(keypoints(spread=1.0), "right-hand", (100, 100))
    assert tiny.size == 16  # the minimum


def test_frames_without_the_region_are_left_out():
    kp = keypoints()
    kp[1, list(layout.MOUTH), 2] = 0.1  # below the confidence threshold
    kp[3, list(layout.MOUTH)[3:], 2] = 0.0  # only 3 points seen: still enough (min_points=3)
    b = region_boxes(kp, "mouth", (48, 64))
    assert list(b.frames) == [0, 2, 3]
    kp[:, list(layout.MOUTH), 2] = 0
    assert region_boxes(kp, "mouth", (48, 64)).empty


def test_region_metrics_equal_the_metric_on_the_crops():
    target = structured_video(4, 48, 64)
    pred = noisy(target, 0.05)
    kp = keypoints()
    pair = VideoPair("v", pred, target, target_keypoints=kp)
    l1 = RegionL1().score(pair)
    ssim = RegionSSIM().score(pair)
    for region in ("left-hand", "right-hand", "mouth"):
        b = region_boxes(kp, region, (48, 64))
        p, t = crop_boxes(pred, b), crop_boxes(target, b)
        assert l1[f"l1-{region}"] == pytest.approx(float(l1_per_frame(p, t).mean()), abs=1e-12)
        assert ssim[f"ssim-{region}"] == pytest.approx(float(ssim_per_frame(p, t).mean()), abs=1e-12)
    assert RegionL1().score(VideoPair("v", target, target, target_keypoints=kp))["l1-mouth"] == 0.0


def test_region_lpips_runs_on_resized_crops():
    target = structured_video(3, 48, 64)
    pair = VideoPair("v", noisy(target, 0.1), target, target_keypoints=keypoints(3))
    out = RegionLPIPSAlex(random_backbone=True).score(pair)
    assert set(out) == {"lpips-alex-left-hand", "lpips-alex-right-hand", "lpips-alex-mouth"}
    assert all(v > 0 for v in out.values())


def test_missing_keypoints_and_regions_give_reasons():
    target = structured_video(3, 48, 64)
    with pytest.raises(MetricSkip, match="--keypoints"):
        RegionL1().score(VideoPair("v", target, target))
    kp = keypoints(3)
    kp[:, list(layout.LEFT_HAND), 2] = 0
    out = RegionL1().score(VideoPair("v", target, target, target_keypoints=kp))
    assert isinstance(out["l1-left-hand"], Missing) and "left-hand not found" in out["l1-left-hand"].reason
    assert out["l1-right-hand"] == 0.0


def test_regions_use_an_estimator_when_no_keypoints_are_given():
    target = structured_video(3, 48, 64)
    calls = []

    def estimator(frames):
        calls.append(frames.shape)
        return keypoints(frames.shape[0])

    pair = VideoPair("v", noisy(target, 0.05), target, estimator=estimator)
    RegionL1().score(pair)
    RegionSSIM().score(pair)
    assert len(calls) == 1  # estimated once per pair, shared


def test_keypoint_distance_hand_worked():
    t = torch.zeros(2, 133, 3)
    p = torch.zeros(2, 133, 3)
    body = list(layout.BODY[:3])
    t[:, body, 2] = 1.0
    t[:, body, :2] = torch.tensor([[10.0, 10.0], [20.0, 20.0], [30.0, 30.0]])
    p[:, body, :2] = t[:, body, :2] + torch.tensor([[3.0, 4.0], [0.0, 0.0], [6.0, 8.0]])  # distances 5, 0, 10
    p[:, body, 2] = torch.tensor([1.0, 1.0, 0.0])  # the third point is missed by the generated video
    akd, mkr, n_both, n_target = keypoint_distance(p, t, layout.BODY)
    assert (akd, mkr, n_both, n_target) == (2.5, pytest.approx(1 / 3), 4, 6)
    # the metric: the estimator sees the generated (all ones) and the target (all zeros) frames
    out = KeypointDistance().score(VideoPair("v", torch.ones(2, 3, 8, 8), torch.zeros(2, 3, 8, 8),
                                             estimator=lambda f: p if f.sum() > 0 else t))
    assert out["akd-body"] == 2.5 and out["mkr-body"] == pytest.approx(1 / 3)
    assert np.isnan(keypoint_distance(p, t, layout.FACE)[0])
    assert isinstance(out["akd-face"], Missing) and isinstance(out["mkr-face"], Missing)


def test_keypoint_distance_uses_the_estimator_on_both_videos():
    target = structured_video(2, 16, 16)
    pred = noisy(target, 0.1)
    seen = []

    def estimator(frames):
        seen.append(float(frames.sum()))
        kp = torch.zeros(frames.shape[0], 133, 3)
        kp[:, :17, 2] = 1
        kp[:, :17, 0] = float(frames.mean()) * 100
        return kp

    out = KeypointDistance().score(VideoPair("v", pred, target, estimator=estimator))
    assert len(seen) == 2
    assert out["akd-body"] == pytest.approx(abs(float(pred.mean()) - float(target.mean())) * 100, rel=1e-5)
    assert out["mkr-body"] == 0.0
