"""TPSMM for the shared trainer: ``build(config)`` -> a model whose ``forward(batch)`` returns losses.

Stage ``generator`` (official ``train.py``): keypoint detector, dense motion,
inpainting and background networks trained together with the perceptual
pyramid, equivariance, warp and background losses; TPS dropout schedule; the
background predictor from ``schedule.bg_start``.

Stage ``avd`` (official ``train_avd.py``): only the AVD network trains on a
frozen stage-1 model loaded from ``avd_stage.init_checkpoint``.

Both models *are* :class:`~baselines.tpsmm.model.TPSMM` containers, so their
``state_dict()`` is exactly the ``"model"`` entry of a TPSMM checkpoint (the VGG
of the perceptual loss is not part of it).

Optional hooks beyond :class:`slvg_bench.methods.TrainableModel`:
``set_epoch``, ``param_groups``, ``before_optimizer_step`` (gradient clipping as
official; call after backward — after ``GradScaler.unscale_`` under AMP — and
before ``optimizer.step()``), ``provenance``.
"""

from __future__ import annotations

import math
from typing import Optional

import torch

from baselines.common.frames import resize_frames
from baselines.common.appearance_loss import AppearanceLoss, blurred_warp_loss
from baselines.common.random_tps import RandomTPS
from baselines.tpsmm.config import TPSMMConfig, validate
from baselines.tpsmm.losses import (
    avd_loss,
    background_loss,
    dropout_schedule,
    equivariance_loss,
    random_scale_keypoints,
    warp_loss,
)
from baselines.tpsmm.model import TPSMM
from slvg_bench.errors import UsageError


def _batch_frames(model: TPSMM, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    for key in ("source", "driving"):
        if key not in batch:
            raise UsageError(f"tpsmm: training batch has no {key!r} entry (keys: {', '.join(map(str, batch))})")
    device = next(model.parameters()).device
    source = resize_frames(batch["source"].to(device, non_blocking=True), model.image_size)
    driving = resize_frames(batch["driving"].to(device, non_blocking=True), model.image_size)
    model.check_input(source, "training frame")
    return source, driving


def _clip(params, max_norm: Optional[float]) -> None:
    params = [p for p in params if p.grad is not None]
    if max_norm is not None and params:
        torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm, norm_type=math.inf)


def clip_motion_gradients(model, max_norm: Optional[float], bg_active: bool, motion_heads=()) -> None:
    """TPSMM's clipping (also PGMM's): max-abs gradient norm ≤ ``max_norm`` on ``model.kp_detector``,
    ``model.dense_motion_network`` (together with ``motion_heads``: flow/occlusion heads that live
    outside it, as PGMM's CMMs) and, when ``bg_active``, ``model.bg_predictor``, each separately."""
    _clip(model.kp_detector.parameters(), max_norm)
    _clip([*model.dense_motion_network.parameters(), *motion_heads], max_norm)
    if bg_active:
        _clip(model.bg_predictor.parameters(), max_norm)


