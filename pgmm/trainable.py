"""PGMM for the shared trainer: ``build(config)`` -> a model whose ``forward(batch)`` returns losses.

One step (paper §3.3): source and driving frames of one video; E_I(I_s), motion
E_M(I_s, I_d) -> per-scale flow/occlusion (CMM), pose heatmaps H of I_d -> P_d;
Î_d = G(X_s, X_m, X_p). Losses L = L_r + L_pd + L_align (eq. 7) with L_r = TPSMM's
perceptual pyramid, equivariance, warp and background losses.

Optional hooks beyond :class:`slvg_bench.methods.TrainableModel`: ``set_epoch``,
``param_groups``, ``before_optimizer_step`` (TPSMM's gradient clipping), ``provenance``.
"""

from __future__ import annotations

import torch

from baselines.common.appearance_loss import AppearanceLoss, blurred_warp_loss
from baselines.common.random_tps import RandomTPS
from baselines.tpsmm.losses import background_loss, dropout_schedule, equivariance_loss
from baselines.tpsmm.trainable import clip_motion_gradients
from pgmm.config import PGMMConfig, validate
from pgmm.losses import cmm_warp_loss, feature_alignment_loss, pose_distance_loss
from pgmm.model import PGMM
from slvg_bench.errors import UsageError
from slvg_bench.pose.heatmaps import rescale_coords


