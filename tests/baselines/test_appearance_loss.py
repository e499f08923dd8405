"""The shared appearance loss: pixel pyramid and SSIM terms (synthsign CPU presets), perceptual as before."""

import pytest
import torch
from skimage.metrics import structural_similarity

from baselines.common.appearance_loss import AppearanceLoss, ssim_map
from baselines.common.downsample import ImagePyramid
from baselines.tpsmm.keypoint_detector import KPDetector


def test_ssim_map_equals_skimage():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(1, 3, 32, 32, generator=g)
    b = (a + 0.1 * torch.randn(1, 3, 32, 32, generator=g)).clamp(0, 1)
    ref = structural_similarity(a[0].permute(1, 2, 0).numpy(), b[0].permute(1, 2, 0).numpy(), gaussian_weights=True,
                                sigma=1.5, use_sample_covariance=False, data_range=1.0, channel_axis=-1)
    assert float(ssim_map(a, b).mean()) == pytest.approx(ref, abs=1e-5)


def test_terms_are_off_unless_weighted_and_equal_their_definitions():
    g = torch.Generator().manual_seed(1)
    p, t = torch.rand(2, 3, 32, 32, generator=g), torch.rand(2, 3, 32, 32, generator=g)
    off = AppearanceLoss((1, 0.5), (0, 0, 0, 0, 0))
    assert off(p, t) == {}
    loss = AppearanceLoss((1, 0.5), (0, 0, 0, 0, 0), pixel=(2.0, 3.0), ssim=4.0)
    got = loss(p, t)
    pyr = ImagePyramid((1, 0.5))
    pp, tt = pyr(p), pyr(t)
    want = sum(w * (pp[k] - tt[k]).abs().mean() for w, k in zip((2.0, 3.0), pp))
    torch.testing.assert_close(got["pixel"], want)
    torch.testing.assert_close(got["ssim"], 4.0 * (1 - ssim_map(p, t).mean()))
    assert loss(t, t)["pixel"] == 0 and float(loss(t, t)["ssim"]) == pytest.approx(0, abs=1e-6)


def test_pixel_terms_stay_float32_under_bf16_autocast():
    g = torch.Generator().manual_seed(2)
    p, t = torch.rand(1, 3, 32, 32, generator=g), torch.rand(1, 3, 32, 32, generator=g)
    loss = AppearanceLoss((1,), (0, 0, 0, 0, 0), pixel=(1.0,), ssim=1.0)
    ref = loss(p, t)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = loss(p, t)
    assert got["ssim"].dtype == torch.float32
    torch.testing.assert_close(got["ssim"], ref["ssim"]) and torch.testing.assert_close(got["pixel"], ref["pixel"])


def test_pixel_weights_must_match_the_scales():
    with pytest.raises(ValueError, match="one weight per scale"):
        AppearanceLoss((1, 0.5), (0, 0, 0, 0, 0), pixel=(1.0,))


def test_narrow_keypoint_detector_keeps_the_layout():
    official = KPDetector(num_tps=2)
    narrow = KPDetector(num_tps=2, width=16)
    assert list(official.state_dict()) == list(narrow.state_dict())  # same keys, smaller tensors
    assert narrow.state_dict()["fg_encoder.layer4.1.conv2.weight"].shape == (128, 128, 3, 3)
    n_off = sum(p.numel() for p in official.parameters())
    n_nar = sum(p.numel() for p in narrow.parameters())
    assert n_nar < n_off / 12
    out = narrow(torch.rand(2, 3, 64, 64))
    assert out.shape == (2, 10, 2) and out.abs().max() < 1


def _shift_flow(dx_pixels: torch.Tensor, size: int = 64) -> torch.Tensor:
    from baselines.common.grids import make_coordinate_grid

    grid = make_coordinate_grid((size, size), torch.float32, "cpu")[None].clone()
    return grid + torch.stack([dx_pixels * 2 / (size - 1), torch.zeros(())]).view(1, 1, 1, 2)


def test_blurred_warp_loss_sees_a_far_motion_that_the_sharp_frame_does_not():
    from baselines.common.appearance_loss import blurred_warp_loss, gaussian_blur

    src = torch.zeros(1, 3, 64, 64)
    src[..., 28:36, 10:18] = 1.0  # a block at x 10..17
    drv = torch.zeros(1, 3, 64, 64)
    drv[..., 28:36, 30:38] = 1.0  # the same block moved 20 px to the right
    grads = {}
    for sigma in (0.0, 8.0):
        dx = torch.zeros((), requires_grad=True)  # backward flow: driving pixel x samples source x + dx
        blurred_warp_loss(src, drv, _shift_flow(dx), (sigma,), 1.0).backward()
        grads[sigma] = float(dx.grad)
    assert grads[0.0] == 0.0  # sharp: no overlap, no gradient
    assert grads[8.0] > 0  # blurred: descending moves the sampling point left by the right sign (dx → −20)
    # the exact shift makes the loss vanish; identity flow and equal frames too
    exact = blurred_warp_loss(src, drv, _shift_flow(torch.tensor(-20.0)), (0.0, 8.0), 1.0)
    assert float(exact) < 0.02
    assert float(blurred_warp_loss(src, src, _shift_flow(torch.tensor(0.0)), (4.0,), 1.0)) < 1e-6
    torch.testing.assert_close(gaussian_blur(torch.ones(1, 1, 8, 8), 3.0), torch.ones(1, 1, 8, 8))


def test_motion_weight_upweights_the_pixels_that_moved():
    src = torch.zeros(1, 3, 32, 32)
    drv = src.clone()
    drv[..., 8:16, 8:16] = 1.0  # the only change between the frames
    pred = src.clone()  # copying the source: wrong exactly where the frame moved
    plain = AppearanceLoss((1,), (0, 0, 0, 0, 0), pixel=(1.0,))
    weighted = AppearanceLoss((1,), (0, 0, 0, 0, 0), pixel=(1.0,), motion_weight=9.0)
    p, w = float(plain(pred, drv)["pixel"]), float(weighted(pred, drv, src)["pixel"])
    assert p == pytest.approx(64 / 1024)
    assert w == pytest.approx(10 * p)  # every wrong pixel is a moving one: weight 1 + 9
    # an error where nothing moved keeps weight 1
    still_err = drv.clone()
    still_err[..., 24:28, 24:28] = 0.5
    assert float(weighted(still_err, drv, src)["pixel"]) == pytest.approx(float(plain(still_err, drv)["pixel"]))
    with pytest.raises(ValueError, match="needs the source"):
        weighted(pred, drv)
