"""TPSMM dense motion: K TPS + background -> optical flow and multi-resolution occlusion (methods.md §1.6).

Pipeline at the motion resolution ``h×w = scale_factor·(H×W)``:

1. heatmaps ``G(kp_D) − G(kp_S)`` (σ² = 0.01) with a zero map first -> ``1 + 5K`` channels;
2. transformations ``[background, TPS_0 … TPS_{K−1}]`` (driving -> source grids);
3. the downsampled source warped by each -> ``3(K+1)`` channels (transform-major);
4. Hourglass(cat[heatmaps, deformed]) with every decoder level returned;
5. ``maps`` conv -> softmax (or the dropout softmax in early training) over K+1 ->
   ``deformation = Σ_k M_k·T_k``;
6. occlusion masks: the last ``4 − log2(1/scale)`` decoder levels, then one per extra
   up-block, each ``sigmoid(conv7×7)`` -> resolutions ``H/8, H/4, H/2, H`` (multi_mask),
   or one mask at ``h×w``.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from baselines.common.blocks import UpBlock2d
from baselines.common.downsample import AntiAliasInterpolation2d
from baselines.common.grids import apply_homography, make_coordinate_grid
from baselines.common.heatmaps import kp2gaussian
from baselines.common.hourglass import Hourglass
from baselines.common.warping import TPSMM_ALIGN_CORNERS, warp
from baselines.tpsmm.tps import KeypointTPS, group_keypoints

OCCLUSION_NUM = 4  # fixed in the official code: bottleneck + 3 skips of the inpainting network


def dropout_softmax(logits: torch.Tensor, p: float, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Softmax over dim 1 with whole TPS channels dropped (TPSMM Eq. 7–8).

    One Bernoulli keep-mask (keep prob ``1 − p``) per (sample, transform), drawn with
    ``torch.rand(B, K+1)`` on the CPU (global generator unless given), channel 0
    (background) always kept; ``exp(x − max)`` of dropped channels zeroed and the rest
    renormalised by ``sum + 1e-6``. (The official ``X[:,1:] /= (1−P)`` acts after the
    exponential and has no effect; it is omitted.)

    Args:
        logits: ``B×(K+1)×h×w``.
    """
    b, c = logits.shape[:2]
    keep = (torch.rand(b, c, generator=generator) < (1 - p)).to(dtype=logits.dtype, device=logits.device)
    keep[:, 0] = 1
    x = logits - logits.max(dim=1, keepdim=True).values
    x_exp = x.exp().masked_fill(keep.view(b, c, 1, 1) == 0, 0)
    return x_exp / (x_exp.sum(dim=1, keepdim=True) + 1e-6)