class PGMMTrainingModel(PGMM):
    """``forward(batch) -> (prediction B×3×H×W, {perceptual, equivariance_value, warp_loss, bg, pose_distance, feature_alignment})``."""

    def __init__(self, cfg: PGMMConfig, estimator=None):
        super().__init__(cfg.model, estimator)
        self.config = cfg
        loss = cfg.loss
        self.appearance = AppearanceLoss.from_config(loss)
        self.epoch = 0
        if self.use_pose_distance:
            self.check_differentiable_estimator()
        if self.needs_estimator and estimator is None:
            self.estimator()  # fail at start-up (missing weights name the command that makes them)

    def check_differentiable_estimator(self) -> None:
        """L_pd needs gradients through P_e: fail at start-up, never skip the loss silently."""
        from slvg_bench.pose.estimators import ESTIMATORS

        name = self.model_config.pose.estimator
        cls = type(self._estimator) if self._estimator is not None else ESTIMATORS.get(name)
        if not (getattr(cls, "differentiable", False) and getattr(cls, "has_heatmaps", False)):
            raise UsageError(
                f"pgmm: variant {self.model_config.variant!r} uses the Pose Distance loss, which needs a "
                f"differentiable heatmap estimator, but {name!r} is not; set model.pose.estimator to one "
                f"(hrnet-w32-wholebody, posenet-synthsign) or choose a variant without L_pd"
            )

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def bg_active(self) -> bool:
        return self.bg_predictor is not None and self.epoch >= self.config.schedule.bg_start

    def _inputs(self, batch: dict):
        for key in ("source", "driving"):
            if key not in batch:
                raise UsageError(f"pgmm: training batch has no {key!r} entry (keys: {', '.join(map(str, batch))})")
        device = next(self.parameters()).device
        driving_in = batch["driving"].to(device, non_blocking=True)
        source = self.prepare(batch["source"].to(device, non_blocking=True))
        driving = self.prepare(driving_in)
        kp = batch.get("driving_kp")
        if kp is not None:
            kp = kp.to(device, non_blocking=True).clone()
            kp[..., :2] = rescale_coords(kp[..., :2], driving_in.shape[-2:], driving.shape[-2:])
        return source, driving, kp

    def forward(self, batch: dict):
        cfg = self.config.loss
        sch = self.config.schedule
        source, driving, driving_kp = self._inputs(batch)
        src = self.source_features(source)
        kp_driving = self.kp_detector(driving)
        bg_param = self.bg_predictor(source, driving) if self.bg_active() else None
        dropout_on, p = dropout_schedule(self.epoch, sch.dropout_epoch, sch.dropout_startp, sch.dropout_maxp,
                                         sch.dropout_inc_epoch)
        motion = self.motion(src["source_down"], src["kp_source"], kp_driving, bg_param, p if dropout_on else 0.0)
        heatmaps = self.heatmaps(driving, driving_kp) if (self.pose_net is not None or self.use_pose_distance) else None
        pose = self.pose_features(heatmaps) if heatmaps is not None else None
        out = self.generate(src["encoder_maps"], motion, pose, source=source)
        prediction = out["prediction"]

        losses = dict(self.appearance(prediction, driving, source))
        if cfg.equivariance_value != 0:
            t = cfg.transform
            transform = RandomTPS.sample(driving.shape[0], t.sigma_affine, t.sigma_tps, t.points_tps,
                                         kernel="tpsmm", device=driving.device, dtype=driving.dtype)
            losses["equivariance_value"], _, _ = equivariance_loss(
                self.kp_detector, driving, kp_driving, transform, cfg.equivariance_value)
        driving_maps = None
        if cfg.warp_loss != 0 or self.use_alignment:
            driving_maps = self.encoder(driving)
        if cfg.warp_loss != 0:
            losses["warp_loss"] = cmm_warp_loss(src["encoder_maps"], driving_maps, motion["flows"],
                                                motion["occlusions"], cfg.warp_loss)
        if cfg.occlusion_sparsity != 0 and self.model_config.output_blend:
            losses["occlusion_sparsity"] = cfg.occlusion_sparsity * motion["occlusions"][-1].float().mean()
        if cfg.blur_warp != 0:
            losses["blur_warp"] = blurred_warp_loss(source, driving, motion["flows"][-1], cfg.blur_warp_sigmas,
                                                    cfg.blur_warp)
        if self.bg_active() and cfg.bg != 0:
            losses["bg"] = background_loss(bg_param, self.bg_predictor(driving, source), cfg.bg)
        if self.use_pose_distance and cfg.pose_distance != 0:
            target = heatmaps if self.model_config.pose.source == "estimator" else self.estimator_heatmaps(driving).detach()
            losses["pose_distance"] = pose_distance_loss(self.estimator_heatmaps(prediction), target,
                                                         cfg.pose_distance, cfg.pose_distance_min_confidence)
        if self.use_alignment and cfg.feature_alignment != 0:
            aligned = self.generate(driving_maps, None, pose)
            losses["feature_alignment"] = feature_alignment_loss(out["conv_outputs"], aligned["conv_outputs"],
                                                                 cfg.feature_alignment)
        return prediction, losses

    def param_groups(self, train_config=None) -> list[dict]:
        """Everything but the background predictor, and the background predictor (as TPSMM)."""
        bg = set(id(p) for p in self.bg_predictor.parameters()) if self.bg_predictor is not None else set()
        main = [p for p in self.parameters() if id(p) not in bg and p.requires_grad]
        groups = [{"params": main, "name": "generator"}]
        if self.bg_predictor is not None:
            groups.append({"params": list(self.bg_predictor.parameters()), "name": "bg_predictor"})
        return groups

    def before_optimizer_step(self) -> None:
        """TPSMM's clipping: max-abs norm on keypoint detector, dense motion and (when active) background.

        TPSMM's flow and occlusion heads are part of its dense-motion network, so they are clipped with
        it; PGMM's live in the CMMs (``generator.cmm``) and join that group unless
        ``schedule.clip_cmm_heads`` is off (the reading that clips only the networks TPSMM names).
        """
        heads = self.generator.cmm.parameters() if self.config.schedule.clip_cmm_heads else ()
        clip_motion_gradients(self, self.config.schedule.clip_grad_inf_norm, self.bg_active(), motion_heads=heads)

    def provenance(self) -> dict:
        info = {"variant": self.model_config.variant, **self.appearance.provenance()}
        if self.needs_estimator:
            info["pose_estimator"] = self.model_config.pose.estimator
        return info


def build(config: PGMMConfig, estimator=None) -> PGMMTrainingModel:
    """The trainable PGMM (config validated first)."""
    if isinstance(config, dict):
        from slvg_bench.config import from_dict

        config = from_dict(PGMMConfig, config)
    validate(config)
    return PGMMTrainingModel(config, estimator)
