"""The PGMM fixes of issue 15, each pinned: output blend, antialiased PoseNet input, CMM-head clipping, fp32 default."""

import pytest
import torch

from baselines.common.grids import make_coordinate_grid
from pgmm.config import PGMMConfig
from pgmm.modules import PoseNet
from pgmm.trainable import build
from slvg_bench.config import load_config
from slvg_bench.pose.heatmaps import render_heatmaps
from slvg_bench.train_config import TrainConfig

from .test_pgmm import TINY, batch, tiny, tiny_estimator


def identity_motion(model, b: int) -> dict:
    """Per-scale identity flows and zero occlusions at the model's CMM resolutions."""
    sizes = [(8, 8), (16, 16), (32, 32), (64, 64)]
    flows = [make_coordinate_grid(s, torch.float32, "cpu").expand(b, *s, 2) for s in sizes]
    return {"flows": flows, "occlusions": [torch.zeros(b, 1, *s) for s in sizes]}


def test_blend_with_zero_occlusion_and_identity_flow_returns_the_source():
    model = build(tiny("+pfm"), estimator=tiny_estimator()).eval()
    b = batch()
    with torch.no_grad():
        src = model.source_features(b["source"])
        pose = model.pose_features(model.heatmaps(b["driving"], b["driving_kp"]))
        motion = identity_motion(model, 2)
        out = model.generate(src["encoder_maps"], motion, pose, source=b["source"])
        torch.testing.assert_close(out["prediction"], b["source"], atol=1e-5, rtol=0)
        # full occlusion: the generator's own output
        motion["occlusions"][-1] = torch.ones_like(motion["occlusions"][-1])
        out = model.generate(src["encoder_maps"], motion, pose, source=b["source"])
        torch.testing.assert_close(out["prediction"], out["generated"])
        assert (out["generated"] - b["source"]).abs().mean() > 0.05


def test_blend_off_is_the_sigmoid_output_and_needs_no_source():
    model = build(tiny("+pfm", output_blend=False), estimator=tiny_estimator()).eval()
    b = batch()
    with torch.no_grad():
        src = model.source_features(b["source"])
        pose = model.pose_features(model.heatmaps(b["driving"], b["driving_kp"]))
        out = model.generate(src["encoder_maps"], identity_motion(model, 2), pose)
    assert "deformed" not in out
    assert (out["prediction"] - b["source"]).abs().mean() > 0.05


def test_blend_needs_the_source_image():
    model = build(tiny("+pfm"), estimator=tiny_estimator()).eval()
    b = batch()
    with torch.no_grad(), pytest.raises(ValueError, match="needs the source image"):
        src = model.source_features(b["source"])
        model.generate(src["encoder_maps"], identity_motion(model, 2), model.pose_features(
            model.heatmaps(b["driving"], b["driving_kp"])))


