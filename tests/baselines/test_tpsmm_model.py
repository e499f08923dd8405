"""TPSMM modules: TPS math, identity motion, resolution rules, official parameter counts, equivariance."""

from __future__ import annotations

import json

import pytest
import torch

from baselines.common.random_tps import RandomTPS
from baselines.common.grids import make_coordinate_grid
from baselines.tpsmm.config import TPSMMModelConfig, check_resolution, validate
from baselines.tpsmm.dense_motion import dropout_softmax
from baselines.tpsmm.losses import dropout_schedule, equivariance_loss
from baselines.tpsmm.model import TPSMM, build_networks
from baselines.tpsmm.tps import KeypointTPS
from slvg_bench.errors import UsageError
from tests.baselines.tpsmm_helpers import smooth_frames, tiny_config, tiny_model_config


def _kp(b, k, seed=0):
    return torch.rand(b, k, 5, 2, generator=torch.Generator().manual_seed(seed)) * 1.6 - 0.8


def test_tps_with_unchanged_keypoints_is_the_identity():
    kp = _kp(2, 4)
    grid = make_coordinate_grid((16, 24)).view(1, 1, 16, 24, 2)
    exact = KeypointTPS(kp, kp, regularization=0.0)
    assert torch.allclose(exact.grid(16, 24), grid.expand(2, 4, 16, 24, 2), atol=1e-5)
    assert torch.allclose(exact.theta, torch.eye(2, 3).expand(2, 4, 2, 3), atol=1e-5)
    # the official +0.01·I regulariser: each keypoint still maps onto itself (within ~1e-3), but the
    # spline is no longer exactly the identity away from the keypoints (documented property)
    official = KeypointTPS(kp, kp)
    at_points = official.warp_coordinates(kp.view(2, 20, 2))
    for k in range(4):
        assert torch.allclose(at_points[:, k, 5 * k:5 * k + 5], kp[:, k], atol=2e-3)
    assert (official.grid(16, 24) - grid).abs().max() > 1e-3


def test_tps_interpolates_its_control_points_without_regularisation():
    src, drv = _kp(2, 3, seed=1), _kp(2, 3, seed=2)
    tps = KeypointTPS(drv, src, regularization=0.0)
    warped = tps.warp_coordinates(drv.view(2, 15, 2))  # B×K×15×2: TPS k at all 15 points
    for k in range(3):
        assert torch.allclose(warped[:, k, 5 * k:5 * k + 5], src[:, k], atol=1e-4)


def test_identity_motion_reproduces_the_source():
    """source = driving: bg-only flow is exactly the identity grid; forcing occlusion 1 returns the source."""
    torch.manual_seed(0)
    model = TPSMM(tiny_model_config()).eval()
    with torch.no_grad():
        model.dense_motion_network.maps.bias[0] = 1e3  # all weight on the (identity) background transform
        for conv in model.dense_motion_network.occlusion:
            conv.bias.fill_(40.0)  # occlusion ≈ 1: keep the warped source
    src = smooth_frames(2)
    with torch.no_grad():
        kp = model.kp_detector(src)
        out = model.generate(src, kp, kp, None)
    grid = make_coordinate_grid((16, 16)).expand(2, 16, 16, 2)
    assert torch.allclose(out["dense_motion"]["deformation"], grid, atol=1e-6)
    assert (out["prediction"] - src).abs().max() < 1e-5
    # with the learned TPS mixture (no forcing of the maps) the flow stays within the TPS regulariser's error
    torch.manual_seed(0)
    model2 = TPSMM(tiny_model_config()).eval()
    with torch.no_grad():
        kp = model2.kp_detector(src)
        flow = model2.generate(src, kp, kp, None)["dense_motion"]["deformation"]
    assert (flow - grid).abs().mean() < 0.05


