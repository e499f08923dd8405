"""DynaST's multi-scale PatchGAN discriminator (training only).

``MultiscaleDiscriminator`` runs ``num_d`` identical ``NLayerDiscriminator``s
(``discriminator_0``, ``discriminator_1``, ...) on the input and on copies
average-pooled by 3/2 (count_include_pad=False) between them. Each returns the
outputs of all its stages (``model0`` … ``model<n>``) so the generator can use
them for feature matching; the last one is the patch score map.
Input = ``cat(pose map, image)`` with the image in [-1, 1].

Stage layout with ``n_layers_d = 4``: ``model0`` = Conv4×4 s2 (no spectral norm)
+ LeakyReLU(0.2); ``model1``, ``model2`` = SN-Conv4×4 s2 + InstanceNorm + LReLU;
``model3`` = SN-Conv4×4 s1 + IN + LReLU (width capped at 512); ``model4`` = Conv4×4 s1 -> 1.
The official module also registers a ``dec`` branch that its forward never
runs; it is left out here (no official discriminator weights are released).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from baselines.dynast.layers import init_dynast_weights


class NLayerDiscriminator(nn.Module):
    def __init__(self, in_channels: int, ndf: int = 64, n_layers: int = 4):
        super().__init__()
        stages: list[list[nn.Module]] = [[nn.Conv2d(in_channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2)]]
        nf = ndf
        for n in range(1, n_layers):
            nf_prev, nf = nf, min(nf * 2, 512)
            stride = 1 if n == n_layers - 1 else 2
            conv = spectral_norm(nn.Conv2d(nf_prev, nf, 4, stride, 1))
            stages.append([conv, nn.InstanceNorm2d(nf), nn.LeakyReLU(0.2)])
        stages.append([nn.Conv2d(nf, 1, 4, 1, 1)])
        for i, stage in enumerate(stages):
            self.add_module(f"model{i}", nn.Sequential(*stage))
        self.num_stages = len(stages)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        for i in range(self.num_stages):
            x = getattr(self, f"model{i}")(x)
            feats.append(x)
        return feats


class MultiscaleDiscriminator(nn.Module):
    def __init__(self, in_channels: int, ndf: int = 64, n_layers: int = 4, num_d: int = 2):
        super().__init__()
        for i in range(num_d):
            self.add_module(f"discriminator_{i}", NLayerDiscriminator(in_channels, ndf, n_layers))
        self.num_d = num_d
        init_dynast_weights(self)

    def forward(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        """``B×(C+3)×H×W`` -> per scale, the list of stage outputs (last = patch scores)."""
        results = []
        for i in range(self.num_d):
            results.append(getattr(self, f"discriminator_{i}")(x))
            x = F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False)
        return results
