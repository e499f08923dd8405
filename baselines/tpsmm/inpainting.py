"""TPSMM inpainting network: warps encoder features with the flow and decodes the driving frame (§1.7)."""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from baselines.common.blocks import DownBlock2d, ResBlock2d, SameBlock2d, UpBlock2d
from baselines.common.warping import TPSMM_ALIGN_CORNERS, resize_map, warp_with_flow


def _deform(x: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    return warp_with_flow(x, flow, align_corners=TPSMM_ALIGN_CORNERS)


class InpaintingNetwork(nn.Module):
    """Encoder (``first`` + ``down_blocks``) / decoder (``resblock``, ``up_blocks``, ``final``) with warped skips.

    Args (official names): num_channels (3), block_expansion (64), max_features (512),
        num_down_blocks (3; must be 3 with multi_mask, which supplies 4 masks), multi_mask.

    Decoder modules are stored in reverse order (coarse first), as in the official checkpoints.
    """

    def __init__(self, num_channels: int = 3, block_expansion: int = 64, max_features: int = 512,
                 num_down_blocks: int = 3, multi_mask: bool = True, **_unused):
        super().__init__()
        if multi_mask and num_down_blocks != 3:
            raise ValueError(f"InpaintingNetwork: multi_mask needs num_down_blocks = 3, got {num_down_blocks}")
        self.num_down_blocks = num_down_blocks
        self.multi_mask = multi_mask
        self.num_channels = num_channels
        self.first = SameBlock2d(num_channels, block_expansion, kernel_size=(7, 7), padding=(3, 3), norm="instance")
        down, up, res = [], [], []
        for i in range(num_down_blocks):
            cin = min(max_features, block_expansion * 2**i)
            cout = min(max_features, block_expansion * 2 ** (i + 1))
            down.append(DownBlock2d(cin, cout, (3, 3), (1, 1), norm="instance"))
            dec_in = cout if i == num_down_blocks - 1 else 2 * cout
            up.append(UpBlock2d(dec_in, cin, (3, 3), (1, 1), norm="instance"))
            res += [ResBlock2d(dec_in, (3, 3), (1, 1), norm="instance") for _ in range(2)]
        self.down_blocks = nn.ModuleList(down)
        self.up_blocks = nn.ModuleList(up[::-1])
        self.resblock = nn.ModuleList(res[::-1])
        self.final = nn.Conv2d(block_expansion, num_channels, kernel_size=(7, 7), padding=(3, 3))

    def _occlude(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if not self.multi_mask:
            mask = resize_map(mask, x.shape[2:], align_corners=TPSMM_ALIGN_CORNERS)
        return x * mask

    def encode(self, image: torch.Tensor) -> list[torch.Tensor]:
        """Encoder features ``[first, down_1, …, down_N]`` (fine to coarse) of ``B×C×H×W`` in [0, 1]."""
        out = self.first(image)
        maps = [out]
        for block in self.down_blocks:
            out = block(out)
            maps.append(out)
        return maps

    def forward(self, source_image: torch.Tensor, dense_motion: dict, *,
                encoder_maps: Optional[list[torch.Tensor]] = None, warped_maps: bool = True) -> dict:
        """Generate the driving frame.

        Args:
            source_image: ``B×C×H×W`` in [0, 1].
            dense_motion: output of :class:`DenseMotionNetwork` (``deformation``, ``occlusion_map``).
            encoder_maps: precomputed :meth:`encode` of the source (batch 1 or B), reused across frames.
            warped_maps: also return ``warped_encoder_maps`` (detached inputs; for the warp loss).
        Returns:
            dict with ``prediction`` ``B×C×H×W`` in [0, 1], ``deformed`` (source warped at full
            resolution), ``occlusion_map``, and ``warped_encoder_maps`` (coarse to fine) when asked.
        """
        flow = dense_motion["deformation"]
        occ = dense_motion["occlusion_map"]
        bs = flow.shape[0]
        if encoder_maps is None:
            encoder_maps = self.encode(source_image)
        encoder_maps = [m.expand(bs, *m.shape[1:]) if m.shape[0] != bs else m for m in encoder_maps]
        if source_image.shape[0] != bs:
            source_image = source_image.expand(bs, *source_image.shape[1:])

        warped_detached = []
        out = encoder_maps[-1]
        if warped_maps:
            warped_detached.append(self._occlude(_deform(out.detach(), flow), occ[0].detach()))
        out = self._occlude(_deform(out, flow), occ[0])

        skip = out
        for i in range(self.num_down_blocks):
            out = self.resblock[2 * i + 1](self.resblock[2 * i](out))
            out = self.up_blocks[i](out)
            feat = encoder_maps[-(i + 2)]
            mask = occ[i + 1] if self.multi_mask else occ[0]
            if warped_maps:
                warped_detached.append(self._occlude(_deform(feat.detach(), flow), mask.detach()))
            skip = self._occlude(_deform(feat, flow), mask)
            if i < self.num_down_blocks - 1:
                out = torch.cat([out, skip], dim=1)

        deformed = _deform(source_image, flow)
        occ_last = occ[-1]
        if not self.multi_mask:
            occ_last = resize_map(occ_last, out.shape[2:], align_corners=TPSMM_ALIGN_CORNERS)
        out = out * (1 - occ_last) + skip
        out = torch.sigmoid(self.final(out))
        prediction = out * (1 - occ_last) + deformed * occ_last
        result = {"prediction": prediction, "deformed": deformed, "occlusion_map": occ}
        if warped_maps:
            result["warped_encoder_maps"] = warped_detached
        return result

    def get_encode(self, driving_image: torch.Tensor, occlusion_map: list[torch.Tensor]) -> list[torch.Tensor]:
        """Detached, occluded encoder features of the driving frame, fine to coarse (warp-loss targets).

        Mask pairing as official: level 0 with ``occlusion_map[-1]``, level ``i+1`` with
        ``occlusion_map[2 − i]`` (num_down_blocks = 3); without multi_mask the single mask
        (resized) for every level.
        """
        out = self.first(driving_image)
        maps = [self._occlude(out.detach(), occlusion_map[-1].detach())]
        for i, block in enumerate(self.down_blocks):
            out = block(out.detach())
            mask = occlusion_map[2 - i] if self.multi_mask else occlusion_map[0]
            maps.append(self._occlude(out.detach(), mask.detach()).detach())
        return maps
