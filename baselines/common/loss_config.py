"""Loss settings shared by the FOMM-family configs (TPSMM, MRAA, PGMM).

- :class:`TransformParams` — the random TPS of the equivariance losses (official
  ``transform_params``); each method's trainer picks the RandomTPS kernel (TPSMM or FOMM/MRAA);
- :func:`check_perceptual_loss` — the checks every multi-scale VGG-19 perceptual loss config needs
  (five layer weights, a pyramid whose smallest level VGG-19 can take, a known weight source).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from slvg_bench.errors import UsageError

PERCEPTUAL_WEIGHT_CHOICES = ("imagenet", "random", "auto")
# VGG-19 halves the input four times before relu5_1
MIN_PYRAMID_PIXELS = 16


@dataclass
class TransformParams:
    """Random TPS of the equivariance losses (official ``transform_params``)."""

    sigma_affine: float = 0.05
    sigma_tps: float = 0.005
    points_tps: int = 5


def check_perceptual_loss(method: str, loss: Any, image_size: Sequence[int]) -> None:
    """Raise :class:`UsageError` (``"<method>: loss.… "``) unless the perceptual-loss settings are usable.

    Args:
        method: method id, the prefix of every message.
        loss: a loss config with ``scales`` (pyramid scales in (0, 1]), ``perceptual`` (weights of the
            five VGG-19 layers relu1_1…relu5_1), ``perceptual_weights`` (one of
            :data:`PERCEPTUAL_WEIGHT_CHOICES`) and optionally ``pixel`` (one L1 weight per scale) and
            ``ssim`` (see :mod:`baselines.common.appearance_loss`).
        image_size: ``(height, width)`` the model runs at.
    """
    if len(loss.perceptual) != 5:
        raise UsageError(f"{method}: loss.perceptual needs 5 layer weights, got {list(loss.perceptual)}")
    smallest = min(int(image_size[0]), int(image_size[1])) * min(loss.scales)
    if sum(loss.perceptual) != 0 and smallest < MIN_PYRAMID_PIXELS:
        raise UsageError(
            f"{method}: loss.scales {list(loss.scales)} at model.image_size {list(image_size)} give a "
            f"{smallest:g}-pixel pyramid level; VGG-19 up to relu5_1 needs at least {MIN_PYRAMID_PIXELS} pixels "
            "(drop the smallest scale)"
        )
    pixel = list(getattr(loss, "pixel", ()))
    if pixel and len(pixel) != len(loss.scales):
        raise UsageError(f"{method}: loss.pixel needs one weight per scale {list(loss.scales)} (or none), got {pixel}")
    if getattr(loss, "ssim", 0.0) < 0 or any(w < 0 for w in pixel):
        raise UsageError(f"{method}: loss.pixel and loss.ssim weights must be ≥ 0")
    if loss.perceptual_weights not in PERCEPTUAL_WEIGHT_CHOICES:
        raise UsageError(
            f"{method}: loss.perceptual_weights must be imagenet, random or auto, got {loss.perceptual_weights!r}"
        )
