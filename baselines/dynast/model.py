"""DynaST for the shared trainer: generator + multi-scale discriminator + frozen VGG, and the GAN hooks.

``build(config)`` returns a :class:`DynaSTModel` (a ``TrainableModel``, see
:mod:`slvg_bench.methods`). A training pair (exemplar = ``source``, target =
``driving``, two frames of one video) becomes: pose maps rendered from
``source_kp`` / ``driving_kp`` (``B×133×3`` pixels), images mapped to [-1, 1],
then the generator renders the target pose in the exemplar's appearance.

GAN hooks (DynaST needs a discriminator step; the trainer calls them when present):

- ``param_groups(train_config)`` -> two groups (one without GAN terms: ``loss.gan`` and
  ``loss.gan_feat`` both 0), each tagged with ``"role"``:
  ``"generator"`` (lr = train.lr · g_lr_mult, Adam eps g_eps) and
  ``"discriminator"`` (lr = train.lr · d_lr_mult). Both use ``train.adam_betas``.
  The trainer builds one optimizer per role (torch optimizers keep the extra key).
- ``forward(batch)`` -> ``(generated, generator_losses)``: generator step. Its
  adversarial terms back-propagate into the discriminator too, so the trainer
  zeroes the discriminator's gradients before the discriminator step.
- ``discriminator_loss(batch, generated)`` -> ``{"d_fake", "d_real"}`` (weighted hinge
  losses) for the ``generated`` of the same step (detached here). Also reachable as
  ``forward(batch, generated=generated)`` -> ``(generated, d_losses)`` so a DDP
  wrapper sees the call.

One training step is therefore: ``g_opt.zero_grad(); gen, lg = model(batch);
sum(lg.values()).backward(); g_opt.step(); d_opt.zero_grad(); _, ld = model(batch,
generated=gen); sum(ld.values()).backward(); d_opt.step()``.
"""

from __future__ import annotations

import logging
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from baselines.dynast import losses as L
from baselines.dynast.config import DynaSTConfig
from baselines.dynast.discriminator import MultiscaleDiscriminator
from baselines.dynast.generator import OUTPUT_BLENDS, DynaSTGenerator
from baselines.dynast.pose_maps import pose_maps
from baselines.dynast.vgg import LAYERS, VGG19Features
from slvg_bench.errors import DatasetError, UsageError

log = logging.getLogger(__name__)


def render_pose(cfg: DynaSTConfig, keypoints: torch.Tensor, frame_size: tuple[int, int], device) -> torch.Tensor:
    """Pose maps ``B×C×S×S`` for keypoints of ``frame_size`` frames, as the config says."""
    return pose_maps(
        keypoints, cfg.generator.crop_size, cfg.pose.encoding, frame_size=frame_size,
        min_confidence=cfg.pose.min_confidence, joint_radius=cfg.pose.joint_radius,
        stick_width=cfg.pose.stick_width, device=device,
    )  # fmt: skip


def to_crop(images: torch.Tensor, size: int) -> torch.Tensor:
    """``B×3×H×W`` in [0, 1] -> ``B×3×S×S`` in [-1, 1] (antialiased bilinear resize when the size differs)."""
    if images.shape[-2:] != (size, size):
        images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return images * 2 - 1


