"""MRAA training (both stages, plain Adam loops), shipped configs, our checkpoint format and the Animator."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from baselines.mraa.animator import SPEC, MRAAAnimator
from baselines.mraa.checkpoint import load_any, save_checkpoint
from baselines.mraa.config import MRAAConfig, validate
from baselines.mraa.model import MRAA
from baselines.mraa.trainable import AVDTrainingModel, MRAATrainingModel, build
from slvg_bench.config import load_config, to_dict
from slvg_bench.errors import UsageError
from slvg_bench.methods import get_method
from tests.baselines.mraa_helpers import smooth_frames, tiny_config

CONFIG_DIR = Path(SPEC.config_dir)
CONFIGS = sorted(CONFIG_DIR.glob("*.yaml"))


def _layers(path: Path) -> list[Path]:
    """``<dataset>-<preset>.yaml`` is layered on ``<dataset>.yaml`` (MethodSpec resolution order)."""
    name = path.stem
    for preset in ("-avd", "-quick"):
        if name.endswith(preset):
            return [CONFIG_DIR / f"{name[: -len(preset)]}.yaml", path]
    return [path]


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_shipped_config_resolves_and_validates(path):
    if path.stem.startswith("synthsign-cpu"):  # presets layered with 'extends': resolved as `train` does
        from slvg_bench.training import resolve_config

        cfg = validate(resolve_config("mraa", "synthsign", preset=path.stem[len("synthsign-"):]).config)
        assert cfg.model.align_corners and cfg.model.image_size == (128, 128)
    else:
        cfg = validate(load_config(MRAAConfig, *_layers(path)))
    assert cfg.stage == ("avd" if path.stem.endswith("-avd") else "reconstruction")
    if path.stem in ("lsa64", "wlasl", "phoenix", "csl", "synthsign"):
        assert cfg.model.num_regions == 20 and cfg.model.image_size == (128, 128)
        assert cfg.train.milestones == (60, 90) and cfg.train.pairs_per_video == 5


def test_official_setups_carry_the_official_values():
    def resolved(name):
        return load_config(MRAAConfig, CONFIG_DIR / f"{name}.yaml")

    # (region-conv pad, bg_type, batch, num_repeats, resolution, K) from the official yaml files
    expect = {"vox": (3, "affine", 14, 75, 256, 10), "taichi": (0, "affine", 14, 150, 256, 10),
              "ted": (0, "affine", 6, 150, 384, 10), "ted-youtube": (0, "affine", 20, 150, 384, 20),
              "mgif": (0, "zero", 14, 50, 256, 10)}
    for name, (pad, bg, bs, rep, res, k) in expect.items():
        c = resolved(name)
        got = (c.model.region_predictor.pad, c.model.bg_predictor.bg_type, c.train.batch_size,
               c.train.pairs_per_video, c.model.image_size[0], c.model.num_regions)
        assert got == (pad, bg, bs, rep, res, k), name
        assert c.train.lr == 2e-4 and c.train.adam_betas == (0.5, 0.999) and c.train.weight_decay == 0.0
        assert c.loss.equivariance_shift == c.loss.equivariance_affine == 10 and c.loss.bg == 0


def _batch(n=2, size=32, seed=0):
    return {"source": smooth_frames(n, size=size, seed=seed), "driving": smooth_frames(n, size=size, seed=seed + 7),
            "id": [f"v{i}" for i in range(n)]}


def test_training_forward_losses_gradients_and_state_dict():
    torch.manual_seed(0)
    model = build(tiny_config())
    assert isinstance(model, MRAATrainingModel) and isinstance(model, MRAA)
    pred, losses = model(_batch(size=48))  # frames of another size are resized to model.image_size
    assert pred.shape == (2, 3, 32, 32) and 0 <= pred.min() and pred.max() <= 1
    assert set(losses) == {"perceptual", "equivariance_shift", "equivariance_affine"}
    assert all(v.dim() == 0 and torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    for name in ("region_predictor", "bg_predictor", "generator"):
        grads = [p.grad for p in getattr(model, name).parameters()]
        assert all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads), name
    # the state dict is exactly the MRAA container's (the loss VGG stays outside)
    plain = MRAA(model.model_config)
    assert list(model.state_dict()) == list(plain.state_dict())
    assert [g["name"] for g in model.param_groups()] == ["reconstruction"]
    assert sum(p.numel() for g in model.param_groups() for p in g["params"]) == \
        sum(p.numel() for p in model.parameters())
    cfg = tiny_config()
    cfg.loss.bg = 10.0  # the optional background cycle loss
    _, with_bg = build(cfg)(_batch())
    assert "bg" in with_bg and with_bg["bg"] < 1e-5  # an untrained predictor returns exactly the identity
    with pytest.raises(UsageError, match="'driving'"):
        model({"source": torch.rand(1, 3, 32, 32)})


def test_mixed_precision_keeps_the_geometry_in_float32():
    """Under autocast (bf16 on the CPU here; the trainer uses it on CUDA) the region statistics, SVD,
    sparse motions, warps and equivariance algebra stay float32; losses stay close to float32."""
    torch.manual_seed(0)
    model = build(tiny_config())
    batch = _batch()
    torch.manual_seed(1)
    _, full = model(batch)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        params = model.region_predictor(batch["source"])
        torch.manual_seed(1)
        pred, mixed = model(batch)
    assert params["shift"].dtype == params["affine"].dtype == params["heatmap"].dtype == torch.float32
    assert pred.dtype == torch.float32
    for name, value in mixed.items():
        assert value.dtype == torch.float32 and torch.isfinite(value), name
        assert abs(value.item() - full[name].item()) < 0.05 * abs(full[name].item()) + 0.02, name
    sum(mixed.values()).backward()


def _total(model, batch, seed=123):
    torch.manual_seed(seed)  # the same random equivariance warp for every evaluation
    return sum(model(batch)[1].values())


def test_a_few_adam_steps_lower_the_loss():
    torch.manual_seed(0)
    model = build(tiny_config()).train()
    opt = torch.optim.Adam([p for g in model.param_groups() for p in g["params"]], lr=2e-3, betas=(0.5, 0.999))
    batch = _batch()
    with torch.no_grad():
        before = _total(model, batch).item()
    for step in range(6):
        opt.zero_grad()
        _total(model, batch, seed=step).backward()
        opt.step()
    with torch.no_grad():
        after = _total(model, batch).item()
    assert after < 0.9 * before, (before, after)


def test_avd_stage_trains_only_the_avd_network(tmp_path):
    torch.manual_seed(0)
    cfg = tiny_config()
    stage1 = build(cfg)
    stage1_path = save_checkpoint(tmp_path / "stage1.pth", stage1, cfg)
    avd_cfg = dataclasses.replace(cfg, stage="avd")
    avd_cfg.avd_stage = dataclasses.replace(avd_cfg.avd_stage, init_checkpoint=str(stage1_path))
    model = build(avd_cfg)
    assert isinstance(model, AVDTrainingModel)
    frozen = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("avd_network.")}
    assert all(torch.equal(frozen[k], v) for k, v in stage1.state_dict().items())  # loaded from the stage-1 file
    model.train()
    assert not model.region_predictor.training and model.avd_network.training
    params = [p for g in model.param_groups() for p in g["params"]]
    assert params == list(model.avd_network.parameters())
    opt = torch.optim.Adam(params, lr=1e-3, betas=(0.5, 0.999))
    batch = _batch(n=4)
    losses = []
    for step in range(12):
        torch.manual_seed(step)
        pred, loss = model(batch)
        assert set(loss) == {"rec_shift", "rec_affine"} and pred.shape == (4, 3, 32, 32)
        opt.zero_grad()
        sum(loss.values()).backward()
        opt.step()
        losses.append(sum(loss.values()).item())
    assert sum(losses[-3:]) < 0.8 * sum(losses[:3]), losses
    after = model.state_dict()
    assert all(torch.equal(after[k], v) for k, v in frozen.items())  # stage-1 weights and BN statistics untouched
    # the trained model, saved in our format, animates in avd mode
    path = save_checkpoint(tmp_path / "avd.pth", model, avd_cfg)
    animator = get_method("mraa").load(str(path), mode="avd", batch_size=2)
    out = animator.animate(smooth_frames(1, size=32)[0], smooth_frames(3, size=32, seed=3))
    assert out.shape == (3, 3, 32, 32)
    with pytest.raises(UsageError, match="init_checkpoint"):
        build(dataclasses.replace(cfg, stage="avd"))


def test_our_checkpoint_round_trip_and_the_animator(tmp_path):
    torch.manual_seed(0)
    cfg = tiny_config()
    trained = build(cfg).eval()
    path = save_checkpoint(tmp_path / "final.pt", trained, cfg, step=4)
    saved = torch.load(path, weights_only=True)
    assert saved["method"] == "mraa" and saved["config"] == to_dict(cfg)
    model, cfg2, info = load_any(path)
    assert info["format"] == "slvg-bench" and cfg2 == cfg and not model.training
    src, drv = smooth_frames(1, size=32)[0], smooth_frames(5, size=32, seed=2, shift=0.05)
    animator = MRAAAnimator(model, cfg2, batch_size=2)
    out = animator.animate(src, drv)
    assert out.shape == (5, 3, 32, 32) and 0 <= out.min() and out.max() <= 1
    with torch.no_grad():  # reconstruction protocol: absolute motion, bg from (source, driving)
        s = model.region_predictor(src[None])
        bg = model.bg_predictor(src[None].expand(5, -1, -1, -1), drv)
        direct = model.generate(src[None], s, model.region_predictor(drv), bg)
    assert torch.allclose(out, direct["prediction"], atol=1e-5)
    assert torch.allclose(MRAAAnimator(model, cfg2, batch_size=5).animate(src, drv), out, atol=1e-5)
    rel = animator.animate(src, drv, mode="relative")
    assert rel.shape == out.shape and not torch.allclose(rel, out)
    big = animator.animate(torch.nn.functional.interpolate(src[None], size=48)[0],
                           torch.nn.functional.interpolate(drv, size=48))  # resized in and out
    assert big.shape == (5, 3, 48, 48)
    with pytest.raises(UsageError, match="T×3×H×W"):
        animator.animate(src, drv[0])
    with pytest.raises(UsageError, match="mode"):
        animator.animate(src, drv, mode="absolute")
    with pytest.raises(UsageError, match="needs a checkpoint"):
        get_method("mraa").load(None)


def test_occlusion_sparsity_is_the_weighted_mean_of_one_minus_the_occlusion_map():
    torch.manual_seed(0)
    cfg = tiny_config()
    cfg.loss.occlusion_sparsity = 10.0
    model = build(cfg).train()
    batch = _batch()
    captured = {}
    forward = model.generator.forward

    def spy(*args, **kwargs):
        captured.update(forward(*args, **kwargs))
        return captured

    model.generator.forward = spy
    _, losses = model(batch)
    expected = 10.0 * (1 - captured["occlusion_map"].float()).mean()
    assert torch.allclose(losses["occlusion_sparsity"], expected)
    losses["occlusion_sparsity"].backward()
    assert model.generator.pixelwise_flow_predictor.occlusion.weight.grad.abs().sum() > 0
    cfg.loss.occlusion_sparsity = 0.0
    assert "occlusion_sparsity" not in build(cfg)(batch)[1]
