"""MRAA pixel-wise flow predictor: K region affines + background -> dense flow and occlusion (methods.md §2.5).

Pipeline at the motion resolution ``h×w = scale_factor·(H×W)``, transforms ordered
``[background, region 0 … region K−1]``:

1. heatmaps: per region ``G_D − G_S`` with Gaussians of the full region covariance
   (``use_covar_heatmap``) or of variance ``region_var``, a zero map first -> ``B×(K+1)×1×h×w``;
2. sparse motions (driving -> source): ``T_k(z) = M_k·(z − μ_D,k) + μ_S,k`` with
   ``M_k = A_S,k·A_D,k⁻¹`` (sign-corrected), the background the identity grid mapped by the 3×3
   background transform -> ``B×(K+1)×h×w×2``;
3. the downsampled source warped by each (``align_corners=False``) -> ``B×(K+1)×C×h×w``;
4. hourglass input: per transform ``[heatmap, R, G, B]`` (interleaved, unlike TPSMM);
5. ``mask`` conv -> softmax over K+1 -> ``optical_flow = Σ_k mask_k·T_k``; ``occlusion`` conv -> sigmoid.
"""

from __future__ import annotations

import contextlib
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from baselines.common.downsample import AntiAliasInterpolation2d
from baselines.common.grids import apply_homography, make_coordinate_grid
from baselines.common.heatmaps import covariance_gaussian, kp2gaussian
from baselines.common.hourglass import Hourglass
from baselines.common.warping import MRAA_ALIGN_CORNERS, warp
from baselines.mraa.regions import relative_affine


@contextlib.contextmanager
def _full_precision(like: torch.Tensor):
    """Autocast off; yields the dtype (≥ float32) the geometry is computed in (inverses, grids, Gaussians)."""
    with torch.autocast(device_type=like.device.type, enabled=False):
        yield torch.promote_types(like.dtype, torch.float32)


def _cast(params: dict, dtype: torch.dtype) -> dict:
    return {k: v.to(dtype) for k, v in params.items() if k in ("shift", "affine", "covar")}


def warp_precise(image: torch.Tensor, grid: torch.Tensor, align_corners: bool = MRAA_ALIGN_CORNERS) -> torch.Tensor:
    """Backward warp (official: ``align_corners=False``) sampling in at least float32.

    Under AMP the features may be half precision; sampling coordinates in half precision would be off
    by up to ~0.4% of the image (bf16), so both are promoted (a no-op in float32/float64).
    """
    dtype = torch.promote_types(torch.promote_types(image.dtype, grid.dtype), torch.float32)
    return warp(image.to(dtype), grid.to(dtype), align_corners=align_corners)


