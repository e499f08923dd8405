"""DynaST building blocks: normalisations, SPADE, residual blocks, the feature encoder, up-samplers.

Attribute names follow the official module tree so the state-dict keys line up
with ``latest_net_G.pth`` (see :mod:`baselines.dynast.convert` for the three
places where they differ: spectral-norm parametrisation keys, the PReLU that
the official ResidualBlock registers twice, and the unused ``embed_1``).
All 3×3 convolutions use reflect padding, as in the official code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def positional_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Normalise every pixel over channels: ``(x - mean_c) / sqrt(var_c + eps)``, unbiased variance."""
    mean = x.mean(dim=1, keepdim=True)
    std = (x.var(dim=1, keepdim=True) + eps).sqrt()
    return (x - mean) / std


def feature_normalize(x: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """L2-normalise over channels, the eps added to the norm: ``x / (||x||_2 + eps)``."""
    return x / (torch.linalg.vector_norm(x, ord=2, dim=1, keepdim=True) + eps)


def conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride, padding=1, padding_mode="reflect")


def sn_conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    """Spectral-normalised 3×3 conv (eval: ``W / (u · W v)`` with the stored u, v; train: one power iteration)."""
    return spectral_norm(conv3x3(cin, cout, stride))


class SPADE(nn.Module):
    """``(1 + γ(s)) · PN(x) + β(s)`` with γ, β predicted from the map ``s`` resized (legacy nearest) to x."""

    def __init__(self, dim: int, cond_channels: int):
        super().__init__()
        self.mlp_shared = nn.Sequential(conv3x3(cond_channels, dim), nn.ReLU())
        self.mlp_gamma = conv3x3(dim, dim)
        self.mlp_beta = conv3x3(dim, dim)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        if cond.shape[-2:] != x.shape[-2:]:
            cond = F.interpolate(cond, size=x.shape[-2:], mode="nearest")
        hidden = self.mlp_shared(cond)
        return (1 + self.mlp_gamma(hidden)) * positional_norm(x) + self.mlp_beta(hidden)


class ResidualBlock(nn.Module):
    """``PReLU(x + [conv, BN, PReLU, conv, BN](x))`` with one PReLU used twice (it lives at ``model.2``)."""

    def __init__(self, dim: int):
        super().__init__()
        self.model = nn.Sequential(
            conv3x3(dim, dim), nn.BatchNorm2d(dim), nn.PReLU(), conv3x3(dim, dim), nn.BatchNorm2d(dim)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model[2](x + self.model(x))


class SPADEResnetBlock(nn.Module):
    """``relu(x + conv_1(relu(norm_1(conv_0(relu(norm_0(x, s)), s)))))``, one PReLU, spectral-norm convs."""

    def __init__(self, dim: int, cond_channels: int):
        super().__init__()
        self.conv_0 = sn_conv3x3(dim, dim)
        self.conv_1 = sn_conv3x3(dim, dim)
        self.norm_0 = SPADE(dim, cond_channels)
        self.norm_1 = SPADE(dim, cond_channels)
        self.relu = nn.PReLU()

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        dx = self.conv_0(self.relu(self.norm_0(x, cond)))
        dx = self.conv_1(self.relu(self.norm_1(dx, cond)))
        return self.relu(x + dx)


def _encoder_stage(cin: int, cout: int, stride: int) -> nn.Sequential:
    # InstanceNorm without affine parameters or running stats: always per-instance statistics
    return nn.Sequential(sn_conv3x3(cin, cout, stride), nn.InstanceNorm2d(cout), ResidualBlock(cout))


class FeatureEncoder(nn.Module):
    """Four stages at 1, 1/2, 1/4, 1/8 resolution; returns ``(x4, x3, x2, x1)`` (coarsest first)."""

    def __init__(self, in_channels: int, ngf: int, max_multi: int):
        super().__init__()
        widths = [ngf * min(m, max_multi) for m in (1, 2, 4, 8)]
        self.layer1 = _encoder_stage(in_channels, widths[0], 1)
        self.layer2 = _encoder_stage(widths[0], widths[1], 2)
        self.layer3 = _encoder_stage(widths[1], widths[2], 2)
        self.layer4 = _encoder_stage(widths[2], widths[3], 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        x1 = self.layer1(x)
        x2 = self.layer2(x1)
        x3 = self.layer3(x2)
        x4 = self.layer4(x3)
        return x4, x3, x2, x1


def up_block(cin: int, cout: int, act: nn.Module) -> nn.Sequential:
    """``[Upsample ×2 (bilinear, align_corners=True), conv3×3, act]``; decoders use ReLU, ``pos_*`` LeakyReLU(0.01)."""
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), conv3x3(cin, cout), act)


def init_dynast_weights(module: nn.Module, gain: float = 0.02) -> None:
    """The official ``init_weights('xavier', 0.02)``, as it acts on the official modules.

    Plain convs: xavier-normal(gain) weights, zero bias. BatchNorm: weight N(1, gain), zero bias.
    Spectral-norm convs keep PyTorch's default weight init and get a zero bias: the official
    initialiser writes to the derived ``weight`` tensor there, which the next forward overwrites.
    """
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Conv2d):
            if not hasattr(m, "parametrizations"):
                nn.init.xavier_normal_(m.weight, gain=gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
