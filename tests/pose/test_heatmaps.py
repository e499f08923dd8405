import math

import pytest
import torch

from slvg_bench.pose.heatmaps import (
    DEFAULT_SIGMA,
    hard_argmax,
    keypoints_from_heatmaps,
    quarter_offset,
    render_heatmaps,
    rescale_coords,
    soft_argmax,
)


def random_keypoints(t: int, k: int, size: int, margin: float, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    xy = margin + torch.rand(t, k, 2, generator=g) * (size - 1 - 2 * margin)
    return torch.cat([xy, torch.ones(t, k, 1)], dim=-1)


def test_render_peak_sigma_and_unknown_points():
    kp = torch.tensor([[[10.0, 20.0, 1.0], [5.0, 5.0, 0.0], [30.0, 7.0, 0.4]]])
    hm = render_heatmaps(kp, frame_size=(40, 50))
    assert hm.shape == (1, 3, 40, 50)
    assert hm[0, 0, 20, 10] == pytest.approx(1.0)
    assert hm[0, 0].max() == pytest.approx(1.0)
    # value at distance sigma is exp(-1/2): the documented sigma, in heatmap pixels
    assert hm[0, 0, 20, 10 + int(DEFAULT_SIGMA)] == pytest.approx(math.exp(-0.5), rel=1e-5)
    assert hm[0, 1].abs().sum() == 0  # confidence 0 -> all zeros
    assert hm[0, 2, 7, 30] == pytest.approx(1.0)  # any confidence > 0 -> peak 1
    sub = render_heatmaps(kp, frame_size=(40, 50), indices=[2], sigma=3.0)
    assert sub.shape == (1, 1, 40, 50) and sub[0, 0, 7, 33] == pytest.approx(math.exp(-0.5), rel=1e-5)


def test_render_at_another_resolution_uses_pixel_centres():
    # frame pixel 13.5 of 128 <-> heatmap pixel (13.5 + 0.5) / 4 - 0.5 = 3 of 32
    kp = torch.tensor([[[13.5, 125.5, 1.0]]])
    hm = render_heatmaps(kp, frame_size=(128, 128), heatmap_size=(32, 32), sigma=1.0)
    assert hm.shape == (1, 1, 32, 32)
    xy, val = hard_argmax(hm)
    assert xy[0, 0].tolist() == [3.0, 31.0] and val.item() == pytest.approx(1.0)
    back = rescale_coords(rescale_coords(kp[..., :2], (128, 128), (32, 48)), (32, 48), (128, 128))
    assert torch.allclose(back, kp[..., :2])


@pytest.mark.parametrize("heatmap_size", [(64, 64), (32, 48), (128, 128)])
def test_soft_argmax_round_trip(heatmap_size):
    # 4 sigma away from the border, so the Gaussian is not clipped by the heatmap's edge
    margin = 4 * 2.0 * 128 / min(heatmap_size) + 1
    kp = random_keypoints(4, 133, 128, margin=margin)
    hm = render_heatmaps(kp, (128, 128), heatmap_size, sigma=2.0)
    xy = soft_argmax(hm, frame_size=(128, 128))
    assert (xy - kp[..., :2]).abs().max() < 1e-3


def test_soft_argmax_softmax_variant_is_close_for_sharp_heatmaps():
    kp = random_keypoints(2, 20, 64, margin=8, seed=1)
    hm = render_heatmaps(kp, (64, 64), sigma=1.5)
    # too small a beta lets the 4096 background pixels pull toward the centre, too large
    # a beta approaches the integer argmax; 20 suits peak-1 heatmaps of this size
    assert (soft_argmax(hm, beta=20.0) - kp[..., :2]).abs().max() < 0.25
    assert (soft_argmax(hm, beta=5.0) - kp[..., :2]).abs().max() > 5


def test_soft_argmax_is_differentiable_with_unit_jacobian():
    kp = random_keypoints(1, 3, 64, margin=10, seed=2).requires_grad_(True)
    xy = soft_argmax(render_heatmaps(kp, (64, 64), sigma=2.0))
    xy[0, 1, 0].backward()
    grad = kp.grad[0]
    assert grad[1, 0] == pytest.approx(1.0, abs=1e-3)
    assert grad[1, 1].abs() < 1e-3 and grad[0].abs().max() < 1e-6


def test_hard_argmax_and_quarter_offset():
    kp = torch.tensor([[[20.0, 11.0, 1.0], [7.3, 30.0, 1.0], [0.0, 0.0, 1.0]]])
    hm = render_heatmaps(kp, (40, 40), sigma=2.0)
    xy, val = hard_argmax(hm)
    assert xy[0, 0].tolist() == [20.0, 11.0] and xy[0, 1].tolist() == [7.0, 30.0]
    refined = quarter_offset(hm, xy)
    assert refined[0, 0].tolist() == [20.0, 11.0]  # symmetric neighbours: no shift
    assert refined[0, 1].tolist() == [7.25, 30.0]  # toward the higher neighbour
    assert refined[0, 2].tolist() == [0.0, 0.0]  # on the border: not refined (MMPose)


def test_keypoints_from_heatmaps_round_trip_and_confidence():
    kp = random_keypoints(3, 133, 256, margin=40, seed=3)
    kp[0, :5, 2] = 0
    hm = render_heatmaps(kp, (256, 256), (64, 64), sigma=2.0)
    hard = keypoints_from_heatmaps(hm, (256, 256), method="hard")
    soft = keypoints_from_heatmaps(hm, (256, 256), method="soft")
    known = kp[..., 2] > 0
    # hard: integer argmax + 0.25 refinement -> within 0.25 heatmap px = 1 frame px (+ rounding)
    assert (hard[..., :2] - kp[..., :2])[known].abs().max() <= 4 * 0.5 + 1e-4
    assert (soft[..., :2] - kp[..., :2])[known].abs().max() < 1e-2
    assert torch.all(hard[..., 2][~known] == 0) and torch.all(hard[..., 2][known] > 0.8)
    with pytest.raises(ValueError):
        keypoints_from_heatmaps(hm, method="median")


def test_bad_shapes_raise():
    with pytest.raises(ValueError):
        render_heatmaps(torch.zeros(5, 2), (8, 8))
    with pytest.raises(ValueError):
        render_heatmaps(torch.zeros(1, 5, 3), (8, 8), sigma=0)
    with pytest.raises(ValueError):
        soft_argmax(torch.zeros(8, 8))


def test_local_soft_argmax_is_sub_pixel_and_robust_to_background():
    from slvg_bench.pose.heatmaps import local_soft_argmax

    kp = random_keypoints(2, 40, 64, margin=6, seed=4)
    hm = render_heatmaps(kp, (64, 64), sigma=1.0)
    xy, val = local_soft_argmax(hm, radius=3)
    assert (xy - kp[..., :2]).abs().max() < 0.05 and torch.all(val > 0.6)
    noisy = hm + 0.05 * torch.rand(hm.shape, generator=torch.Generator().manual_seed(0))
    assert (local_soft_argmax(noisy, radius=2)[0] - kp[..., :2]).abs().mean() < 0.15
    assert (soft_argmax(noisy) - kp[..., :2]).abs().mean() > 3  # a global soft-argmax is dragged off
    corner = render_heatmaps(torch.tensor([[[0.0, 63.0, 1.0]]]), (64, 64), sigma=1.0)
    xy, _ = local_soft_argmax(corner)
    # the window is clipped at the border, which pulls the estimate inward by about half a pixel
    assert torch.isfinite(xy).all() and (xy - torch.tensor([0.0, 63.0])).abs().max() < 0.6
    empty, _ = local_soft_argmax(torch.zeros(1, 2, 8, 8))
    assert torch.all(empty == 0)
