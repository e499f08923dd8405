"""Pose maps: channel counts, determinism, limbs where their keypoints are, missing limbs, exact rasters."""

import math

import numpy as np
import pytest
import torch

from baselines.dynast.pose_maps import (
    DEEPFASHION_COLORS,
    DEEPFASHION_LIMBS,
    WHOLEBODY_POSE_LIMBS,
    get_encoding,
    openpose18_from_keypoints,
    pose_channels,
    pose_maps,
)
from baselines.dynast.pose_render import ellipse_row_spans, limb_ellipses, span_l1_distance, spans_to_mask
from slvg_bench.errors import UnknownNameError
from slvg_bench.pose import layout


def _keypoints(n_frames, n_points, size, seed=0, spread=None):
    rng = np.random.default_rng(seed)
    kp = np.ones((n_frames, n_points, 3))
    centre = rng.uniform(0.3 * size, 0.7 * size, (n_frames, 1, 2))
    kp[..., :2] = centre + rng.normal(0, spread or size / 8, (n_frames, n_points, 2))
    return np.clip(kp, 0, size - 1)


def test_channel_counts_follow_the_limb_lists():
    assert pose_channels("deepfashion20") == 20 == 3 + len(DEEPFASHION_LIMBS)
    assert pose_channels("wholebody") == 3 + len(WHOLEBODY_POSE_LIMBS) == 133
    with pytest.raises(UnknownNameError, match="wholebody"):
        get_encoding("whole-body")


@pytest.mark.parametrize("encoding", ["deepfashion20", "wholebody"])
def test_maps_are_deterministic_and_in_range(encoding):
    kp = torch.tensor(_keypoints(2, 133, 64), dtype=torch.float32)
    a = pose_maps(kp, 64, encoding)
    b = pose_maps(kp.clone(), 64, encoding)
    assert a.shape == (2, pose_channels(encoding), 64, 64) and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert a.min() >= 0 and a.max() <= 1
    # values are k/255 (the official uint8 quantisation)
    assert torch.allclose(a * 255, (a * 255).round(), atol=1e-4)


@pytest.mark.parametrize("encoding", ["deepfashion20", "wholebody"])
def test_every_limb_channel_is_zero_on_its_segment_and_grows_away_from_it(encoding):
    size = 96
    enc = get_encoding(encoding)
    kp = _keypoints(1, 133, size, seed=3)
    maps = pose_maps(kp, size, encoding)[0].numpy()
    pts = enc.to_points(kp)[0]
    yy, xx = np.mgrid[:size, :size]
    for ch, (i, j) in enumerate(enc.limbs):
        dist = maps[3 + ch]
        a, b = pts[i, :2], pts[j, :2]
        on = dist == 0
        assert on.any(), f"limb {ch} has no pixels"
        # every limb pixel lies within `reach` of the segment a-b ...
        ab = b - a
        # half-width + the raster's truncated integer centre (<= sqrt 2), vertex rounding and outline pixels
        # (sqrt(2)/2 each), and the angle truncated to whole degrees (length/2 * pi/180)
        reach = enc.stick_width + 2 * math.sqrt(2) + np.hypot(*ab) / 2 * math.pi / 180
        reach += 2  # level 0 of the map is an L1 distance below 3 px
        t = np.clip(((xx - a[0]) * ab[0] + (yy - a[1]) * ab[1]) / max(ab @ ab, 1e-9), 0, 1)
        seg_dist = np.hypot(xx - (a[0] + t * ab[0]), yy - (a[1] + t * ab[1]))
        assert seg_dist[on].max() <= reach, f"limb {ch} has pixels {seg_dist[on].max():.1f} px from its segment"
        # ... its midpoint is on it, and the map grows away from it (3 px per level along x or y)
        mx, my = int((a[0] + b[0]) / 2), int((a[1] + b[1]) / 2)
        assert dist[my, mx] == 0, f"limb {ch}: its midpoint is not on the limb"
        far = seg_dist > reach + 6
        assert (dist[far] > 0).all(), f"limb {ch} has level 0 far from its segment"