def _peaks_after_resize(antialias: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """One keypoint at 16 sub-cell x positions of a 64² heatmap (σ 1) shrunk 4× by PoseNet: (peaks, masses)."""
    net = PoseNet(1, (4, 4), (16, 16), antialias=antialias)
    offsets = torch.arange(16, dtype=torch.float32) / 4  # 0 .. 3.75 heatmap pixels = one 16² cell
    kp = torch.zeros(16, 133, 3)
    kp[:, 0, 0] = 30.0 + offsets
    kp[:, 0, 1] = 30.0
    kp[:, 0, 2] = 1
    heat = render_heatmaps(kp, (64, 64), (64, 64), sigma=1.0, indices=(0,))
    small = net.resize(heat)
    return small.flatten(1).amax(1), small.flatten(1).sum(1) * 16 / heat.flatten(1).sum(1)


def test_antialiased_posenet_input_weighs_every_keypoint_the_same():
    peaks, masses = _peaks_after_resize(antialias=True)
    torch.testing.assert_close(masses, torch.ones_like(masses), atol=1e-4, rtol=0)  # the same total weight
    assert peaks.min() / peaks.max() > 0.6, peaks
    # the plain bilinear sampling it replaces: a peak between samples keeps a fifth of its best height,
    # and a keypoint's total weight swings by a factor of two with its sub-pixel position
    plain, plain_masses = _peaks_after_resize(antialias=False)
    assert plain.min() / plain.max() < 0.3, plain
    assert plain_masses.max() - plain_masses.min() > 0.5, plain_masses


def _clip_case(clip_cmm_heads: bool):
    cfg = tiny("+pfm")
    cfg.schedule.clip_cmm_heads = clip_cmm_heads
    model = build(cfg, estimator=tiny_estimator())
    model.set_epoch(0)
    for p in model.parameters():
        p.grad = torch.full_like(p, 1000.0)
    model.before_optimizer_step()
    return model, cfg.schedule.clip_grad_inf_norm


def test_cmm_heads_are_clipped_with_the_dense_motion_network():
    model, limit = _clip_case(True)
    heads = [p.grad.abs().max() for p in model.generator.cmm.parameters()]
    motion = [p.grad.abs().max() for p in model.dense_motion_network.parameters()]
    assert max(heads) <= limit * (1 + 1e-5) and max(motion) <= limit * (1 + 1e-5)
    # the generator outside the motion path is never clipped (as TPSMM's inpainting network)
    assert model.generator.final.weight.grad.abs().max() == 1000.0
    unclipped, _ = _clip_case(False)
    assert all(p.grad.abs().max() == 1000.0 for p in unclipped.generator.cmm.parameters())


def test_default_precision_is_fp32_and_paper_configs_augment_like_tpsmm():
    assert TrainConfig().amp is False
    cfg = load_config(PGMMConfig, {"model": TINY["model"]})
    aug = cfg.train.augment
    assert (aug.time_flip, aug.horizontal_flip, tuple(aug.jitter)) == (0.5, 0.5, (0.1, 0.1, 0.1, 0.1))
    assert cfg.train.amp is False and cfg.model.output_blend and cfg.model.pose.resize_antialias
    assert cfg.schedule.clip_cmm_heads


def test_paper_stem_is_the_plain_convolution():
    """stem 'conv': E_I's finest features are a linear filter of the frame, so absolute colours reach
    the generator's last scale (TPSMM's conv-IN-ReLU stem z-scores every channel over the frame)."""
    import torch.nn.functional as F

    from pgmm.generator import ImageEncoder

    torch.manual_seed(0)
    x, y = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    enc = ImageEncoder(3, 8, 32, 3, stem="conv")
    with torch.no_grad():
        want = F.conv2d(x - y, enc.first.conv.weight, padding=3)
        torch.testing.assert_close(enc(x)[0] - enc(y)[0], want, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(enc(x + 0.2)[0] - enc(x)[0],
                                   F.conv2d(torch.full_like(x, 0.2), enc.first.conv.weight, padding=3),
                                   atol=1e-5, rtol=1e-5)  # a brighter frame gives other features
    assert set(build(tiny("+pfm"), estimator=tiny_estimator()).state_dict()) >= {"encoder.first.conv.weight"}
    assert "encoder.first.norm.weight" not in build(tiny("+pfm"), estimator=tiny_estimator()).state_dict()
    tpsmm_stem = build(tiny("+pfm", encoder={**TINY["model"]["encoder"], "stem": "conv-norm-relu"}),
                       estimator=tiny_estimator())
    assert "encoder.first.norm.weight" in tpsmm_stem.state_dict()
    with pytest.raises(Exception, match="stem"):
        build(tiny("+pfm", encoder={**TINY["model"]["encoder"], "stem": "bn"}))


def test_occlusion_sparsity_is_the_mean_of_the_finest_blend_occlusion():
    over = {**TINY, "model": {**TINY["model"], "variant": "+pfm"}, "loss": {**TINY.get("loss", {}),
                                                                            "occlusion_sparsity": 3.0}}
    cfg = load_config(PGMMConfig, over)
    model = build(cfg, estimator=tiny_estimator())
    torch.manual_seed(0)
    _, losses = model(batch())
    assert "occlusion_sparsity" in losses and 0 < float(losses["occlusion_sparsity"]) <= 3.0
    losses["occlusion_sparsity"].backward()
    assert model.generator.cmm[-1].mask.weight.grad.abs().sum() > 0  # it reaches the finest Conv-Mask
    off = build(tiny("+pfm"), estimator=tiny_estimator())
    assert "occlusion_sparsity" not in off(batch())[1]