class DenseMotionNetwork(nn.Module):
    """Optical flow + occlusion masks from K TPS transformations and an affine background.

    Args (official names): block_expansion, num_blocks, max_features (hourglass), num_tps (K),
        num_channels (3), scale_factor (motion resolution, 0.25), bg (kept for the official
        signature; the background transform is used whenever ``bg_param`` is given),
        multi_mask (4 occlusion masks), kp_variance (0.01).

    Attributes with official state-dict names: ``down``, ``hourglass``, ``maps``, ``up``, ``occlusion``.
    """

    def __init__(self, block_expansion: int, num_blocks: int, max_features: int, num_tps: int,
                 num_channels: int = 3, scale_factor: float = 0.25, bg: bool = False, multi_mask: bool = True,
                 kp_variance: float = 0.01, **_unused):
        super().__init__()
        if scale_factor != 1:
            self.down = AntiAliasInterpolation2d(num_channels, scale_factor)
        self.scale_factor = scale_factor
        self.multi_mask = multi_mask
        self.num_tps = num_tps
        self.bg = bg
        self.kp_variance = kp_variance
        in_features = num_channels * (num_tps + 1) + num_tps * 5 + 1
        self.hourglass = Hourglass(block_expansion, in_features, num_blocks, max_features, norm="instance")
        levels = self.hourglass.level_channels
        last = levels[-1]
        self.maps = nn.Conv2d(last, num_tps + 1, kernel_size=(7, 7), padding=(3, 3))
        if multi_mask:
            self.up_nums = int(math.log(1 / scale_factor, 2))
            n_from_levels = OCCLUSION_NUM - self.up_nums
            if not 0 <= n_from_levels <= num_blocks:
                raise ValueError(
                    f"DenseMotionNetwork: multi_mask needs 0 ≤ 4 − log2(1/scale_factor) ≤ num_blocks, "
                    f"got scale_factor={scale_factor}, num_blocks={num_blocks}"
                )
            self.up = nn.ModuleList(
                [UpBlock2d(last // 2**i, last // 2**i // 2, 3, 1, norm="instance") for i in range(self.up_nums)]
            )
            channels = [levels[len(levels) - n_from_levels + i] for i in range(n_from_levels)]
            channels += [last // 2 ** (i + 1) for i in range(self.up_nums)]
            self.occlusion = nn.ModuleList([nn.Conv2d(c, 1, kernel_size=(7, 7), padding=(3, 3)) for c in channels])
        else:
            self.up_nums = 0
            self.occlusion = nn.ModuleList([nn.Conv2d(last, 1, kernel_size=(7, 7), padding=(3, 3))])

    # -- the stages, public so that tests, PGMM and visualisations can call them -------------------------
    def downsample(self, source_image: torch.Tensor) -> torch.Tensor:
        """The source at the motion resolution."""
        return self.down(source_image) if self.scale_factor != 1 else source_image

    def heatmap_representation(self, source_down: torch.Tensor, kp_driving: torch.Tensor,
                               kp_source: torch.Tensor) -> torch.Tensor:
        """``B×(1+5K)×h×w``: zero map, then ``G(kp_D) − G(kp_S)`` per keypoint."""
        size = source_down.shape[2:]
        heat = kp2gaussian(kp_driving, size, self.kp_variance) - kp2gaussian(kp_source, size, self.kp_variance)
        zeros = heat.new_zeros(heat.shape[0], 1, *size)
        return torch.cat([zeros, heat], dim=1)

    def transformations(self, source_down: torch.Tensor, kp_driving: torch.Tensor, kp_source: torch.Tensor,
                        bg_param: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``B×(K+1)×h×w×2`` driving->source grids: background (identity or ``bg_param`` 3×3) then K TPS."""
        bs, _, h, w = source_down.shape
        # the TPS solve (a matrix inverse) and the grids run in at least float32, also under AMP autocast
        dtype = torch.promote_types(kp_driving.dtype, torch.float32)
        with torch.autocast(device_type=kp_driving.device.type, enabled=False):
            tps = KeypointTPS(group_keypoints(kp_driving.to(dtype)), group_keypoints(kp_source.to(dtype)))
            driving_to_source = tps.grid(h, w)
            identity = make_coordinate_grid((h, w), dtype, kp_driving.device).view(1, 1, h, w, 2)
            identity = identity.expand(bs, 1, h, w, 2)
            if bg_param is not None:
                identity = apply_homography(bg_param.to(dtype), identity)
            return torch.cat([identity, driving_to_source], dim=1)

    def deformed_sources(self, source_down: torch.Tensor, transformations: torch.Tensor) -> torch.Tensor:
        """``B×(K+1)×C×h×w``: the source warped by every transformation (align_corners=True)."""
        bs, c, h, w = source_down.shape
        n = transformations.shape[1]
        src = source_down.unsqueeze(1).expand(bs, n, c, h, w).reshape(bs * n, c, h, w)
        out = warp(src, transformations.reshape(bs * n, h, w, 2), align_corners=TPSMM_ALIGN_CORNERS)
        return out.view(bs, n, c, h, w)

    def forward(self, source_image: torch.Tensor, kp_driving: torch.Tensor, kp_source: torch.Tensor,
                bg_param: Optional[torch.Tensor] = None, dropout_flag: bool = False, dropout_p: float = 0.0,
                *, source_down: Optional[torch.Tensor] = None) -> dict:
        """Motion from source to driving.

        Args:
            source_image: ``B×C×H×W`` in [0, 1] (ignored when ``source_down`` is given).
            kp_driving, kp_source: ``B×5K×2`` in [-1, 1].
            bg_param: ``B×3×3`` background transform or None (identity).
            dropout_flag, dropout_p: TPS dropout (training schedule), else plain softmax.
            source_down: the already downsampled source (``downsample(source)``), to reuse it
                across driving frames.
        Returns:
            dict with ``deformation`` ``B×h×w×2`` (the flow), ``occlusion_map`` (list of
            ``B×1×·×·``, coarse to fine), ``contribution_maps`` ``B×(K+1)×h×w``,
            ``contribution_logits``, ``deformed_source`` ``B×(K+1)×C×h×w``, ``transformations``
            ``B×(K+1)×h×w×2``, ``heatmap_representation``, ``source_down`` and
            ``hourglass_levels`` (every decoder output, coarse to fine).
        """
        if source_down is None:
            source_down = self.downsample(source_image)
        bs, _, h, w = source_down.shape
        heatmap = self.heatmap_representation(source_down, kp_driving, kp_source)
        transformations = self.transformations(source_down, kp_driving, kp_source, bg_param)
        deformed = self.deformed_sources(source_down, transformations)
        levels = self.hourglass(torch.cat([heatmap, deformed.view(bs, -1, h, w)], dim=1), return_all=True)

        logits = self.maps(levels[-1])
        if dropout_flag:
            maps = dropout_softmax(logits, dropout_p)
        else:
            maps = F.softmax(logits, dim=1)
        # Σ_k M_k·T_k, summed in the official order (transform axis first)
        deformation = (transformations.permute(0, 1, 4, 2, 3) * maps.unsqueeze(2)).sum(dim=1).permute(0, 2, 3, 1)

        occlusion = []
        if self.multi_mask:
            n_from_levels = OCCLUSION_NUM - self.up_nums
            for i in range(n_from_levels):
                occlusion.append(torch.sigmoid(self.occlusion[i](levels[len(levels) - n_from_levels + i])))
            out = levels[-1]
            for i in range(self.up_nums):
                out = self.up[i](out)
                occlusion.append(torch.sigmoid(self.occlusion[n_from_levels + i](out)))
        else:
            occlusion.append(torch.sigmoid(self.occlusion[0](levels[-1])))

        return {
            "source_down": source_down,
            "heatmap_representation": heatmap,
            "transformations": transformations,
            "deformed_source": deformed,
            "hourglass_levels": levels,
            "contribution_logits": logits,
            "contribution_maps": maps,
            "deformation": deformation,
            "occlusion_map": occlusion,
        }