class PixelwiseFlowPredictor(nn.Module):
    """Dense motion from region parameters (module docstring).

    Args (official names): block_expansion, num_blocks, max_features (hourglass), num_regions (K),
        num_channels, estimate_occlusion_map, scale_factor (0.25), region_var (0.01),
        use_covar_heatmap, use_deformed_source, revert_axis_swap (sign rule on ``A_S·A_D⁻¹``),
        align_corners (grid_sample convention; official False, see :class:`~baselines.mraa.config.MRAAModelConfig`).

    Attributes with official state-dict names: ``hourglass`` (BatchNorm), ``mask``, ``occlusion``
    (when estimated), ``down`` (when scale_factor ≠ 1).
    """

    def __init__(self, block_expansion: int, num_blocks: int, max_features: int, num_regions: int,
                 num_channels: int, estimate_occlusion_map: bool = False, scale_factor: float = 1,
                 region_var: float = 0.01, use_covar_heatmap: bool = False, use_deformed_source: bool = True,
                 revert_axis_swap: bool = False, align_corners: bool = MRAA_ALIGN_CORNERS):
        super().__init__()
        in_features = (num_regions + 1) * (num_channels * int(use_deformed_source) + 1)
        self.hourglass = Hourglass(block_expansion, in_features, num_blocks, max_features, norm="batch")
        self.mask = nn.Conv2d(self.hourglass.out_filters, num_regions + 1, kernel_size=(7, 7), padding=(3, 3))
        if estimate_occlusion_map:
            self.occlusion = nn.Conv2d(self.hourglass.out_filters, 1, kernel_size=(7, 7), padding=(3, 3))
        else:
            self.occlusion = None
        self.num_regions = num_regions
        self.scale_factor = scale_factor
        self.region_var = region_var
        self.use_covar_heatmap = use_covar_heatmap
        self.use_deformed_source = use_deformed_source
        self.revert_axis_swap = revert_axis_swap
        self.align_corners = bool(align_corners)
        if scale_factor != 1:
            self.down = AntiAliasInterpolation2d(num_channels, scale_factor, subsample="slice")

    # -- the stages, public so that tests and visualisations can call them ------------------------------
    def downsample(self, source_image: torch.Tensor) -> torch.Tensor:
        """The source at the motion resolution."""
        return self.down(source_image) if self.scale_factor != 1 else source_image

    def _gaussians(self, params: dict, size) -> torch.Tensor:
        if self.use_covar_heatmap:
            return covariance_gaussian(params["shift"], params["covar"], size)
        return kp2gaussian(params["shift"], size, self.region_var)

    def heatmap_representation(self, source_down: torch.Tensor, driving_params: dict,
                               source_params: dict) -> torch.Tensor:
        """``B×(K+1)×1×h×w``: a zero map (background), then ``G_D − G_S`` per region."""
        size = source_down.shape[2:]
        with _full_precision(driving_params["shift"]) as dtype:
            heat = (self._gaussians(_cast(driving_params, dtype), size)
                    - self._gaussians(_cast(source_params, dtype), size))
        zeros = heat.new_zeros(heat.shape[0], 1, *size)
        return torch.cat([zeros, heat], dim=1).unsqueeze(2)

    def sparse_motions(self, source_down: torch.Tensor, driving_params: dict, source_params: dict,
                       bg_params: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``B×(K+1)×h×w×2`` driving->source grids: background, then one affine map per region."""
        bs, _, h, w = source_down.shape
        k = self.num_regions
        with _full_precision(driving_params["shift"]) as dtype:
            driving_params, source_params = _cast(driving_params, dtype), _cast(source_params, dtype)
            identity = make_coordinate_grid((h, w), dtype, source_down.device).view(1, 1, h, w, 2)
            grid = identity - driving_params["shift"].view(bs, k, 1, 1, 2)
            if "affine" in driving_params:
                affine = relative_affine(source_params["affine"], driving_params["affine"], self.revert_axis_swap)
                grid = torch.matmul(affine.view(bs, k, 1, 1, 2, 2), grid.unsqueeze(-1)).squeeze(-1)
            regions = grid + source_params["shift"].view(bs, k, 1, 1, 2)
            background = identity.expand(bs, 1, h, w, 2)
            if bg_params is not None:
                background = apply_homography(bg_params.to(dtype), background)
            return torch.cat([background, regions], dim=1)

    def deformed_sources(self, source_down: torch.Tensor, sparse_motions: torch.Tensor) -> torch.Tensor:
        """``B×(K+1)×C×h×w``: the source warped by every transform (``align_corners=False``)."""
        bs, c, h, w = source_down.shape
        n = sparse_motions.shape[1]
        src = source_down.unsqueeze(1).expand(bs, n, c, h, w).reshape(bs * n, c, h, w)
        out = warp_precise(src, sparse_motions.reshape(bs * n, h, w, 2), self.align_corners)
        return out.view(bs, n, c, h, w)

    def forward(self, source_image: torch.Tensor, driving_region_params: dict, source_region_params: dict,
                bg_params: Optional[torch.Tensor] = None, *, source_down: Optional[torch.Tensor] = None) -> dict:
        """Motion from source to driving.

        Args:
            source_image: ``B×C×H×W`` in [0, 1] (ignored when ``source_down`` is given).
            driving_region_params, source_region_params: region parameter dicts (``shift``, ``affine``,
                ``covar``), batch B.
            bg_params: ``B×3×3`` background transform or None (identity).
            source_down: the already downsampled source (``downsample(source)``), reused across frames.
        Returns:
            dict with ``optical_flow`` ``B×h×w×2``, ``occlusion_map`` ``B×1×h×w`` (when estimated),
            ``mask`` ``B×(K+1)×h×w``, ``mask_logits``, ``sparse_motion`` ``B×(K+1)×h×w×2``,
            ``sparse_deformed`` ``B×(K+1)×C×h×w``, ``heatmap_representation`` ``B×(K+1)×1×h×w``
            and ``source_down``.
        """
        if source_down is None:
            source_down = self.downsample(source_image)
        bs, _, h, w = source_down.shape
        heatmap = self.heatmap_representation(source_down, driving_region_params, source_region_params)
        sparse = self.sparse_motions(source_down, driving_region_params, source_region_params, bg_params)
        deformed = self.deformed_sources(source_down, sparse)
        inp = torch.cat([heatmap, deformed], dim=2) if self.use_deformed_source else heatmap
        features = self.hourglass(inp.view(bs, -1, h, w))

        logits = self.mask(features)
        mask = F.softmax(logits, dim=1)
        # Σ_k mask_k·T_k, summed over the transform axis as the official code does
        flow = (sparse.permute(0, 1, 4, 2, 3) * mask.unsqueeze(2)).sum(dim=1).permute(0, 2, 3, 1)
        out = {
            "source_down": source_down,
            "heatmap_representation": heatmap,
            "sparse_motion": sparse,
            "sparse_deformed": deformed,
            "mask_logits": logits,
            "mask": mask,
            "optical_flow": flow,
        }
        if self.occlusion is not None:
            out["occlusion_map"] = torch.sigmoid(self.occlusion(features))
        return out
