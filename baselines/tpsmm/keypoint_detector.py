"""TPSMM keypoint detector: a ResNet-18 regressing ``5·K`` keypoints (methods.md §1.3)."""

from __future__ import annotations

import torch
import torchvision
from torch import nn


def resnet18(in_channels: int, out_features: int) -> nn.Module:
    """torchvision ResNet-18 (random init) with its own input channels and ``fc`` size.

    Keeps torchvision's attribute names (``conv1``, ``bn1``, ``layer1..4``, ``fc``), which are the
    official checkpoint keys under ``fg_encoder.`` / ``bg_encoder.``.
    """
    net = torchvision.models.resnet18(weights=None)
    if in_channels != 3:
        net.conv1 = nn.Conv2d(in_channels, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
    net.fc = nn.Linear(net.fc.in_features, out_features)
    return net


class KPDetector(nn.Module):
    """Image -> ``B×5K×2`` keypoints (x, y) in (-1, 1) (``sigmoid(fc)·2 − 1``).

    Args:
        num_tps: K; the detector outputs 5 keypoints per TPS (PGMM: K = 20 -> 100 keypoints).
        num_channels: input channels (3).

    ``forward(image)``: ``B×C×H×W`` float in [0, 1] (any size; global pooling inside).
    """

    def __init__(self, num_tps: int, num_channels: int = 3, **_unused):
        super().__init__()
        self.num_tps = num_tps
        self.fg_encoder = resnet18(num_channels, num_tps * 5 * 2)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        out = torch.sigmoid(self.fg_encoder(image)) * 2 - 1
        return out.view(image.shape[0], self.num_tps * 5, 2)
