"""Conv building blocks of the FOMM family with the official attribute names.

The attribute names (``conv``, ``norm``, ``pool``, ``conv1``, ``conv2``,
``norm1``, ``norm2``) are the state-dict keys of the official checkpoints.
The normalisation is selectable because the methods differ (methods.md §0.3):

- ``norm="instance"``: ``InstanceNorm2d(affine=True)`` without running stats (TPSMM);
- ``norm="batch"``: ``BatchNorm2d(affine=True)`` with running stats (FOMM, MRAA;
  the official SynchronizedBatchNorm2d has the same keys).
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

NormKind = Literal["instance", "batch"]


def make_norm(kind: NormKind, channels: int) -> nn.Module:
    """The 2-D normalisation layer of a block."""
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "batch":
        return nn.BatchNorm2d(channels, affine=True)
    raise ValueError(f"norm must be 'instance' or 'batch', got {kind!r}")


class SameBlock2d(nn.Module):
    """conv -> norm -> ReLU, same resolution."""

    def __init__(self, in_features: int, out_features: int, kernel_size=3, padding=1, groups: int = 1,
                 *, norm: NormKind):
        super().__init__()
        self.conv = nn.Conv2d(in_features, out_features, kernel_size=kernel_size, padding=padding, groups=groups)
        self.norm = make_norm(norm, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norm(self.conv(x)))


class DownBlock2d(nn.Module):
    """conv -> norm -> ReLU -> AvgPool2d(2): halves H and W."""

    def __init__(self, in_features: int, out_features: int, kernel_size=3, padding=1, groups: int = 1,
                 *, norm: NormKind):
        super().__init__()
        self.conv = nn.Conv2d(in_features, out_features, kernel_size=kernel_size, padding=padding, groups=groups)
        self.norm = make_norm(norm, out_features)
        self.pool = nn.AvgPool2d(kernel_size=(2, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(F.relu(self.norm(self.conv(x))))


class UpBlock2d(nn.Module):
    """nearest ×2 upsample -> conv -> norm -> ReLU: doubles H and W."""

    def __init__(self, in_features: int, out_features: int, kernel_size=3, padding=1, groups: int = 1,
                 *, norm: NormKind):
        super().__init__()
        self.conv = nn.Conv2d(in_features, out_features, kernel_size=kernel_size, padding=padding, groups=groups)
        self.norm = make_norm(norm, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.interpolate(x, scale_factor=2)  # nearest
        return F.relu(self.norm(self.conv(out)))


class ResBlock2d(nn.Module):
    """Pre-activation residual block: x + conv2(relu(norm2(conv1(relu(norm1(x))))))."""

    def __init__(self, in_features: int, kernel_size=3, padding=1, *, norm: NormKind):
        super().__init__()
        self.conv1 = nn.Conv2d(in_features, in_features, kernel_size=kernel_size, padding=padding)
        self.conv2 = nn.Conv2d(in_features, in_features, kernel_size=kernel_size, padding=padding)
        self.norm1 = make_norm(norm, in_features)
        self.norm2 = make_norm(norm, in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(F.relu(self.norm1(x)))
        out = self.conv2(F.relu(self.norm2(out)))
        return out + x
