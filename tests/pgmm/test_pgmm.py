"""PGMM: module semantics, shapes, gradients, checkpoints, variants, training, animator."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from baselines.common.grids import make_coordinate_grid
from pgmm.checkpoint import load as load_checkpoint
from pgmm.checkpoint import save_checkpoint
from pgmm.config import VARIANTS, PGMMConfig
from pgmm.modules import CoarseMotionModule, PoseFusionModule, PoseNet
from pgmm.trainable import build
from slvg_bench.config import load_config
from slvg_bench.errors import CheckpointError, UsageError
from slvg_bench.pose.estimators.posenet import PoseNet as HeatmapNet
from slvg_bench.pose.estimators.posenet import PoseNetConfig, PoseNetSynthsign

TINY = {
    "model": {
        "variant": "full", "num_tps": 3, "image_size": [64, 64],
        "encoder": {"block_expansion": 8, "max_features": 32},
        "dense_motion": {"block_expansion": 8, "max_features": 32, "num_blocks": 4},
        "pose": {"source": "keypoints", "estimator": "posenet-synthsign", "channels": [16, 8, 8, 8],
                 "heatmap_size": [32, 32]},
        "resblocks_per_scale": 1,
    },
    "loss": {"perceptual_weights": "random", "scales": [1, 0.5, 0.25]},
    "schedule": {"bg_start": 0, "dropout_epoch": 0},
}


def tiny_estimator():
    torch.manual_seed(1)
    net = HeatmapNet(PoseNetConfig(input_size=64, widths=(8, 8, 8, 8), heatmap_stride=2))
    return PoseNetSynthsign(device="cpu", model=net)


def tiny(variant="full", **model):
    over = {**TINY, "model": {**TINY["model"], "variant": variant, **model}}
    return load_config(PGMMConfig, over)


def batch(b=2, size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    kp = torch.rand(b, 133, 3, generator=g) * (size - 1)
    kp[..., 2] = 1
    return {"source": torch.rand(b, 3, size, size, generator=g), "driving": torch.rand(b, 3, size, size, generator=g),
            "source_kp": kp.clone(), "driving_kp": kp, "id": [f"v{i}" for i in range(b)]}


def test_cmm_identity_flow_and_zero_occlusion_returns_input_twice():
    cmm = CoarseMotionModule(4, 3)
    x = torch.randn(2, 5, 8, 8)
    flow = make_coordinate_grid((8, 8), x.dtype, x.device).expand(2, 8, 8, 2)
    out = cmm(x, flow, torch.zeros(2, 1, 8, 8))
    torch.testing.assert_close(out, torch.cat([x, x], 1), atol=1e-6, rtol=0)
    torch.testing.assert_close(cmm(x, None, None), torch.cat([x, x], 1))
    # full occlusion removes the warped half
    out = cmm(x, flow, torch.ones(2, 1, 8, 8))
    assert out[:, 5:].abs().max() == 0


def test_cmm_flow_is_softmax_weighted_transformations():
    cmm = CoarseMotionModule(4, 3)
    feats = torch.randn(1, 4, 6, 6)
    grids = torch.randn(1, 3, 6, 6, 2)
    flow, occ, w = cmm.motion(feats, grids)
    torch.testing.assert_close(w.sum(1), torch.ones(1, 6, 6))
    torch.testing.assert_close(flow, (grids * w[..., None]).sum(1))
    assert 0 <= occ.min() and occ.max() <= 1


def test_pfm_with_zero_value_projection_is_identity():
    pfm = PoseFusionModule(6, 4)
    with torch.no_grad():
        pfm.value[0].weight.zero_()
        pfm.value[0].bias.zero_()
        pfm.value[1].bias.zero_()
    x, p = torch.randn(2, 6, 5, 5), torch.randn(2, 4, 5, 5)
    torch.testing.assert_close(pfm(x, p), x)


def test_pfm_attention_equals_explicit_softmax():
    torch.manual_seed(0)
    pfm = PoseFusionModule(6, 4)
    x, p = torch.randn(2, 6, 5, 4), torch.randn(2, 4, 5, 4)
    q = pfm.query(p).flatten(2).transpose(1, 2)
    k = pfm.key(x).flatten(2).transpose(1, 2)
    v = pfm.value(x).flatten(2).transpose(1, 2)
    ref = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(6), -1) @ v
    torch.testing.assert_close(pfm.attention(x, p), ref.transpose(1, 2).reshape(2, 6, 5, 4), atol=1e-5, rtol=1e-5)


def test_posenet_scales():
    net = PoseNet(36, (16, 8, 8, 4), (4, 4))
    feats = net(torch.rand(2, 36, 32, 32))
    assert [tuple(f.shape) for f in feats] == [(2, 16, 4, 4), (2, 8, 8, 8), (2, 8, 16, 16), (2, 4, 32, 32)]


def test_shapes_and_ranges_at_every_scale():
    model = build(tiny(), estimator=tiny_estimator())
    b = batch()
    model.eval()
    with torch.no_grad():
        src = model.source_features(b["source"])
        assert [m.shape[-1] for m in src["encoder_maps"]] == [64, 32, 16, 8]
        motion = model.motion(src["source_down"], src["kp_source"], model.kp_detector(b["driving"]))
        assert [f.shape[1:3] for f in motion["flows"]] == [(8, 8), (16, 16), (32, 32), (64, 64)]
        for occ in motion["occlusions"]:
            assert 0 <= occ.min() and occ.max() <= 1
        pose = model.pose_features(model.heatmaps(b["driving"], b["driving_kp"]))
        out = model.generate(src["encoder_maps"], motion, pose, source=b["source"])
    assert out["prediction"].shape == (2, 3, 64, 64)
    assert 0 <= out["prediction"].min() and out["prediction"].max() <= 1
    assert [y.shape[-1] for y in out["conv_outputs"]] == [8, 16, 32, 64]
    assert [y.shape[1] for y in out["conv_outputs"]] == model.generator.widths


def test_gradients_reach_every_trained_parameter_and_not_the_estimator():
    est = tiny_estimator()
    model = build(tiny(), estimator=est)
    model.set_epoch(0)
    pred, losses = model(batch())
    assert set(losses) == {"perceptual", "equivariance_value", "warp_loss", "bg", "pose_distance", "feature_alignment"}
    sum(losses.values()).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not missing, missing[:10]
    assert all(not p.requires_grad and p.grad is None for p in est.model.parameters())
    assert not any(k.startswith("_estimator") for k in model.state_dict())


def test_pose_distance_gradient_flows_through_the_estimator_to_the_generator():
    model = build(tiny("+pfm+lpd"), estimator=tiny_estimator())
    model.config.loss.perceptual = (0, 0, 0, 0, 0)
    _, losses = model(batch())
    losses["pose_distance"].backward()
    assert model.generator.final.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_runs_one_step(variant):
    model = build(tiny(variant), estimator=tiny_estimator())
    pred, losses = model(batch(b=1))
    fusion, lpd, lalign = VARIANTS[variant]
    assert ("pose_distance" in losses) == lpd and ("feature_alignment" in losses) == lalign
    assert (model.pose_net is None) == (fusion == "none")
    sum(losses.values()).backward()


def test_pose_distance_needs_a_differentiable_estimator():
    with pytest.raises(UsageError, match="differentiable"):
        build(tiny("full", pose={**TINY["model"]["pose"], "estimator": "mediapipe"}))


def test_checkpoint_round_trip_is_bit_exact(tmp_path):
    cfg = tiny("+pfm")
    model = build(cfg).eval()
    b = batch(b=1)
    with torch.no_grad():
        src = model.source_features(b["source"])
        motion = model.motion(src["source_down"], src["kp_source"], model.kp_detector(b["driving"]))
        want = model.generate(src["encoder_maps"], motion, model.pose_features(model.heatmaps(b["driving"], b["driving_kp"])),
                              source=b["source"])
    path = save_checkpoint(tmp_path / "pgmm.pt", model, cfg)
    loaded, cfg2 = load_checkpoint(path)
    with torch.no_grad():
        src = loaded.source_features(b["source"])
        motion = loaded.motion(src["source_down"], src["kp_source"], loaded.kp_detector(b["driving"]))
        got = loaded.generate(src["encoder_maps"], motion, loaded.pose_features(loaded.heatmaps(b["driving"], b["driving_kp"])),
                              source=b["source"])
    assert torch.equal(want["prediction"], got["prediction"])
    assert cfg2 == cfg


def test_wrong_checkpoints_are_named(tmp_path):
    torch.save({"method": "tpsmm", "model": {}, "config": {}}, tmp_path / "t.pt")
    with pytest.raises(CheckpointError, match="belongs to method 'tpsmm'"):
        load_checkpoint(tmp_path / "t.pt")
    cfg = tiny("+pfm")
    path = save_checkpoint(tmp_path / "p.pt", build(cfg), cfg)
    ckpt = torch.load(path, weights_only=True)
    ckpt["model"].pop("generator.final.weight")
    with pytest.raises(CheckpointError, match="missing keys.*generator.final.weight"):
        load_checkpoint(ckpt)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")


def test_config_errors_are_clear():
    with pytest.raises(UsageError, match="variant must be one of"):
        build(tiny("everything"))
    with pytest.raises(UsageError, match="multiples of 64"):
        build(tiny("+pfm", image_size=[96, 96]))
    with pytest.raises(UsageError, match="pfm_scales"):
        build(tiny("+pfm", pfm_scales=[7]))


@pytest.mark.slow
def test_a_few_training_steps_on_synthsign_lower_the_loss():
    from slvg_bench.data.synthsign.generate import render_video

    frames, kps, _ = render_video(2, ("HELLO", "RAIN"), (0, 2, 1, 0), resolution=64)
    video = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255
    kp = torch.from_numpy(kps)
    torch.manual_seed(0)
    model = build(tiny("+pfm+lalign"))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))
    rng = np.random.default_rng(0)
    fixed = [rng.integers(0, len(video), (2, 4)) for _ in range(2)]
    history = []
    for step in range(24):
        s, d = fixed[step % 2]
        _, losses = model({"source": video[s], "driving": video[d], "source_kp": kp[s], "driving_kp": kp[d]})
        total = losses["perceptual"] + losses["warp_loss"]
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
        history.append(float(total))
    assert np.mean(history[-4:]) < 0.9 * np.mean(history[:4]), history


def test_animator_shapes_intermediates_and_keypoint_requirement(tmp_path):
    from pgmm.animator import load

    cfg = tiny("+pfm")
    path = save_checkpoint(tmp_path / "p.pt", build(cfg), cfg)
    anim = load(str(path), batch_size=3)
    src, drv = torch.rand(3, 96, 96), torch.rand(5, 3, 96, 96)
    kp = torch.rand(5, 133, 3) * 95
    kp[..., 2] = 1
    out = anim.animate(src, drv, kp)
    assert out.shape == (5, 3, 96, 96) and 0 <= out.min() and out.max() <= 1
    out2, maps = anim.intermediates(src, drv, kp)
    torch.testing.assert_close(out2, out)
    assert set(maps) == {"flow_magnitude", "occlusion", "pfm_difference"}
    assert maps["pfm_difference"][0].abs().sum() > 0
    with pytest.raises(UsageError, match="driving_keypoints"):
        anim.animate(src, drv)
    rel = anim.animate(src, drv, kp, mode="relative")
    assert rel.shape == out.shape


def test_animator_frames_do_not_depend_on_the_batch_size(tmp_path):
    # `run --batch-size` (default 16 for pgmm) is a speed setting: frames equal up to float rounding (the
    # convolutions' blocking changes with the batch; 1.3e-5 here, far below one uint8 level of 3.9e-3)
    from pgmm.animator import load

    cfg = tiny("full")
    path = save_checkpoint(tmp_path / "p.pt", build(cfg), cfg)
    torch.manual_seed(0)
    src, drv = torch.rand(3, 96, 96), torch.rand(7, 3, 96, 96)
    kp = torch.rand(7, 133, 3) * 95
    kp[..., 2] = 1
    assert load(str(path)).batch_size == 16
    frames = {b: load(str(path), batch_size=b).animate(src, drv, kp) for b in (2, 3, 16)}
    torch.testing.assert_close(frames[2], frames[16], rtol=0, atol=1e-4)
    torch.testing.assert_close(frames[3], frames[16], rtol=0, atol=1e-4)
