"""CorrNet's frame encoder: a ResNet-18 written with (1, k, k) Conv3d kernels plus correlation blocks.

Parameter names follow the official ``modules/resnet.py`` of hulianyuyy/CorrNet so the
released checkpoints load strictly (under the ``conv2d.`` prefix of the full model):
``alpha``, ``conv1``, ``bn1``, ``layer1..4.{0,1}.{conv1,bn1,conv2,bn2,downsample.{0,1}}``
and ``corr1/corr2/corr3`` for the blocks after layer2/3/4.

Shapes: input ``B×3×T×H×W`` (channels before time, like the official code), values in
[-1, 1]; output ``(B·T)×C_out`` frame features with ``C_out = 8·base_width`` (512 for the
official width 64). Every convolution acts per frame except the identification branch
of the correlation block (kernel 9 in time) and the neighbour correlation (±1 frame).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

# stage index (the ResNet layer a block follows) -> official module name
CORR_NAMES = {2: "corr1", 3: "corr2", 4: "corr3"}


class Correlation(nn.Module):
    """The correlation + identification block (official class ``Get_Correlation``).

    Correlation: each position of frame t is compared (dot product over channels, no
    scaling) with every position of frame t+1 and of frame t-1 (of ``down_conv2(x)``;
    the last/first frame is repeated at the ends). The neighbours' features are summed
    with weights ``sigmoid(affinity) - 1/2`` and mixed by ``weights2``.
    Identification: ``down_conv`` to C/16 channels, three depthwise (9, 3, 3) convs with
    spatial dilation 1/2/3 mixed by ``weights``, ``conv_back`` to C channels.
    Output: ``correlation * (sigmoid(identification) - 1/2)``, same shape as the input
    ``B×C×T×H×W``.
    """

    def __init__(self, channels: int):
        super().__init__()
        reduced = channels // 16
        self.down_conv = nn.Conv3d(channels, reduced, kernel_size=1, bias=False)
        self.down_conv2 = nn.Conv3d(channels, channels, kernel_size=1, bias=False)
        for i, dil in enumerate((1, 2, 3), start=1):
            conv = nn.Conv3d(reduced, reduced, kernel_size=(9, 3, 3), padding=(4, dil, dil),
                             dilation=(1, dil, dil), groups=reduced)
            self.add_module(f"spatial_aggregation{i}", conv)
        self.weights = nn.Parameter(torch.ones(3) / 3)
        self.weights2 = nn.Parameter(torch.ones(2) / 2)
        self.conv_back = nn.Conv3d(reduced, channels, kernel_size=1, bias=False)

    # frames per affinity batch: bounds the (B, t, H, W, H, W) affinity tensor (784² floats a
    # frame at 28×28) without changing any result — every frame is computed on its own
    frames_per_chunk = 32

    def _attend(self, x: torch.Tensor, neighbour: torch.Tensor) -> torch.Tensor:
        """Sum of ``neighbour`` positions weighted by sigmoid(<x, neighbour>) - 1/2, per frame."""
        out = []
        for s in range(0, x.shape[2], self.frames_per_chunk):
            xs, ns = x[:, :, s:s + self.frames_per_chunk], neighbour[:, :, s:s + self.frames_per_chunk]
            gate = torch.sigmoid(torch.einsum("bcthw,bctsd->bthwsd", xs, ns)) - 0.5
            out.append(torch.einsum("bctsd,bthwsd->bcthw", ns, gate))
        return torch.cat(out, dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x2 = self.down_conv2(x)
        nxt = torch.cat([x2[:, :, 1:], x2[:, :, -1:]], dim=2)  # frame t+1, last frame repeated
        prv = torch.cat([x2[:, :, :1], x2[:, :, :-1]], dim=2)  # frame t-1, first frame repeated
        features = self._attend(x, nxt) * self.weights2[0] + self._attend(x, prv) * self.weights2[1]

        y = self.down_conv(x)
        agg = (self.spatial_aggregation1(y) * self.weights[0] + self.spatial_aggregation2(y) * self.weights[1]
               + self.spatial_aggregation3(y) * self.weights[2])
        return features * (torch.sigmoid(self.conv_back(agg)) - 0.5)


def _conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv3d:
    return nn.Conv3d(cin, cout, kernel_size=(1, 3, 3), stride=(1, stride, stride), padding=(0, 1, 1), bias=False)


class BasicBlock(nn.Module):
    """ResNet basic block with per-frame (1, 3, 3) convs and BatchNorm3d."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = _conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm3d(cout)
        self.conv2 = _conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm3d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv3d(cin, cout, kernel_size=1, stride=(1, stride, stride), bias=False),
                nn.BatchNorm3d(cout),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class CorrResNet18(nn.Module):
    """ResNet-18 (blocks [2, 2, 2, 2]) with correlation blocks after the layers in ``corr_stages``.

    Args:
        base_width: channels of the stem and layer1 (64 official); layers 2–4 double it.
        corr_stages: which layers (2, 3, 4) are followed by ``x + alpha[i] * corr(x)``;
            ``(2, 3, 4)`` is the PHOENIX structure, ``(3, 4)`` the released CSL-Daily one.
            ``alpha`` has one entry per block, in this order.
    """

    def __init__(self, base_width: int = 64, corr_stages: Sequence[int] = (2, 3, 4), pool_grid: int = 1):
        super().__init__()
        if pool_grid < 1:
            raise ValueError(f"pool_grid must be >= 1, got {pool_grid}")
        self.pool_grid = pool_grid
        corr_stages = tuple(sorted(corr_stages))
        if not set(corr_stages) <= set(CORR_NAMES):
            raise ValueError(f"corr_stages must be a subset of (2, 3, 4), got {corr_stages}")
        self.corr_stages = corr_stages
        self.out_channels = 8 * base_width * pool_grid ** 2
        # zeros, as officially: a fresh model is exactly the (ImageNet) ResNet
        self.alpha = nn.Parameter(torch.zeros(len(corr_stages)))
        self.conv1 = nn.Conv3d(3, base_width, kernel_size=(1, 7, 7), stride=(1, 2, 2), padding=(0, 3, 3), bias=False)
        self.bn1 = nn.BatchNorm3d(base_width)
        widths = [base_width * m for m in (1, 2, 4, 8)]
        cin = base_width
        for i, (cout, stride) in enumerate(zip(widths, (1, 2, 2, 2)), start=1):
            self.add_module(f"layer{i}", nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout)))
            if i in corr_stages:  # registered right after its layer, like the official key order
                self.add_module(CORR_NAMES[i], Correlation(cout))
            cin = cout
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm3d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward_maps(self, x: torch.Tensor, record: dict | None = None) -> torch.Tensor:
        """``B×3×T×H×W`` -> layer4 (+corr3) maps ``B×C×T×h×w``; ``record`` collects intermediates."""
        x = F.max_pool3d(F.relu(self.bn1(self.conv1(x))), kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))
        if record is not None:
            record["stem_out"] = x
        for i in (1, 2, 3, 4):
            x = getattr(self, f"layer{i}")(x)
            if record is not None:
                record[f"layer{i}_out"] = x
            if i in self.corr_stages:
                corr = getattr(self, CORR_NAMES[i])(x)
                x = x + corr * self.alpha[self.corr_stages.index(i)]
                if record is not None:
                    record[f"{CORR_NAMES[i]}_out"] = corr
                    if i < 4:
                        record[f"layer{i + 1}_in"] = x
        return x

    def forward(self, x: torch.Tensor, record: dict | None = None) -> torch.Tensor:
        """``B×3×T×H×W`` in [-1, 1] -> ``(B·T)×C_out`` (frames folded into the batch, b-major)."""
        x = self.forward_maps(x, record)
        x = x.transpose(1, 2).flatten(0, 1)  # (B·T, C, h, w)
        # the official AvgPool2d(7) over the 7×7 map of a 224 input is this global mean;
        # pooling over the whole map also serves narrower inputs. pool_grid > 1 (not official)
        # averages over a g×g grid of cells instead and keeps them all (C·g² features): where in
        # the frame something is stays in the features (the synthsign recognizer, 2×2 at 56²)
        if self.pool_grid == 1:
            x = F.avg_pool2d(x, kernel_size=x.shape[-2:])
        else:
            x = F.adaptive_avg_pool2d(x, self.pool_grid)
        if record is not None:
            record["avgpool_out"] = x
        return x.flatten(1)