class DynaSTModel(nn.Module):
    """Trainable DynaST; ``generated`` is ``B×3×H×W`` in [0, 1] at the batch's frame size."""

    def __init__(self, cfg: DynaSTConfig):
        super().__init__()
        if cfg.loss.perceptual_layer not in ("relu4_2", "relu5_2"):
            raise UsageError(f"loss.perceptual_layer must be relu4_2 or relu5_2, got {cfg.loss.perceptual_layer!r}")
        if (cfg.loss.unblended or cfg.loss.blend_select) and cfg.generator.output_blend == "none":
            raise UsageError("config keys 'loss.unblended' and 'loss.blend_select' need generator.output_blend "
                             "exemplar or warped (there is no blend to train)")
        if cfg.loss.unblended and not (any(cfg.loss.pixel) or cfg.loss.ssim):
            raise UsageError("config key 'loss.unblended' repeats the pixel/SSIM terms on the unblended image, "
                             "so it needs loss.pixel or loss.ssim > 0")
        if cfg.generator.output_blend not in OUTPUT_BLENDS:
            raise UsageError(f"config key 'generator.output_blend' must be one of {', '.join(OUTPUT_BLENDS)}, "
                             f"got {cfg.generator.output_blend!r}")
        self.cfg = cfg
        nc = cfg.semantic_nc
        self.generator = DynaSTGenerator(cfg.generator, nc)
        d = cfg.discriminator
        self.discriminator = MultiscaleDiscriminator(nc + 3, d.ndf, d.n_layers, d.num_d)
        self.appearance = None
        if any(cfg.loss.pixel) or cfg.loss.ssim:
            from baselines.common.appearance_loss import AppearanceLoss

            self.appearance = AppearanceLoss(cfg.loss.pixel_scales, [0.0] * 5, pixel=cfg.loss.pixel, ssim=cfg.loss.ssim)
        uses_vgg = cfg.loss.vgg > 0 or cfg.loss.perceptual > 0
        self.vgg = VGG19Features(cfg.loss.perceptual_weights, tuple(LAYERS)) if uses_vgg else None
        # which VGG-19 the perceptual losses use: "imagenet", "random", or "none" (both weights 0)
        self.perceptual_weights_used = self.vgg.weights_used if uses_vgg else "none"
        self._pose_cache: Optional[tuple[torch.Tensor, torch.Tensor]] = None

    # ------------------------------------------------------------------ inputs

    def _target_pose(self, batch: dict) -> torch.Tensor:
        kp = batch["driving_kp"]
        if self._pose_cache is not None and self._pose_cache[0] is kp:
            return self._pose_cache[1]
        seg = render_pose(self.cfg, kp, tuple(batch["driving"].shape[-2:]), batch["driving"].device)
        self._pose_cache = (kp, seg)
        return seg

    def _inputs(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        for key in ("source_kp", "driving_kp"):
            if batch.get(key) is None:
                raise DatasetError(
                    f"dynast needs keypoints: the training batch has no {key!r} (use a dataset with keypoints)"
                )
        size = self.cfg.generator.crop_size
        ref = to_crop(batch["source"], size)
        real = to_crop(batch["driving"], size)
        ref_seg = render_pose(self.cfg, batch["source_kp"], tuple(batch["source"].shape[-2:]), ref.device)
        return ref, real, ref_seg, self._target_pose(batch)

    @staticmethod
    def _to_frames(fake: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        out = (fake + 1) / 2
        if out.shape[-2:] != like.shape[-2:]:
            out = F.interpolate(out, size=like.shape[-2:], mode="bilinear", align_corners=False, antialias=True)
        return out

    # ------------------------------------------------------------------ steps

    def forward(self, batch: dict, generated: Optional[torch.Tensor] = None):
        """Generator step ``(generated, losses)``; with ``generated``: discriminator step ``(generated, d_losses)``."""
        if generated is not None:
            return generated, self.discriminator_loss(batch, generated)
        w = self.cfg.loss
        ref, real, ref_seg, seg = self._inputs(batch)
        out = self.generator(ref, seg, ref_seg, with_warps=True)
        fake = out["fake"]
        losses = {"warp_self": L.warp_self(out["warps"], real) * w.warp_self}
        if w.adversarial:
            pred = self.discriminator(torch.cat([torch.cat([seg, fake], 1), torch.cat([seg, real], 1)], 0))
            b = fake.shape[0]
            pred_fake = [[t[:b] for t in scale] for scale in pred]
            pred_real = [[t[b:] for t in scale] for scale in pred]
            losses["gan"] = L.hinge_g(pred_fake) * w.gan
            losses["gan_feat"] = L.discriminator_feature_matching(pred_fake, pred_real) * w.gan_feat
        if self.appearance is not None:
            losses.update(self.appearance((fake + 1) / 2, (real + 1) / 2))
            if w.unblended and "generated" in out:
                raw = self.appearance((out["generated"] + 1) / 2, (real + 1) / 2)
                losses.update({f"{k}_unblended": v * w.unblended for k, v in raw.items()})
        if w.blend_select and "blend_logit" in out:
            losses["blend_select"] = L.blend_selection(out["blend_logit"], out["generated"], out["blend_base"],
                                                       real) * w.blend_select
        if self.vgg is not None:
            fake_feats = self.vgg(fake)
            with torch.no_grad():
                real_feats = self.vgg(real)
            losses["vgg"] = L.vgg_feature_matching(fake_feats, real_feats) * w.vgg
            layer = list(LAYERS).index(w.perceptual_layer)
            losses["perceptual"] = F.mse_loss(fake_feats[layer], real_feats[layer]) * w.perceptual
        return self._to_frames(fake, batch["driving"]), losses

    def discriminator_loss(self, batch: dict, generated: torch.Tensor) -> dict[str, torch.Tensor]:
        """Weighted hinge losses ``{"d_fake", "d_real"}`` for ``generated`` (``B×3×H×W`` in [0, 1], detached)."""
        size = self.cfg.generator.crop_size
        fake = to_crop(generated.detach(), size)
        real = to_crop(batch["driving"], size)
        seg = self._target_pose(batch)
        pred = self.discriminator(torch.cat([torch.cat([seg, fake], 1), torch.cat([seg, real], 1)], 0))
        b = fake.shape[0]
        d_fake, d_real = L.hinge_d([[t[:b] for t in s] for s in pred], [[t[b:] for t in s] for s in pred])
        return {"d_fake": d_fake * self.cfg.loss.gan, "d_real": d_real * self.cfg.loss.gan}

    # ------------------------------------------------------------------ optimisation

    def param_groups(self, train_config) -> list[dict]:
        """Generator and discriminator groups with the TTUR learning rates, tagged ``role``."""
        o = self.cfg.optim
        betas = tuple(float(b) for b in train_config.adam_betas)
        groups = [{"role": "generator", "params": [p for p in self.generator.parameters() if p.requires_grad],
                   "lr": train_config.lr * o.g_lr_mult, "betas": betas, "eps": o.g_eps}]
        if self.cfg.loss.adversarial:  # without GAN terms the discriminator is never stepped (nor built into a group)
            groups.append({"role": "discriminator", "params": [p for p in self.discriminator.parameters() if p.requires_grad],
                           "lr": train_config.lr * o.d_lr_mult, "betas": betas, "eps": o.d_eps})
        return groups


def build(config: DynaSTConfig) -> DynaSTModel:
    """The trainable model for the shared trainer."""
    resolution = getattr(config.train, "resolution", None)
    if resolution is not None and resolution != config.generator.crop_size:
        log.warning(
            "dynast: training frames are %d px but generator.crop_size is %d; frames are resized to the crop",
            resolution, config.generator.crop_size,
        )
    return DynaSTModel(config)