def test_equivariance_loss_vanishes_for_an_equivariant_detector():
    """Blob image + centroid detector: detections move with the image, so kp_D ≈ T(kp(T(D)))."""
    size, n = 96, 6
    g = torch.Generator().manual_seed(0)
    centres = torch.rand(1, n, 2, generator=g) * 1.0 - 0.5
    grid = make_coordinate_grid((size, size))
    image = torch.exp(-((grid[None, None] - centres[:, :, None, None]) ** 2).sum(-1) / (2 * 0.04**2))  # 1×n×H×W

    def detector(img):
        w = img.clamp(min=0) ** 4  # sharpen against interpolation blur
        w = w / w.sum(dim=(2, 3), keepdim=True)
        return (w.unsqueeze(-1) * grid).sum(dim=(2, 3))

    kp = detector(image)
    assert torch.allclose(kp, centres, atol=1e-4)
    torch.manual_seed(3)
    transform = RandomTPS.sample(1)
    loss, _, _ = equivariance_loss(detector, image, kp, transform, weight=10.0)
    lazy, _, _ = equivariance_loss(lambda img: kp, image, kp, transform, weight=10.0)  # ignores the image
    assert loss < 0.01 and lazy > 20 * loss


def test_dropout_schedule_and_softmax():
    vox = dict(dropout_epoch=35, dropout_startp=0.1, dropout_maxp=0.3, dropout_inc_epoch=10)
    assert dropout_schedule(0, **vox) == (True, 0.1)
    assert dropout_schedule(5, **vox) == (True, pytest.approx(0.25))
    assert dropout_schedule(20, **vox) == (True, 0.3)
    assert dropout_schedule(35, **vox) == (False, 0.0)
    logits = torch.randn(64, 5, 3, 3)
    out = dropout_softmax(logits, 0.5, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(out.sum(1), torch.ones(64, 3, 3), atol=1e-3)  # ÷(sum + 1e-6), as official
    kept = out.sum(dim=(2, 3)) > 0
    assert kept[:, 0].all() and not kept[:, 1:].all()
    assert torch.allclose(dropout_softmax(logits, 0.0), torch.softmax(logits, 1), atol=1e-5)


def test_batch_composition_does_not_change_results():
    torch.manual_seed(0)
    model = TPSMM(tiny_model_config()).eval()
    src, drv = smooth_frames(3), smooth_frames(3, seed=1)
    with torch.no_grad():
        kp_s, kp_d = model.kp_detector(src), model.kp_detector(drv)
        bg = model.bg_predictor(src, drv)
        full = model.generate(src, kp_s, kp_d, bg)["prediction"]
        one = model.generate(src[1:2], kp_s[1:2], kp_d[1:2], bg[1:2])["prediction"]
    assert torch.allclose(full[1:2], one, atol=1e-5)


def test_tpsmm_specific_config_rules_give_clear_errors():
    """The rules MRAA does not share (the common ones: test_fomm_configs.py)."""
    check_resolution(TPSMMModelConfig(), 128, 256)
    cfg = tiny_config()
    cfg.model.generator.num_down_blocks = 2
    with pytest.raises(UsageError, match="num_down_blocks"):
        validate(cfg)


VOX_PARAMS = {"kp_detector": 11_227_812, "dense_motion_network": 37_941_397, "inpainting_network": 24_737_283,
              "bg_predictor": 11_188_998, "avd_network": 2_583_652}


def test_vox_parameter_counts_and_keys_match_the_official_model():
    nets = build_networks(TPSMMModelConfig(), with_avd=True)
    counts = {name: sum(p.numel() for p in net.parameters()) for name, net in nets.items()}
    assert counts == VOX_PARAMS  # methods.md §7
    from tests.conftest import parity_fixtures_dir

    keys_file = parity_fixtures_dir() / "tpsmm" / "keys_full_config.json"
    if not keys_file.is_file():
        pytest.skip(f"{keys_file} absent: key-list comparison skipped (counts checked)")
    official = json.loads(keys_file.read_text())["configs"]
    for setup in ("vox-256", "ted-384"):  # identical model_params, identical keys
        subnets = official[setup]["subnetworks"]
        for name, net in nets.items():
            entry = subnets[name]
            expect = {e["key"]: tuple(e["shape"]) for e in entry["state_dict"]}
            got = {k: tuple(v.shape) for k, v in net.state_dict().items()}
            assert got == expect, f"{setup} {name}"
            assert len(got) == entry["num_tensors"] and counts[name] == entry["num_parameters"]
