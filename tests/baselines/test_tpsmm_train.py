"""TPSMM for the shared trainer: build, losses, schedules, clipping, a few optimisation steps, the AVD stage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
import torch

from baselines.tpsmm.checkpoint import load_any, save_checkpoint
from baselines.tpsmm.config import TPSMMConfig, validate
from baselines.tpsmm.model import TPSMM
from baselines.tpsmm.trainable import AVDTrainingModel, TPSMMTrainingModel, build
from slvg_bench.config import load_config
from slvg_bench.errors import UsageError
from tests.baselines.tpsmm_helpers import smooth_frames, tiny_config

CONFIGS = Path(__file__).resolve().parents[2] / "baselines" / "tpsmm" / "configs"


def _batch(n=2, size=64):
    return {"source": smooth_frames(n, size), "driving": smooth_frames(n, size, seed=0, shift=0.15), "id": ["a"] * n}


def _step_losses(model, batch, seed=0):
    torch.manual_seed(seed)  # same random TPS / dropout draw every call: a fixed objective
    _, losses = model(batch)
    return losses


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_config_resolves_and_validates(path):
    layers = [path]
    if path.stem.endswith(("-avd", "-quick")):
        layers.insert(0, CONFIGS / f"{path.stem.rsplit('-', 1)[0]}.yaml")
    if "extends" in yaml.safe_load(path.read_text()):  # presets layered with 'extends': resolved as `train` does
        from slvg_bench.training import resolve_config

        cfg = validate(resolve_config("tpsmm", "synthsign", preset=path.stem[len("synthsign-"):]).config)
    else:
        cfg = validate(load_config(TPSMMConfig, *layers))
    if path.stem in ("lsa64", "wlasl", "phoenix", "csl", "synthsign"):
        assert cfg.model.num_tps == 20 and tuple(cfg.model.image_size) == (128, 128)
        assert cfg.loss.perceptual_weights == ("auto" if path.stem == "synthsign" else "imagenet")
    if path.stem in ("vox", "taichi", "ted", "mgif"):
        assert cfg.model.num_tps == 10 and cfg.loss.perceptual_weights == "imagenet"
    assert cfg.stage == ("avd" if path.stem.endswith("-avd") else "generator")


def test_training_forward_losses_and_state_dict():
    model = build(tiny_config())
    assert isinstance(model, TPSMMTrainingModel)
    assert model.provenance()["perceptual_weights_used"] == "random"
    model.set_epoch(0)
    assert model.dropout_state() == (True, pytest.approx(0.2))
    generated, losses = model(_batch())
    assert generated.shape == (2, 3, 64, 64) and 0 <= generated.min() and generated.max() <= 1
    assert set(losses) == {"perceptual", "equivariance_value", "warp_loss", "bg"}
    assert all(v.ndim == 0 and torch.isfinite(v) for v in losses.values())
    assert all(losses[k] > 0 for k in ("perceptual", "equivariance_value", "warp_loss"))
    assert losses["bg"] == 0  # an untrained bg predictor is exactly the identity, so B_sd·B_ds = I
    # the trainer's checkpoint "model" entry is exactly the TPSMM state dict (no VGG inside)
    plain = TPSMM(model.model_config)
    assert list(model.state_dict()) == list(plain.state_dict())
    plain.load_state_dict(model.state_dict(), strict=True)
    groups = model.param_groups(model.config.train)
    assert [g["name"] for g in groups] == ["generator", "bg_predictor"]
    assert sum(len(g["params"]) for g in groups) == len([p for p in model.parameters() if p.requires_grad])


def test_background_predictor_starts_at_bg_start_and_frames_are_resized():
    cfg = tiny_config()
    cfg.schedule.bg_start = 2
    model = build(cfg)
    model.set_epoch(1)
    _, losses = model(_batch(size=128))  # 128×128 batch, model at 64×64: resized in
    assert "bg" not in losses and not model.bg_active()
    model.set_epoch(2)
    assert "bg" in model(_batch())[1]


def test_gradient_clipping_is_per_network_max_abs():
    model = build(tiny_config())
    for p in model.parameters():
        p.grad = torch.full_like(p, 50.0)
    model.before_optimizer_step()
    assert max(p.grad.abs().max() for p in model.kp_detector.parameters()) <= 10 + 1e-4
    assert max(p.grad.abs().max() for p in model.dense_motion_network.parameters()) <= 10 + 1e-4
    assert max(p.grad.abs().max() for p in model.bg_predictor.parameters()) <= 10 + 1e-4
    assert all(torch.all(p.grad == 50) for p in model.inpainting_network.parameters())  # not clipped (official)


@pytest.mark.slow
def test_a_few_adam_steps_lower_the_loss():
    torch.manual_seed(0)
    model = build(tiny_config(bg=False))
    model.set_epoch(5)  # past dropout_epoch: deterministic softmax
    batch = _batch()
    opt = torch.optim.Adam(model.param_groups(), lr=2e-4, betas=(0.5, 0.999))  # the official optimiser
    before = sum(_step_losses(model, batch).values()).item()
    for _ in range(6):
        loss = sum(_step_losses(model, batch).values())
        opt.zero_grad()
        loss.backward()
        model.before_optimizer_step()
        opt.step()
    after = sum(_step_losses(model, batch).values()).item()
    assert after < 0.9 * before, (before, after)


@pytest.mark.slow
def test_avd_stage_trains_only_the_avd_network(tmp_path):
    stage1 = build(tiny_config())
    ckpt = save_checkpoint(tmp_path / "stage1.pth", stage1, stage1.config)
    with pytest.raises(UsageError, match="init_checkpoint"):
        build(dataclasses.replace(tiny_config(), stage="avd"))
    cfg = tiny_config()
    cfg.stage = "avd"
    cfg.avd_stage.init_checkpoint = str(ckpt)
    model = build(cfg)
    assert isinstance(model, AVDTrainingModel)
    frozen = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("avd_network.")}
    assert all(torch.equal(frozen[k], v) for k, v in stage1.state_dict().items())
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all(n.startswith("avd_network.") for n in trainable)
    model.train()
    assert not model.kp_detector.training and model.avd_network.training
    batch = _batch(3)
    opt = torch.optim.Adam(model.param_groups(), lr=1e-3, betas=(0.5, 0.999))
    first = _step_losses(model, batch)["rec_kp"].item()
    for _ in range(5):
        loss = _step_losses(model, batch)["rec_kp"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert _step_losses(model, batch)["rec_kp"].item() < first
    assert all(torch.equal(frozen[k], v) for k, v in model.state_dict().items() if k in frozen)
    # the stage-2 checkpoint is a full TPSMM with an AVD network
    out = save_checkpoint(tmp_path / "stage2.pth", model, cfg)
    loaded, _, _ = load_any(out)
    assert loaded.avd_network is not None
