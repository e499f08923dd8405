"""MRAA for the shared trainer: ``build(config)`` -> a model whose ``forward(batch)`` returns losses.

Stage ``reconstruction`` (official ``run.py --mode train``): region predictor, background predictor
and generator trained together with the perceptual pyramid and the two equivariance losses (plus the
optional background cycle loss, weight 0 officially); one Adam over all three networks, no weight
decay, no clipping.

Stage ``avd`` (official ``--mode train_avd``): only the AVD network trains, on a frozen stage-1 model
loaded from ``avd_stage.init_checkpoint``.

Both models *are* :class:`~baselines.mraa.model.MRAA` containers, so their ``state_dict()`` is exactly
the ``"model"`` entry of an MRAA checkpoint (the VGG of the perceptual loss is not part of it).
Optional hooks beyond :class:`slvg_bench.methods.TrainableModel`: ``set_epoch``, ``param_groups``,
``provenance``.
"""

from __future__ import annotations

import torch

from baselines.common.frames import resize_frames
from baselines.common.appearance_loss import AppearanceLoss
from baselines.common.random_tps import RandomTPS
from baselines.mraa.config import MRAAConfig, validate
from baselines.mraa.losses import avd_losses, background_loss, equivariance_losses
from baselines.mraa.model import MRAA
from baselines.mraa.regions import random_scale
from slvg_bench.errors import UsageError

STAGE1_NETWORKS = ("region_predictor", "bg_predictor", "generator")


def batch_frames(model: MRAA, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """``(source, driving)`` of a training batch on the model's device, resized to ``model.image_size``."""
    for key in ("source", "driving"):
        if key not in batch:
            raise UsageError(f"mraa: training batch has no {key!r} entry (keys: {', '.join(map(str, batch))})")
    device = next(model.parameters()).device
    source = resize_frames(batch["source"].to(device, non_blocking=True), model.image_size)
    driving = resize_frames(batch["driving"].to(device, non_blocking=True), model.image_size)
    model.check_input(source, "training frame")
    return source, driving


class MRAATrainingModel(MRAA):
    """Stage 1. ``forward(batch) -> (prediction B×3×H×W, losses)``.

    Losses: ``perceptual``, ``equivariance_shift``, ``equivariance_affine`` and, with ``loss.bg > 0``, ``bg``.
    """

    def __init__(self, cfg: MRAAConfig):
        super().__init__(cfg.model, with_bg=True, with_avd=False)
        self.config = cfg
        loss = cfg.loss
        self.appearance = AppearanceLoss.from_config(loss, subsample="slice")
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def forward(self, batch: dict):
        loss_cfg = self.config.loss
        source, driving = batch_frames(self, batch)
        source_params = self.region_predictor(source)
        driving_params = self.region_predictor(driving)
        bg_params = self.bg_predictor(source, driving)
        generated = self.generator(source, driving_params, source_params, bg_params)
        prediction = generated["prediction"]

        losses = dict(self.appearance(prediction, driving, source))
        if loss_cfg.occlusion_sparsity != 0 and "occlusion_map" in generated:  # O = 1 keeps the warped source
            losses["occlusion_sparsity"] = loss_cfg.occlusion_sparsity * (1 - generated["occlusion_map"].float()).mean()
        if loss_cfg.equivariance_shift != 0 or loss_cfg.equivariance_affine != 0:
            t = loss_cfg.transform
            transform = RandomTPS.sample(driving.shape[0], t.sigma_affine, t.sigma_tps, t.points_tps,
                                         kernel="fomm", device=driving.device, dtype=driving.dtype)
            eq, _ = equivariance_losses(self.region_predictor, driving, driving_params, transform,
                                        loss_cfg.equivariance_shift, loss_cfg.equivariance_affine,
                                        self.model_config.revert_axis_swap, self.model_config.align_corners)
            losses.update(eq)
        if loss_cfg.bg != 0 and self.bg_predictor.bg_type != "zero":
            losses["bg"] = background_loss(bg_params, self.bg_predictor(driving, source), loss_cfg.bg)
        return prediction, losses

    def param_groups(self, train_config=None) -> list[dict]:
        """One group over generator + region predictor + background predictor (the official single Adam)."""
        params = [p for n in STAGE1_NETWORKS for p in getattr(self, n).parameters()]
        return [{"params": params, "name": "reconstruction"}]

    def provenance(self) -> dict:
        return {"stage": "reconstruction", **self.appearance.provenance()}


class AVDTrainingModel(MRAA):
    """Stage 2. ``forward(batch) -> (prediction with AVD regions, {"rec_shift", "rec_affine"})``.

    The stage-1 networks are frozen: no gradients and kept in eval mode. (The official script leaves
    the region predictor in train mode, so its BatchNorm normalises with batch statistics and keeps
    updating its running statistics while the AVD trains; we keep the stage-1 model unchanged — a
    deliberate deviation.)
    """

    def __init__(self, cfg: MRAAConfig):
        super().__init__(cfg.model, with_bg=True, with_avd=True)
        self.config = cfg
        if not cfg.avd_stage.init_checkpoint:
            raise UsageError("mraa: stage 'avd' needs avd_stage.init_checkpoint (a trained stage-1 checkpoint)")
        from baselines.mraa.checkpoint import load_stage1_into

        load_stage1_into(self, cfg.avd_stage.init_checkpoint)
        for name in STAGE1_NETWORKS:
            getattr(self, name).requires_grad_(False)
        self.train()

    def train(self, mode: bool = True):
        super().train(mode)
        for name in STAGE1_NETWORKS:
            getattr(self, name).eval()
        return self

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def forward(self, batch: dict):
        source, driving = batch_frames(self, batch)
        stage = self.config.avd_stage
        with torch.no_grad():
            source_params = self.region_predictor(source)
            driving_params = self.region_predictor(driving)
            pose = random_scale(driving_params, stage.random_scale)
        rec = self.avd_network(source_params, pose)
        losses = avd_losses(driving_params, rec, stage.lambda_shift, stage.lambda_affine)
        with torch.no_grad():
            detached = {k: v.detach() for k, v in rec.items()}
            prediction = self.generator(source, detached, source_params)["prediction"]
        return prediction, losses

    def param_groups(self, train_config=None) -> list[dict]:
        return [{"params": list(self.avd_network.parameters()), "name": "avd_network"}]

    def provenance(self) -> dict:
        return {"stage": "avd", "init_checkpoint": self.config.avd_stage.init_checkpoint}


def build(config: MRAAConfig) -> MRAA:
    """The trainable MRAA for ``config.stage`` (validated first)."""
    if isinstance(config, dict):
        from slvg_bench.config import from_dict

        config = from_dict(MRAAConfig, config)
    validate(config)
    if config.stage == "avd":
        return AVDTrainingModel(config)
    return MRAATrainingModel(config)
