"""MRAA generator: a Johnson-style encoder/bottleneck/decoder that warps source features (methods.md §2.6).

With ``skips`` (all official configs) the single occlusion map O (resized bilinearly to each level)
blends warped source features into the decoder at every resolution:

1. ``out = warp(f_N)·O`` (deepest encoder feature, no blending);
2. ResBlock bottleneck;
3. for each up block i: ``out = warp(f_{N−i})·O + out·(1 − O)``, then up block i
   (i = 0 blends the deepest feature a second time);
4. ``out = warp(f_0)·O + out·(1 − O)``; ``out = sigmoid(final(out))``;
5. ``prediction = warp(S)·O + out·(1 − O)`` — the pixel-space blend with the warped source.

All warps and resizes use ``align_corners=False`` (the official default-argument calls) unless the
model config sets ``align_corners: true`` (see :class:`~baselines.mraa.config.MRAAModelConfig`).
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from baselines.common.blocks import DownBlock2d, ResBlock2d, SameBlock2d, UpBlock2d
from baselines.common.warping import MRAA_ALIGN_CORNERS, resize_flow, resize_map
from baselines.mraa.flow_predictor import PixelwiseFlowPredictor, warp_precise


def warp_with_flow(inp: torch.Tensor, flow: torch.Tensor, align_corners: bool = MRAA_ALIGN_CORNERS) -> torch.Tensor:
    """Warp ``B×C×H×W`` with a flow of any resolution (bilinearly resized first), sampling in ≥ float32."""
    return warp_precise(inp, resize_flow(flow, inp.shape[2:], align_corners), align_corners)


def _width(block_expansion: int, max_features: int, i: int) -> int:
    return min(max_features, block_expansion * 2**i)


class Generator(nn.Module):
    """Source image + region parameters -> predicted driving frame.

    Args (official names): num_channels, num_regions, block_expansion, max_features, num_down_blocks,
        num_bottleneck_blocks, pixelwise_flow_predictor_params (kwargs of
        :class:`~baselines.mraa.flow_predictor.PixelwiseFlowPredictor`), skips, revert_axis_swap,
        align_corners (official False).

    Attributes with official state-dict names: ``pixelwise_flow_predictor``, ``first``,
    ``down_blocks``, ``up_blocks``, ``bottleneck.r{i}``, ``final``.
    """

    def __init__(self, num_channels: int, num_regions: int, block_expansion: int, max_features: int,
                 num_down_blocks: int, num_bottleneck_blocks: int, pixelwise_flow_predictor_params: dict,
                 skips: bool = False, revert_axis_swap: bool = True, align_corners: bool = MRAA_ALIGN_CORNERS):
        super().__init__()
        self.align_corners = bool(align_corners)
        self.pixelwise_flow_predictor = PixelwiseFlowPredictor(
            num_regions=num_regions, num_channels=num_channels, revert_axis_swap=revert_axis_swap,
            align_corners=self.align_corners, **pixelwise_flow_predictor_params)
        self.first = SameBlock2d(num_channels, block_expansion, kernel_size=(7, 7), padding=(3, 3), norm="batch")
        self.down_blocks = nn.ModuleList([
            DownBlock2d(_width(block_expansion, max_features, i), _width(block_expansion, max_features, i + 1),
                        kernel_size=(3, 3), padding=(1, 1), norm="batch")
            for i in range(num_down_blocks)
        ])
        self.up_blocks = nn.ModuleList([
            UpBlock2d(_width(block_expansion, max_features, num_down_blocks - i),
                      _width(block_expansion, max_features, num_down_blocks - i - 1),
                      kernel_size=(3, 3), padding=(1, 1), norm="batch")
            for i in range(num_down_blocks)
        ])
        width = _width(block_expansion, max_features, num_down_blocks)
        self.bottleneck = nn.Sequential()
        for i in range(num_bottleneck_blocks):
            self.bottleneck.add_module(f"r{i}", ResBlock2d(width, kernel_size=(3, 3), padding=(1, 1), norm="batch"))
        self.final = nn.Conv2d(block_expansion, num_channels, kernel_size=(7, 7), padding=(3, 3))
        self.num_channels = num_channels
        self.skips = skips

    def encode(self, source_image: torch.Tensor) -> list[torch.Tensor]:
        """Encoder features ``[f_0 (E@H), f_1, …, f_N]`` of ``B×C×H×W`` source images (reusable per video)."""
        feats = [self.first(source_image)]
        for block in self.down_blocks:
            feats.append(block(feats[-1]))
        return feats

    def _blend(self, skip: torch.Tensor, previous: Optional[torch.Tensor], motion: dict) -> torch.Tensor:
        """Warp ``skip`` with the flow; with an occlusion map O: ``skip·O (+ previous·(1 − O))``.

        Without an occlusion map the warped skip replaces ``previous`` (official behaviour).
        """
        warped = warp_with_flow(skip, motion["optical_flow"], self.align_corners)
        occlusion = motion.get("occlusion_map")
        if occlusion is None:
            return warped
        occlusion = resize_map(occlusion, warped.shape[2:], self.align_corners)
        if previous is None:
            return warped * occlusion
        return warped * occlusion + previous * (1 - occlusion)

    def decode(self, source_image: torch.Tensor, features: list[torch.Tensor], motion: dict) -> torch.Tensor:
        """Prediction ``B×C×H×W`` in [0, 1] from the encoder features and the flow predictor's output."""
        out = self._blend(features[-1], None, motion)
        out = self.bottleneck(out)
        for i, block in enumerate(self.up_blocks):
            if self.skips:
                out = self._blend(features[-(i + 1)], out, motion)
            out = block(out)
        if self.skips:
            out = self._blend(features[0], out, motion)
        out = torch.sigmoid(self.final(out))
        if self.skips:
            out = self._blend(source_image, out, motion)
        return out

    def forward(self, source_image: torch.Tensor, driving_region_params: dict, source_region_params: dict,
                bg_params: Optional[torch.Tensor] = None, *, features: Optional[list] = None,
                source_down: Optional[torch.Tensor] = None) -> dict:
        """Generate the driving frame.

        Args:
            source_image: ``B×C×H×W`` in [0, 1].
            driving_region_params, source_region_params: region parameters, batch B.
            bg_params: ``B×3×3`` or None (identity background).
            features, source_down: per-video source encodings to reuse (:meth:`encode`,
                ``pixelwise_flow_predictor.downsample``), batch B.
        Returns:
            ``prediction`` ``B×C×H×W`` in [0, 1], ``deformed`` (the source warped by the flow),
            ``occlusion_map`` (when estimated) and ``motion`` (the flow predictor's dict).
        """
        if features is None:
            features = self.encode(source_image)
        motion = self.pixelwise_flow_predictor(source_image, driving_region_params, source_region_params,
                                               bg_params, source_down=source_down)
        out = {
            "deformed": warp_with_flow(source_image, motion["optical_flow"], self.align_corners),
            "motion": motion,
            "prediction": self.decode(source_image, features, motion),
        }
        if "occlusion_map" in motion:
            out["occlusion_map"] = motion["occlusion_map"]
        return out