class TPSMMTrainingModel(TPSMM):
    """Stage 1. ``forward(batch) -> (prediction B×3×H×W, {perceptual, equivariance_value, warp_loss, bg})``."""

    def __init__(self, cfg: TPSMMConfig):
        super().__init__(cfg.model, with_bg=cfg.model.bg, with_avd=False)
        self.config = cfg
        loss = cfg.loss
        self.appearance = AppearanceLoss.from_config(loss)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def dropout_state(self) -> tuple[bool, float]:
        s = self.config.schedule
        return dropout_schedule(self.epoch, s.dropout_epoch, s.dropout_startp, s.dropout_maxp, s.dropout_inc_epoch)

    def bg_active(self) -> bool:
        return self.bg_predictor is not None and self.epoch >= self.config.schedule.bg_start

    def forward(self, batch: dict):
        loss_cfg = self.config.loss
        source, driving = _batch_frames(self, batch)
        kp_source = self.kp_detector(source)
        kp_driving = self.kp_detector(driving)
        bg_param = self.bg_predictor(source, driving) if self.bg_active() else None
        dropout_flag, dropout_p = self.dropout_state()
        out = self.generate(source, kp_source, kp_driving, bg_param, dropout_flag=dropout_flag,
                            dropout_p=dropout_p, warped_maps=loss_cfg.warp_loss != 0)
        prediction = out["prediction"]

        losses = dict(self.appearance(prediction, driving, source))
        if loss_cfg.equivariance_value != 0:
            t = loss_cfg.transform
            transform = RandomTPS.sample(driving.shape[0], t.sigma_affine, t.sigma_tps, t.points_tps,
                                         kernel="tpsmm", device=driving.device, dtype=driving.dtype)
            losses["equivariance_value"], _, _ = equivariance_loss(
                self.kp_detector, driving, kp_driving, transform, loss_cfg.equivariance_value)
        if loss_cfg.occlusion_sparsity != 0:  # occlusion_map is visibility: the blend takes G where it is low
            losses["occlusion_sparsity"] = loss_cfg.occlusion_sparsity * (1 - out["occlusion_map"][-1].float()).mean()
        if loss_cfg.blur_warp != 0:
            losses["blur_warp"] = blurred_warp_loss(source, driving, out["dense_motion"]["deformation"],
                                                    loss_cfg.blur_warp_sigmas, loss_cfg.blur_warp)
        if loss_cfg.warp_loss != 0:
            encode = self.inpainting_network.get_encode(driving, out["occlusion_map"])
            losses["warp_loss"] = warp_loss(encode, out["warped_encoder_maps"], loss_cfg.warp_loss)
        if self.bg_active() and loss_cfg.bg != 0:
            reverse = self.bg_predictor(driving, source)
            losses["bg"] = background_loss(bg_param, reverse, loss_cfg.bg)
        return prediction, losses

    def param_groups(self, train_config=None) -> list[dict]:
        """Generator group (kp detector + dense motion + inpainting) and, with bg, a background group.

        One optimizer with two groups equals the official two Adams with equal hyper-parameters:
        before ``bg_start`` the background parameters get no gradient, so Adam skips them.
        """
        main = [p for n in ("kp_detector", "dense_motion_network", "inpainting_network")
                for p in getattr(self, n).parameters()]
        groups = [{"params": main, "name": "generator"}]
        if self.bg_predictor is not None:
            groups.append({"params": list(self.bg_predictor.parameters()), "name": "bg_predictor"})
        return groups

    def before_optimizer_step(self) -> None:
        """Official clipping: max-abs norm ≤ 10 on kp detector, dense motion and (when active) bg, separately."""
        clip_motion_gradients(self, self.config.schedule.clip_grad_inf_norm, self.bg_active())

    def provenance(self) -> dict:
        return {"stage": "generator", **self.appearance.provenance()}


class AVDTrainingModel(TPSMM):
    """Stage 2. ``forward(batch) -> (prediction with AVD keypoints, {"rec_kp": loss})``.

    The stage-1 networks are frozen: no gradients and kept in eval mode (the official script
    leaves their BatchNorm in train mode, which silently changes the keypoint detector's running
    statistics; we keep the stage-1 model unchanged — a deliberate deviation).
    """

    def __init__(self, cfg: TPSMMConfig):
        super().__init__(cfg.model, with_bg=cfg.model.bg, with_avd=True)
        self.config = cfg
        if not cfg.avd_stage.init_checkpoint:
            raise UsageError("tpsmm: stage 'avd' needs avd_stage.init_checkpoint (a trained stage-1 checkpoint)")
        from baselines.tpsmm.checkpoint import load_stage1_into

        load_stage1_into(self, cfg.avd_stage.init_checkpoint)
        for name in ("kp_detector", "dense_motion_network", "inpainting_network", "bg_predictor"):
            net = getattr(self, name)
            if net is not None:
                net.requires_grad_(False)
        self.train()

    def train(self, mode: bool = True):
        super().train(mode)
        for name in ("kp_detector", "dense_motion_network", "inpainting_network", "bg_predictor"):
            net = getattr(self, name)
            if net is not None:
                net.eval()
        return self

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def forward(self, batch: dict):
        source, driving = _batch_frames(self, batch)
        stage = self.config.avd_stage
        with torch.no_grad():
            kp_source = self.kp_detector(source)
            kp_driving = self.kp_detector(driving)
            kp_random = random_scale_keypoints(kp_driving, stage.random_scale)
        rec = self.avd_network(kp_source, kp_random)
        losses = {"rec_kp": avd_loss(kp_driving, rec, stage.lambda_shift)}
        with torch.no_grad():
            prediction = self.generate(source, kp_source, rec.detach(), None)["prediction"]
        return prediction, losses

    def param_groups(self, train_config=None) -> list[dict]:
        return [{"params": list(self.avd_network.parameters()), "name": "avd_network"}]

    def before_optimizer_step(self) -> None:  # the official AVD stage does not clip
        return None

    def provenance(self) -> dict:
        return {"stage": "avd", "init_checkpoint": self.config.avd_stage.init_checkpoint}


def build(config: TPSMMConfig) -> TPSMM:
    """The trainable TPSMM for ``config.stage`` (validated first)."""
    if isinstance(config, dict):
        from slvg_bench.config import from_dict

        config = from_dict(TPSMMConfig, config)
    validate(config)
    if config.stage == "avd":
        return AVDTrainingModel(config)
    return TPSMMTrainingModel(config)
