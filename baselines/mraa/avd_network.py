"""MRAA animation-via-disentanglement network (methods.md §2.7).

Each region is embedded as ``[μ_x, μ_y, A_00, A_01, A_10, A_11]`` (6K values). Two MLP encoders
(identity from the source's regions, pose from the driving frame's) feed a decoder that returns
region parameters carrying the driving pose on the source's shape; ``covar = A·Aᵀ``.
"""

from __future__ import annotations

import torch
from torch import nn

from baselines.mraa.regions import relative_affine


def _mlp(sizes: list[int], inplace_relu: bool) -> nn.Sequential:
    """Linear, then (BatchNorm1d, ReLU, Linear) per further width: Linear at 0,3,6,9, BatchNorm at 1,4,7."""
    layers: list[nn.Module] = [nn.Linear(sizes[0], sizes[1])]
    for cin, cout in zip(sizes[1:-1], sizes[2:]):
        layers += [nn.BatchNorm1d(cin), nn.ReLU(inplace=inplace_relu), nn.Linear(cin, cout)]
    return nn.Sequential(*layers)


def region_embedding(params: dict) -> torch.Tensor:
    """``B×6K``: per region the shift then the row-major affine."""
    shift, affine = params["shift"], params["affine"]
    b, k = shift.shape[:2]
    return torch.cat([shift, affine.reshape(b, k, 4)], dim=-1).reshape(b, 6 * k)


class AVDNetwork(nn.Module):
    """``(source region params, driving region params) -> region params`` (``shift``, ``affine``, ``covar``).

    Args (official names): num_regions (K), id_bottle_size, pose_bottle_size (64/64), revert_axis_swap
        (the source affine is multiplied by ``sign((A_S·A_D⁻¹)[0, 0])`` before encoding).

    BatchNorm1d: eval mode uses the running statistics. Attributes with official state-dict names:
    ``id_encoder``, ``pose_encoder``, ``decoder``.
    """

    def __init__(self, num_regions: int, id_bottle_size: int = 64, pose_bottle_size: int = 64,
                 revert_axis_swap: bool = True):
        super().__init__()
        size = 6 * num_regions
        self.num_regions = num_regions
        self.revert_axis_swap = revert_axis_swap
        self.id_encoder = _mlp([size, 256, 512, 1024, id_bottle_size], inplace_relu=True)
        self.pose_encoder = _mlp([size, 256, 512, 1024, pose_bottle_size], inplace_relu=True)
        self.decoder = _mlp([pose_bottle_size + id_bottle_size, 1024, 512, 256, size], inplace_relu=False)

    def forward(self, source_params: dict, driving_params: dict) -> dict:
        """Both dicts hold ``shift`` ``B×K×2`` and ``affine`` ``B×K×2×2``; returns the same plus ``covar``."""
        identity = source_params
        if self.revert_axis_swap:
            flip = torch.sign(relative_affine(source_params["affine"], driving_params["affine"], False)[..., 0:1, 0:1])
            identity = {"shift": source_params["shift"], "affine": source_params["affine"] * flip}
        pose = self.pose_encoder(region_embedding(driving_params))
        ident = self.id_encoder(region_embedding(identity))
        emb = self.decoder(torch.cat([pose, ident], dim=1)).view(-1, self.num_regions, 6)
        shift = emb[..., :2]
        affine = emb[..., 2:].reshape(-1, self.num_regions, 2, 2)
        return {"shift": shift, "affine": affine, "covar": torch.matmul(affine, affine.transpose(-1, -2))}
