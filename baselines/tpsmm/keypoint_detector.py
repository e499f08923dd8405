"""TPSMM keypoint detector: a ResNet-18 regressing ``5·K`` keypoints (methods.md §1.3)."""

from __future__ import annotations

import torch
import torchvision
from torch import nn
from torchvision.models.resnet import BasicBlock


OFFICIAL_WIDTH = 64


class _ResNet18(nn.Module):
    """ResNet-18 with base width ``width`` (torchvision's layout and attribute names; 64 = torchvision's)."""

    def __init__(self, in_channels: int, out_features: int, width: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        cin = width
        for i in range(4):
            cout = width * 2**i
            stride = 1 if i == 0 else 2
            down = None
            if stride != 1 or cin != cout:
                down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
            setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(cin, cout, stride, down), BasicBlock(cout, cout)))
            cin = cout
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, out_features)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet18(in_channels: int, out_features: int, width: int = OFFICIAL_WIDTH) -> nn.Module:
    """ResNet-18 (random init) with its own input channels, ``fc`` size and base width.

    Keeps torchvision's attribute names (``conv1``, ``bn1``, ``layer1..4``, ``fc``), which are the
    official checkpoint keys under ``fg_encoder.`` / ``bg_encoder.``. ``width`` 64 is torchvision's
    network (the official detector, 45 MB); a smaller width scales every layer (16: 2.8 MB, ~16×
    fewer FLOPs), for small, static-camera data such as synthsign.
    """
    if width != OFFICIAL_WIDTH:
        return _ResNet18(in_channels, out_features, width)
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
        width: base width of the ResNet-18 (64 = official).

    ``forward(image)``: ``B×C×H×W`` float in [0, 1] (any size; global pooling inside).
    """

    def __init__(self, num_tps: int, num_channels: int = 3, width: int = OFFICIAL_WIDTH, **_unused):
        super().__init__()
        self.num_tps = num_tps
        self.fg_encoder = resnet18(num_channels, num_tps * 5 * 2, width)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        out = torch.sigmoid(self.fg_encoder(image)) * 2 - 1
        return out.view(image.shape[0], self.num_tps * 5, 2)
