"""PGMM's own modules: Coarse Motion Module, Pose Fusion Module, pose addition, PoseNet.

Paper: Shi et al., "Pose-Guided Fine-Grained Sign Language Video Generation" (ECCV 2024),
§3.1–3.2, eq. 3–6, Fig. 4. Shapes are ``B×C×H×W`` feature maps throughout.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from baselines.common.warping import TPSMM_ALIGN_CORNERS, warp_with_flow
from baselines.tpsmm.dense_motion import combine_transformations, dropout_softmax


def conv_in_relu(cin: int, cout: int, kernel: int = 3) -> nn.Sequential:
    """3×3 conv (stride 1) -> InstanceNorm(affine) -> ReLU: the paper's Q/K/V and block convs."""
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, padding=kernel // 2), nn.InstanceNorm2d(cout, affine=True),
                         nn.ReLU(inplace=True))


class CoarseMotionModule(nn.Module):
    """CMM (eq. 3): ``X_out = [X_in, (1 − M(X_m)) ⊙ T(F(X_m), X_in)]``.

    - Conv-Flow ``F``: 7×7 conv on the motion features -> K+1 logits, softmax over the
      transformations (background + K TPS), flow = Σ_k softmax_k · T_k (TPSMM's
      contribution maps, here one set per generator scale).
    - Conv-Mask ``M``: 3×3 conv -> one channel; the paper writes "softmax", which over a
      single channel is constant 1, so we use the sigmoid (the occlusion map of TPSMM).
      ``1 − O`` keeps the warped appearance where motion did not occlude it.
    - ``T``: backward warping with ``grid_sample`` (align_corners=True, as TPSMM).

    Args:
        motion_channels: channels of the motion features at this scale.
        num_transforms: K + 1.
    """

    def __init__(self, motion_channels: int, num_transforms: int):
        super().__init__()
        self.flow = nn.Conv2d(motion_channels, num_transforms, kernel_size=7, padding=3)
        self.mask = nn.Conv2d(motion_channels, 1, kernel_size=3, padding=1)

    def motion(self, motion_features: torch.Tensor, transformations: torch.Tensor,
               dropout_p: float = 0.0, dropout_seed: Optional[int] = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(flow ``B×h×w×2``, occlusion ``B×1×h×w`` in [0,1], contribution maps ``B×(K+1)×h×w``).

        ``transformations``: ``B×(K+1)×h×w×2`` driving->source grids at this scale.
        ``dropout_p`` > 0 drops whole TPS channels as TPSMM's early training; one
        ``dropout_seed`` per step makes every scale drop the same transformations.
        """
        logits = self.flow(motion_features)
        if dropout_p > 0:
            gen = torch.Generator().manual_seed(int(dropout_seed or 0))
            weights = dropout_softmax(logits, dropout_p, generator=gen)
        else:
            weights = F.softmax(logits, dim=1)
        flow = combine_transformations(transformations, weights)
        occlusion = torch.sigmoid(self.mask(motion_features))
        return flow, occlusion, weights

    def forward(self, x_in: torch.Tensor, flow: Optional[torch.Tensor], occlusion: Optional[torch.Tensor]) -> torch.Tensor:
        """``B×2C×H×W``; with ``flow`` None (the feature-alignment path, eq. 11) ``[X_in, X_in]``."""
        if flow is None:
            return torch.cat([x_in, x_in], dim=1)
        warped = warp_with_flow(x_in, flow, align_corners=TPSMM_ALIGN_CORNERS)
        return torch.cat([x_in, (1 - occlusion) * warped], dim=1)


class PoseFusionModule(nn.Module):
    """PFM (eq. 4–6): ``X_out = X_in + softmax(Q(X_p) K(X_in)ᵀ / √C) V(X_in)``.

    Q, K, V are each 3×3 conv + InstanceNorm + ReLU. Global cross-attention over all
    ``H·W`` positions runs through ``scaled_dot_product_attention`` (flash/memory-efficient
    kernels where available), so memory stays linear in the number of positions.

    Args:
        channels: C of the image features (and of Q, K, V).
        pose_channels: channels of the pose features at this scale.
    """

    def __init__(self, channels: int, pose_channels: int):
        super().__init__()
        self.query = conv_in_relu(pose_channels, channels)
        self.key = conv_in_relu(channels, channels)
        self.value = conv_in_relu(channels, channels)

    def attention(self, x_in: torch.Tensor, x_pose: torch.Tensor) -> torch.Tensor:
        """The fused detail ``X'_in`` (``B×C×H×W``)."""
        b, c, h, w = x_in.shape
        if x_pose.shape[-2:] != (h, w):
            raise ValueError(f"PFM: pose features {tuple(x_pose.shape)} and image features {tuple(x_in.shape)} differ in size")
        # B×1×N×C, contiguous: strided inputs make SDPA fall back to the O(N²)-memory math kernel
        q = self.query(x_pose).flatten(2).transpose(1, 2).unsqueeze(1).contiguous()
        k = self.key(x_in).flatten(2).transpose(1, 2).unsqueeze(1).contiguous()
        v = self.value(x_in).flatten(2).transpose(1, 2).unsqueeze(1).contiguous()
        out = F.scaled_dot_product_attention(q, k, v, scale=1.0 / math.sqrt(c))
        return out.squeeze(1).transpose(1, 2).reshape(b, c, h, w)

    def forward(self, x_in: torch.Tensor, x_pose: torch.Tensor) -> torch.Tensor:
        return x_in + self.attention(x_in, x_pose)


class PoseAddition(nn.Module):
    """The "+pose" ablation (Table 4): pose features projected (1×1 conv) and added to the image features."""

    def __init__(self, channels: int, pose_channels: int):
        super().__init__()
        self.project = nn.Conv2d(pose_channels, channels, kernel_size=1)

    def forward(self, x_in: torch.Tensor, x_pose: torch.Tensor) -> torch.Tensor:
        return x_in + self.project(x_pose)


class PoseNet(nn.Module):
    """P_d (§3.1): heatmaps -> one pose feature per generator scale, coarse to fine.

    The heatmaps are resized to the coarsest generator scale — the scale whose image features
    are the "biggest" (deepest, most channels) — with an antialiased bilinear filter when
    ``antialias`` (plain bilinear sampling of a 4×-larger map would keep a peak at 0.18–0.90 of
    its height depending on where it falls between samples), then a 3×3 conv + IN +
    ReLU stem and ``num_up`` up blocks (3×3 transposed conv, stride 2, + IN + ReLU)
    double the resolution each time. (Resizing to the *finest* scale and then upsampling
    three more times would overshoot the image, so we read the paper this way.)

    Args:
        in_channels: number of heatmaps (36 for ``sign36``).
        channels: pose-feature channels per scale, coarse to fine (length ``num_up + 1``).
        base_size: (h, w) of the coarsest scale.
        antialias: antialiased resize of the heatmaps (see above).
    """

    def __init__(self, in_channels: int, channels: tuple[int, ...], base_size: tuple[int, int],
                 antialias: bool = True):
        super().__init__()
        self.base_size = tuple(base_size)
        self.antialias = bool(antialias)
        self.stem = conv_in_relu(in_channels, channels[0])
        self.up = nn.ModuleList(
            nn.Sequential(
                nn.ConvTranspose2d(cin, cout, kernel_size=3, stride=2, padding=1, output_padding=1),
                nn.InstanceNorm2d(cout, affine=True),
                nn.ReLU(inplace=True),
            )
            for cin, cout in zip(channels[:-1], channels[1:])
        )
        self.channels = tuple(channels)

    def resize(self, heatmaps: torch.Tensor) -> torch.Tensor:
        """``B×P×h×w`` -> ``B×P×base_size`` (antialiased when shrinking, if enabled)."""
        if tuple(heatmaps.shape[-2:]) == self.base_size:
            return heatmaps
        return F.interpolate(heatmaps, size=self.base_size, mode="bilinear", align_corners=False,
                             antialias=self.antialias)

    def forward(self, heatmaps: torch.Tensor) -> list[torch.Tensor]:
        """``B×P×h×w`` heatmaps in [0, 1] -> ``[B×c_0×s, B×c_1×2s, …]``."""
        x = self.resize(heatmaps)
        feats = [self.stem(x)]
        for block in self.up:
            feats.append(block(feats[-1]))
        return feats
