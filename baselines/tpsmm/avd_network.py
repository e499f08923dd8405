"""TPSMM animation-via-disentanglement network (methods.md §1.8)."""

from __future__ import annotations

import torch
from torch import nn


def _mlp(sizes: list[int], inplace: bool) -> nn.Sequential:
    """Linear/BatchNorm1d/ReLU stack; indices 0,3,6,9 are Linear and 1,4,7 BatchNorm (official keys)."""
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers += [nn.BatchNorm1d(sizes[i + 1]), nn.ReLU(inplace=inplace)]
    return nn.Sequential(*layers)


class AVDNetwork(nn.Module):
    """Re-targets driving keypoints onto the source identity: ``(kp_source, kp_driving) -> kp``.

    Args:
        num_tps: K (input/output size ``10·K`` = flattened ``5K×2`` keypoints).
        id_bottle_size, pose_bottle_size: bottleneck widths (official 128/128).

    All keypoint tensors are ``B×5K×2``. BatchNorm1d: eval mode uses running statistics.
    """

    def __init__(self, num_tps: int, id_bottle_size: int = 64, pose_bottle_size: int = 64):
        super().__init__()
        self.num_tps = num_tps
        size = 5 * 2 * num_tps
        self.id_encoder = _mlp([size, 256, 512, 1024, id_bottle_size], inplace=True)
        self.pose_encoder = _mlp([size, 256, 512, 1024, pose_bottle_size], inplace=True)
        self.decoder = _mlp([pose_bottle_size + id_bottle_size, 1024, 512, 256, size], inplace=False)

    def forward(self, kp_source: torch.Tensor, kp_driving: torch.Tensor) -> torch.Tensor:
        bs = kp_source.shape[0]
        pose = self.pose_encoder(kp_driving.reshape(bs, -1))
        ident = self.id_encoder(kp_source.reshape(bs, -1))
        return self.decoder(torch.cat([pose, ident], dim=1)).view(bs, self.num_tps * 5, 2)
