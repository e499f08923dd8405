"""baselines.common: grids, anti-aliasing, heatmaps, warping, blocks, hourglass, random TPS, perceptual loss."""

from __future__ import annotations

import logging

import pytest
import torch

from baselines.common import (
    AntiAliasInterpolation2d,
    Hourglass,
    ImagePyramid,
    PerceptualPyramidLoss,
    RandomTPS,
    ResBlock2d,
    SameBlock2d,
    apply_homography,
    covariance_gaussian,
    kp2gaussian,
    make_coordinate_grid,
    resize_flow,
    warp,
    warp_with_flow,
)
from baselines.common.perceptual import Vgg19Features, _vgg19_features
from slvg_bench.errors import WeightsUnavailableError


def test_coordinate_grid_is_xy_with_border_pixel_centres():
    g = make_coordinate_grid((3, 5))
    assert g.shape == (3, 5, 2)
    assert torch.equal(g[0, :, 0], torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0]))  # x varies along columns
    assert torch.equal(g[:, 0, 1], torch.tensor([-1.0, 0.0, 1.0]))  # y along rows
    assert torch.equal(make_coordinate_grid((1, 2))[0, :, 1], torch.zeros(2))


def test_homography_identity_and_translation():
    grid = make_coordinate_grid((4, 6)).expand(2, 4, 6, 2)
    m = torch.eye(3).repeat(2, 1, 1)
    assert torch.equal(apply_homography(m, grid), grid)
    m[1, 0, 2] = 0.25
    out = apply_homography(m, grid)
    assert torch.allclose(out[1, ..., 0], grid[1, ..., 0] + 0.25) and torch.equal(out[0], grid[0])


@pytest.mark.parametrize("scale,k", [(0.5, 5), (0.25, 13), (0.125, 29)])
def test_antialias_kernel_and_buffer(scale, k):
    down = AntiAliasInterpolation2d(3, scale)
    assert down.weight.shape == (3, 1, k, k)
    assert torch.allclose(down.weight.sum(dim=(1, 2, 3)), torch.ones(3))
    assert "weight" in down.state_dict()
    assert "weight" not in AntiAliasInterpolation2d(3, scale, persistent=False).state_dict()
    x = torch.rand(2, 3, 32, 48)
    a = down(x)
    b = AntiAliasInterpolation2d(3, scale, subsample="slice")(x)
    assert a.shape == (2, 3, int(32 * scale), int(48 * scale)) and torch.equal(a, b)
    const = torch.full((1, 3, 64, 64), 0.7)
    assert torch.allclose(down(const)[..., 4:-4, 4:-4], const[..., : int(64 * scale) - 8, : int(64 * scale) - 8])


def test_antialias_scale_one_is_identity_and_pyramid_keys():
    x = torch.rand(1, 3, 16, 16)
    assert AntiAliasInterpolation2d(3, 1.0)(x) is x
    pyr = ImagePyramid([1, 0.5, 0.25, 0.125])
    out = pyr(torch.rand(1, 3, 64, 64))
    assert list(out) == ["prediction_1", "prediction_0.5", "prediction_0.25", "prediction_0.125"]
    assert out["prediction_0.125"].shape[-1] == 8 and pyr.state_dict() == {}


def test_kp2gaussian_matches_formula_and_covariance_version():
    kp = torch.tensor([[[0.0, 0.0], [0.5, -1.0]]])
    h = kp2gaussian(kp, (5, 5), 0.01)
    assert h.shape == (1, 2, 5, 5)
    assert h[0, 0, 2, 2] == 1.0 and h[0, 1, 0, 3] == 1.0  # peaks at the keypoints (x col, y row)
    assert torch.isclose(h[0, 0, 2, 3], torch.exp(torch.tensor(-0.5 * 0.25 / 0.01)))
    cov = 0.01 * torch.eye(2).expand(1, 2, 2, 2)
    assert torch.allclose(covariance_gaussian(kp, cov, (5, 5)), h, atol=1e-6)
    aniso = torch.tensor([[[[0.04, 0.0], [0.0, 0.01]]]]).expand(1, 2, 2, 2)
    ha = covariance_gaussian(kp, aniso, (5, 5))
    assert ha[0, 0, 2, 3] > h[0, 0, 2, 3]  # wider along x


def test_identity_warp_exact_only_with_align_corners_true():
    img = torch.rand(2, 3, 12, 20)
    grid = make_coordinate_grid((12, 20)).expand(2, 12, 20, 2)
    assert torch.allclose(warp(img, grid, align_corners=True), img, atol=1e-6)
    assert (warp(img, grid, align_corners=False) - img).abs().max() > 1e-2
    small = make_coordinate_grid((6, 10)).expand(2, 6, 10, 2)
    assert torch.allclose(resize_flow(small, (12, 20), True), grid, atol=1e-6)
    assert torch.allclose(warp_with_flow(img, small, True), img, atol=1e-5)


def test_blocks_norm_kind_sets_keys():
    inst = ResBlock2d(8, norm="instance").state_dict()
    batch = ResBlock2d(8, norm="batch").state_dict()
    assert set(inst) == {f"{c}.{p}" for c in ("conv1", "conv2", "norm1", "norm2") for p in ("weight", "bias")}
    assert "norm1.running_mean" in batch and "norm2.num_batches_tracked" in batch
    assert set(SameBlock2d(3, 4, 7, 3, norm="batch").state_dict()) >= {"conv.weight", "norm.running_var"}
    with pytest.raises(ValueError):
        SameBlock2d(3, 4, norm="layer")


