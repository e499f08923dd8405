"""The reconstruction ("appearance") loss of the FOMM family: perceptual pyramid, plus optional pixel terms.

The official TPSMM/MRAA/PGMM recipes use only the VGG-19 perceptual pyramid
(:class:`~baselines.common.perceptual.PerceptualPyramidLoss`). Without the ImageNet VGG-19
(not downloadable on every machine) that pyramid runs on random features, a weak signal that
also costs most of a CPU training step. The synthsign CPU presets therefore add two cheap,
direct terms, each off (weight 0) in the paper configs:

- ``pixel``: ``Σ_s w_s · mean|pred_s − target_s|`` over the same anti-aliased pyramid as the
  perceptual loss (one weight per entry of ``scales``) — the L1 the benchmark reports, per scale;
- ``ssim``: ``w · (1 − SSIM(pred, target))`` with Wang's settings (11-tap Gaussian, σ = 1.5,
  K1 = 0.01, K2 = 0.03, data range 1, valid windows, channels averaged) in float32;
- ``motion_weight`` α: the pixel terms weigh each pixel by ``1 + α·m`` where ``m`` marks where the
  driving frame differs from the source (``blur(|D − S|) > 0.02``, per pyramid level). On data whose
  frames are mostly still (a static camera, a signer whose hands move), the unweighted loss is
  dominated by pixels that copying the source already gets right; this gives the moving parts a
  comparable share of the gradient.

``forward(prediction, target)`` takes ``B×3×H×W`` in [0, 1] and returns the named, already
weighted terms that are switched on (``perceptual``, ``pixel``, ``ssim``).
"""

from __future__ import annotations

from typing import Any, Literal, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from baselines.common.downsample import ImagePyramid
from baselines.common.perceptual import PerceptualPyramidLoss

SSIM_SIGMA = 1.5
SSIM_RADIUS = 5  # 11 taps, as skimage's truncate 3.5 at σ 1.5
SSIM_C1 = 0.01**2
SSIM_C2 = 0.03**2
MOTION_THRESHOLD = 0.02  # mean |D − S| over the channels (after a σ 1 blur) that counts as "moving"


def _gaussian_taps(dtype: torch.dtype, device) -> torch.Tensor:
    x = torch.arange(-SSIM_RADIUS, SSIM_RADIUS + 1, dtype=torch.float64)
    w = torch.exp(-0.5 * (x / SSIM_SIGMA) ** 2)
    return (w / w.sum()).to(dtype=dtype, device=device)


def ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-pixel SSIM of ``B×C×H×W`` images in [0, 1] over valid 11×11 windows: ``B×C×(H−10)×(W−10)``.

    Differentiable; float32 is enough for a loss (the metric, :mod:`slvg_bench.metrics.ssim`,
    runs in float64 to equal skimage to 1e-5).
    """
    c = x.shape[1]
    taps = _gaussian_taps(x.dtype, x.device)
    kx = taps.view(1, 1, 1, -1).repeat(c, 1, 1, 1)
    ky = taps.view(1, 1, -1, 1).repeat(c, 1, 1, 1)

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.conv2d(t, kx, groups=c), ky, groups=c)

    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx * mx
    syy = blur(y * y) - my * my
    sxy = blur(x * y) - mx * my
    num = (2 * mx * my + SSIM_C1) * (2 * sxy + SSIM_C2)
    den = (mx * mx + my * my + SSIM_C1) * (sxx + syy + SSIM_C2)
    return num / den


class AppearanceLoss(nn.Module):
    """Perceptual pyramid + optional pixel-pyramid L1 + optional SSIM (module docstring).

    Args:
        scales: pyramid scales shared by the perceptual and pixel terms.
        perceptual: five VGG-19 layer weights (all zero: no VGG is built).
        pixel: one L1 weight per scale, or empty (off).
        ssim: weight of ``1 − SSIM`` at full resolution (0: off).
        motion_weight: α of the motion-weighted pixel terms (0: plain L1; needs ``source`` in ``forward``).
        perceptual_weights, seed, subsample: as :class:`PerceptualPyramidLoss`.
    """

    def __init__(self, scales: Sequence[float], perceptual: Sequence[float], *, pixel: Sequence[float] = (),
                 ssim: float = 0.0, motion_weight: float = 0.0, perceptual_weights: str = "imagenet", seed: int = 0,
                 subsample: Literal["interpolate", "slice"] = "interpolate"):
        super().__init__()
        pixel = [float(w) for w in pixel]
        if pixel and len(pixel) != len(scales):
            raise ValueError(f"pixel loss needs one weight per scale {list(scales)}, got {pixel}")
        self.perceptual = PerceptualPyramidLoss(scales, perceptual, perceptual_weights, seed=seed,
                                                subsample=subsample)
        self.pixel_weights = pixel if any(pixel) else []
        self.pixel_pyramid = ImagePyramid(scales, 3, subsample=subsample) if self.pixel_weights else None
        self.ssim_weight = float(ssim)
        self.motion_weight = float(motion_weight)

    @classmethod
    def from_config(cls, loss: Any, subsample: Literal["interpolate", "slice"] = "interpolate") -> "AppearanceLoss":
        """From a method's loss config (``scales``, ``perceptual``, ``perceptual_weights``, ``perceptual_seed``,
        and the optional ``pixel``/``ssim`` fields)."""
        return cls(loss.scales, loss.perceptual, pixel=getattr(loss, "pixel", ()), ssim=getattr(loss, "ssim", 0.0),
                   motion_weight=getattr(loss, "motion_weight", 0.0), perceptual_weights=loss.perceptual_weights,
                   seed=loss.perceptual_seed, subsample=subsample)

    def forward(self, prediction: torch.Tensor, target: torch.Tensor,
                source: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Named, weighted terms; ``source`` (``B×3×H×W`` or batch 1) is needed with ``motion_weight``."""
        losses = {}
        if self.perceptual.enabled:
            losses["perceptual"] = self.perceptual(prediction, target)
        if self.pixel_pyramid is None and not self.ssim_weight:
            return losses
        # in float32 even under autocast: SSIM's E[x²] − E[x]² cancels catastrophically in bfloat16
        with torch.autocast(device_type=prediction.device.type, enabled=False):
            pred, real = prediction.float(), target.detach().float()
            if self.pixel_pyramid is not None:
                pred_pyr, real_pyr = self.pixel_pyramid(pred), self.pixel_pyramid(real)
                src_pyr = None
                if self.motion_weight:
                    if source is None:
                        raise ValueError("appearance loss: motion_weight needs the source frame")
                    src_pyr = self.pixel_pyramid(source.detach().float().expand_as(real))
                total = pred.new_zeros(())
                for w, key in zip(self.pixel_weights, pred_pyr):
                    if w:
                        err = torch.abs(pred_pyr[key] - real_pyr[key])
                        if src_pyr is not None:
                            moving = gaussian_blur((real_pyr[key] - src_pyr[key]).abs().mean(1, keepdim=True), 1.0)
                            err = err * (1 + self.motion_weight * (moving > MOTION_THRESHOLD).to(err.dtype))
                        total = total + w * err.mean()
                losses["pixel"] = total
            if self.ssim_weight:
                losses["ssim"] = self.ssim_weight * (1 - ssim_map(pred, real).mean())
        return losses

    def provenance(self) -> dict:
        return {**self.perceptual.provenance(), "pixel_loss": self.pixel_weights or None,
                "ssim_loss": self.ssim_weight or None}


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of ``B×C×H×W`` (radius 3σ, reflect padding); σ 0 returns ``x``."""
    if sigma <= 0:
        return x
    radius = max(1, int(3 * sigma + 0.5))
    t = torch.arange(-radius, radius + 1, dtype=torch.float64)
    taps = torch.exp(-0.5 * (t / sigma) ** 2)
    taps = (taps / taps.sum()).to(dtype=x.dtype, device=x.device)
    c = x.shape[1]
    pad_h, pad_w = min(radius, x.shape[2] - 1), min(radius, x.shape[3] - 1)
    kx = taps[radius - pad_w:radius + pad_w + 1].view(1, 1, 1, -1).repeat(c, 1, 1, 1)
    ky = taps[radius - pad_h:radius + pad_h + 1].view(1, 1, -1, 1).repeat(c, 1, 1, 1)
    x = F.conv2d(F.pad(x, (pad_w, pad_w, 0, 0), mode="reflect"), kx / kx.sum(), groups=c)
    return F.conv2d(F.pad(x, (0, 0, pad_h, pad_h), mode="reflect"), ky / ky.sum(), groups=c)


def blurred_warp_loss(source: torch.Tensor, driving: torch.Tensor, flow: torch.Tensor, sigmas, weight: float,
                      align_corners: bool = True) -> torch.Tensor:
    """``w · Σ_σ mean|warp(blur_σ(S), F) − blur_σ(D)|``: a photometric loss of the flow alone on blurred frames.

    Trains only the motion branch (the flow is the only input with a gradient). Blurring the source
    before warping widens the region where a wrong flow still sees the right content: a limb that moved
    by d pixels gives a useful gradient once σ ≳ d/2, where the sharp image gives none — the coarse-to-fine
    idea of image registration. ``source`` ``B×3×H×W`` (or batch 1), ``driving`` ``B×3×H×W`` in [0, 1],
    ``flow`` ``B×h×w×2`` (any resolution; resized to the frame).
    """
    from baselines.common.warping import warp_with_flow

    with torch.autocast(device_type=driving.device.type, enabled=False):
        src, drv, flow = source.detach().float(), driving.detach().float(), flow.float()
        if src.shape[0] != flow.shape[0]:
            src = src.expand(flow.shape[0], *src.shape[1:])
        total = drv.new_zeros(())
        for sigma in sigmas:
            warped = warp_with_flow(gaussian_blur(src, float(sigma)), flow, align_corners=align_corners)
            total = total + torch.abs(warped - gaussian_blur(drv, float(sigma))).mean()
    return weight * total