def test_skeleton_render_has_joint_colours_at_the_joints():
    size = 128
    kp = np.zeros((1, 18, 3))
    kp[0, :, :2] = np.stack([np.linspace(10, 118, 18), np.full(18, 64.0)], 1)
    kp[0, :, 2] = 1
    kp[0, 3:, 2] = 0  # only nose, neck, r-shoulder: limbs (1,2), (1,0) drawn
    maps = pose_maps(kp, size, "deepfashion20")[0]
    rgb = (maps[:3] * 255).round().to(torch.int64)
    # the nose disc is not covered by a limb ellipse far from the limb's middle: its BGR colour reversed
    x, y = int(kp[0, 0, 0]), int(kp[0, 0, 1])
    b, g, r = DEEPFASHION_COLORS[0]
    assert rgb[:, y - 4, x].tolist() == [r, g, b]
    # limbs with a missing end are all ones; present limbs are zero somewhere
    for ch, (i, j) in enumerate(DEEPFASHION_LIMBS):
        present = kp[0, i, 2] > 0 and kp[0, j, 2] > 0
        assert bool((maps[3 + ch] == 0).any()) == present
        if not present:
            assert torch.all(maps[3 + ch] == 1)


def test_openpose_points_from_wholebody_keypoints():
    kp = _keypoints(1, 133, 100, seed=5)
    kp[0, 5, 2] = 0  # left shoulder missing -> neck missing
    op = openpose18_from_keypoints(kp)
    assert op.shape == (1, 18, 3)
    assert np.allclose(op[0, 0], kp[0, 0]) and np.allclose(op[0, 2], kp[0, 6]) and np.allclose(op[0, 17], kp[0, 3])
    assert np.allclose(op[0, 1, :2], (kp[0, 5, :2] + kp[0, 6, :2]) / 2) and op[0, 1, 2] == 0


def test_keypoints_are_scaled_from_the_frame_size():
    kp = _keypoints(1, 133, 128, seed=7)
    half = kp.copy()
    half[..., :2] /= 2
    a = pose_maps(kp, 64, "wholebody", frame_size=(128, 128))
    b = pose_maps(half, 64, "wholebody", frame_size=(64, 64))
    assert torch.equal(a, b)


def test_low_confidence_points_are_left_out():
    kp = _keypoints(1, 133, 64, seed=2)
    low = kp.copy()
    low[0, layout.RIGHT_HAND, 2] = 0.2
    a, b = pose_maps(low, 64, "wholebody", min_confidence=0.3), pose_maps(kp, 64, "wholebody", min_confidence=0.3)
    hand = [3 + i for i, (p, q) in enumerate(WHOLEBODY_POSE_LIMBS) if p in layout.RIGHT_HAND or q in layout.RIGHT_HAND]
    assert torch.all(a[0, hand] == 1) and not torch.all(b[0, hand] == 1)


def test_span_distance_is_the_exact_l1_distance():
    rng = np.random.default_rng(0)
    p0, p1 = rng.uniform(-5, 45, (6, 2)), rng.uniform(-5, 45, (6, 2))
    lo, hi = ellipse_row_spans(40, *limb_ellipses(p0, p1, 2))
    masks = spans_to_mask(lo, hi, 36)
    dist = span_l1_distance(torch.from_numpy(lo), torch.from_numpy(hi), 36).numpy()
    yy, xx = np.mgrid[:40, :36]
    for m, d in zip(masks, dist):
        pts = np.argwhere(m)
        if len(pts) == 0:
            assert np.isinf(d).all()
            continue
        brute = np.min(np.abs(yy[..., None] - pts[:, 0]) + np.abs(xx[..., None] - pts[:, 1]), axis=-1)
        assert np.array_equal(d, brute)


def test_limb_rasters_match_opencv():
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(1)
    size, n = 96, 200
    p0 = rng.uniform(-10, 100, (n, 2))
    p1 = p0 + rng.normal(0, 20, (n, 2))
    lo, hi = ellipse_row_spans(size, *limb_ellipses(p0, p1, 4))
    ours = spans_to_mask(lo, hi, size)
    differing = total = 0
    for k in range(n):
        d = p0[k] - p1[k]
        angle = int(math.degrees(math.atan2(d[1], d[0])))
        poly = cv2.ellipse2Poly((int((p0[k, 0] + p1[k, 0]) / 2), int((p0[k, 1] + p1[k, 1]) / 2)),
                                (int(math.hypot(*d) / 2), 4), angle, 0, 360, 1)  # fmt: skip
        ref = np.zeros((size, size), np.uint8)
        cv2.fillConvexPoly(ref, poly, 255)
        total += (ref > 0).sum()
        differing += ((ref > 0) != ours[k]).sum()
    assert differing <= 1e-3 * total