def test_hourglass_channels_follow_the_official_rule():
    hg = Hourglass(64, 84, num_blocks=5, max_features=1024, norm="instance")  # TPSMM vox dense motion
    assert hg.level_channels == [2048, 1024, 512, 256, 148] and hg.out_filters == 148
    shapes = [tuple(hg.state_dict()[f"encoder.down_blocks.{i}.conv.weight"].shape[:2]) for i in range(5)]
    assert shapes == [(128, 84), (256, 128), (512, 256), (1024, 512), (1024, 1024)]
    small = Hourglass(8, 5, num_blocks=3, max_features=32, norm="batch").eval()
    levels = small(torch.rand(2, 5, 16, 16), return_all=True)
    assert [tuple(x.shape[1:]) for x in levels] == [(64, 4, 4), (32, 8, 8), (13, 16, 16)]
    assert torch.equal(small(torch.ones(2, 5, 16, 16)), small(torch.ones(2, 5, 16, 16), return_all=True)[-1])


def test_random_tps_kernels_identity_and_jacobian():
    torch.manual_seed(0)
    pts = torch.rand(2, 7, 2) * 2 - 1
    ident = RandomTPS(torch.eye(2, 3).repeat(2, 1, 1), torch.zeros(2, 1, 25))
    assert torch.allclose(ident.warp_coordinates(pts), pts)
    t1 = RandomTPS.sample(2, kernel="tpsmm", generator=torch.Generator().manual_seed(3))
    t2 = RandomTPS.sample(2, kernel="fomm", generator=torch.Generator().manual_seed(3))
    assert torch.equal(t1.theta, t2.theta) and torch.equal(t1.control_params, t2.control_params)
    assert not torch.allclose(t1.warp_coordinates(pts), t2.warp_coordinates(pts))
    # Jacobian by autograd equals central finite differences
    for t in (t1, t2):
        jac = t.jacobian(pts.clone().double().requires_grad_(True).float())
        eps = 1e-3
        for d in range(2):
            step = torch.zeros(2)
            step[d] = eps
            fd = (t.warp_coordinates(pts + step) - t.warp_coordinates(pts - step)) / (2 * eps)
            assert torch.allclose(jac[..., :, d], fd, atol=2e-3)
    affine = RandomTPS.sample(2, sigma_tps=None)
    assert torch.allclose(affine.jacobian(pts), affine.theta[:, None, :, :2].expand(2, 7, 2, 2), atol=1e-6)
    frame = torch.rand(2, 3, 16, 16)
    assert torch.allclose(ident.transform_frame(frame, align_corners=True), frame, atol=1e-6)


def test_vgg_layout_matches_torchvision_keys():
    import torchvision

    tv = torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs["E"])
    ours = _vgg19_features().state_dict()
    theirs = {k: v.shape for k, v in tv.state_dict().items() if int(k.split(".")[0]) < 30}
    assert {k: v.shape for k, v in ours.items()} == theirs


def test_perceptual_random_weights_deterministic_and_hidden_from_state_dict():
    a = PerceptualPyramidLoss((1, 0.5), weights="random", seed=1)
    b = PerceptualPyramidLoss((1, 0.5), weights="random", seed=1)
    x, y = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    assert a.weights_used == "random" and a.provenance()["vgg19_sha256"] is None
    assert torch.equal(a(x, y), b(x, y)) and a(x, y) > 0 and a(x, x) == 0
    assert a.state_dict() == {} and list(a.parameters()) == []
    assert a.to(torch.float64).vgg.mean.dtype == torch.float64
    off = PerceptualPyramidLoss(weights="imagenet", layer_weights=(0, 0, 0, 0, 0))
    assert off.vgg is None and off(x, y) == 0  # all-zero weights build no VGG (as official)


def test_perceptual_imagenet_requires_file_and_auto_falls_back(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(WeightsUnavailableError, match="vgg19.imagenet-torchvision"):
        PerceptualPyramidLoss(weights="imagenet")
    with caplog.at_level(logging.WARNING):
        auto = PerceptualPyramidLoss(weights="auto")
    assert auto.weights_used == "random" and "random-feature" in caplog.text


def test_perceptual_imagenet_loads_torchvision_layout(tmp_path, monkeypatch):
    ref = _vgg19_features()
    state = {f"features.{k}": v for k, v in ref.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)  # present in the real file, ignored
    path = tmp_path / "vgg19-dcbb9e9d.pth"
    torch.save(state, path)
    from slvg_bench import weights

    monkeypatch.setattr(weights, "require", lambda wid: path)
    monkeypatch.setattr(weights, "record_digest", lambda spec, p: "digest")
    vgg = Vgg19Features.imagenet()
    x = torch.rand(1, 3, 32, 32)
    expect = ref.eval()[:2]((x - vgg.mean) / vgg.std)
    assert vgg.source == "imagenet" and vgg.sha256 == "digest" and torch.allclose(vgg(x)[0], expect)
