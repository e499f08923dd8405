"""Anti-aliased downsampling (Gaussian blur + subsample) and the image pyramid of the perceptual loss."""

from __future__ import annotations

from typing import Literal, Sequence

import torch
import torch.nn.functional as F
from torch import nn


def gaussian_kernel_2d(scale: float) -> torch.Tensor:
    """The normalised ``k×k`` Gaussian of ``AntiAliasInterpolation2d`` for a downscale factor.

    ``σ = (1/scale − 1)/2`` and ``k = 2·round(4σ) + 1`` (0.25 -> σ 1.5, k 13; 0.5 -> σ 0.5, k 5).
    Computed in float32 in the same order as the official code, so the buffer matches.
    """
    sigma = (1 / scale - 1) / 2
    size = 2 * round(sigma * 4) + 1
    axis = torch.arange(size, dtype=torch.float32)
    mean = (size - 1) / 2
    g = torch.exp(-((axis - mean) ** 2) / (2 * sigma**2))
    kernel = g.view(size, 1) * g.view(1, size)  # product of the two 1-D Gaussians
    return kernel / torch.sum(kernel)


class AntiAliasInterpolation2d(nn.Module):
    """Band-limited downsampling by ``scale`` (≤ 1), depthwise over ``channels``.

    The kernel is the persistent buffer ``weight`` of shape ``(C, 1, k, k)`` (it is
    part of the official state dicts, e.g. ``down.weight (3,1,13,13)``). Input is
    zero-padded by ``k//2``, blurred, then subsampled:

    - ``subsample="interpolate"`` (TPSMM): nearest ``F.interpolate(scale_factor=scale)``;
    - ``subsample="slice"`` (FOMM/MRAA): every ``int(1/scale)``-th pixel.

    Both keep pixels 0, 1/scale, … and agree whenever the size is a multiple of 1/scale.
    ``scale == 1`` is the identity (no kernel, no buffer).

    Args:
        channels: number of channels C.
        scale: downscale factor in (0, 1].
        subsample: see above.
        persistent: whether ``weight`` goes into the state dict (False for the loss pyramid,
            which no checkpoint contains).
    """

    def __init__(
        self,
        channels: int,
        scale: float,
        subsample: Literal["interpolate", "slice"] = "interpolate",
        persistent: bool = True,
    ):
        super().__init__()
        if not 0 < scale <= 1:
            raise ValueError(f"AntiAliasInterpolation2d: scale must be in (0, 1], got {scale}")
        if subsample not in ("interpolate", "slice"):
            raise ValueError(f"subsample must be 'interpolate' or 'slice', got {subsample!r}")
        self.scale = float(scale)
        self.groups = channels
        self.subsample = subsample
        if self.scale != 1.0:
            kernel = gaussian_kernel_2d(scale)
            k = kernel.shape[0]
            self.ka = k // 2
            self.kb = self.ka - 1 if k % 2 == 0 else self.ka
            self.register_buffer("weight", kernel.view(1, 1, k, k).repeat(channels, 1, 1, 1), persistent=persistent)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``B×C×H×W`` -> ``B×C×⌊H·scale⌋×⌊W·scale⌋`` (slice mode: ``⌈H·scale⌉``)."""
        if self.scale == 1.0:
            return x
        out = F.pad(x, (self.ka, self.kb, self.ka, self.kb))
        out = F.conv2d(out, weight=self.weight.to(out.dtype), groups=self.groups)
        if self.subsample == "slice":
            step = int(1 / self.scale)
            return out[:, :, ::step, ::step]
        return F.interpolate(out, scale_factor=(self.scale, self.scale))


def pyramid_key(scale: float) -> str:
    """Official dict key of a pyramid level: ``prediction_1``, ``prediction_0.5``, …"""
    return "prediction_" + str(scale)


class ImagePyramid(nn.Module):
    """Anti-aliased image pyramid (``ImagePyramide`` of FOMM/MRAA/TPSMM).

    ``forward(x)`` returns ``{pyramid_key(s): x downsampled by s}`` for every scale.
    The kernels are not persistent (no checkpoint holds them).
    """

    def __init__(self, scales: Sequence[float], channels: int = 3,
                 subsample: Literal["interpolate", "slice"] = "interpolate"):
        super().__init__()
        self.scales = [float(s) if float(s) != int(s) else int(s) for s in scales]
        self.downs = nn.ModuleList(
            [AntiAliasInterpolation2d(channels, float(s), subsample=subsample, persistent=False) for s in scales]
        )

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {pyramid_key(s): down(x) for s, down in zip(self.scales, self.downs)}
