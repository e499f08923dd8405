"""PGMM's image encoder E_I and generator G (paper §3.1–3.2, Fig. 3).

Scales are indexed coarse to fine: with a 128×128 input and 3 down blocks the
encoder gives ``E = [64@128², 128@64², 256@32², 512@16²]`` (fine to coarse) and
the generator runs at 16², 32², 64², 128². At scale s the generator takes the
encoder feature of that resolution, applies the CMM (-> twice the channels),
concatenates the decoder state from the coarser scale (if any), fuses the pose
(PFM, the "+pose" addition, or nothing), runs the convolution module (ResBlocks)
and the up module; a 7×7 conv and a sigmoid end the finest scale.

With ``output_blend`` (default; TPSMM's last step, which the paper does not mention but
PGMM's TPSMM base has) the frame is then blended with the source warped by the finest
CMM flow: ``Î = G·O + warp(F, I_s)·(1 − O)`` with that scale's occlusion O (1 = occluded,
the CMM's convention), so unoccluded pixels come straight from the source image.
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import nn

from baselines.common.blocks import DownBlock2d, ResBlock2d, SameBlock2d, UpBlock2d
from baselines.common.warping import TPSMM_ALIGN_CORNERS, resize_map, warp_with_flow
from pgmm.config import ENCODER_STEMS
from pgmm.modules import CoarseMotionModule, PoseAddition, PoseFusionModule


class ConvStem(nn.Module):
    """The paper's "initial 7×7 convolutional layer" alone (key ``conv``, as :class:`SameBlock2d`'s)."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.conv = nn.Conv2d(in_features, out_features, kernel_size=(7, 7), padding=(3, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class ImageEncoder(nn.Module):
    """E_I: a 7×7 stem (stride 1; the paper's "stride 3" would not leave the resolutions its decoder
    needs), then ``num_down_blocks`` × (3×3 conv, IN, ReLU, 2×2 avg-pool).

    ``stem``: ``conv`` — the paper's "initial 7×7 convolutional layer" (no normalisation: the finest
    features, which the generator's last scale reads, keep the frame's absolute colours), or
    ``conv-norm-relu`` — TPSMM's first block (conv, InstanceNorm, ReLU), under which each channel is
    z-scored over the frame and the generator must infer colours from context.
    """

    def __init__(self, num_channels: int = 3, block_expansion: int = 64, max_features: int = 512,
                 num_down_blocks: int = 3, stem: str = "conv"):
        super().__init__()
        if stem not in ENCODER_STEMS:
            raise ValueError(f"ImageEncoder: stem must be one of {', '.join(ENCODER_STEMS)}, got {stem!r}")
        self.first = (ConvStem(num_channels, block_expansion) if stem == "conv" else
                      SameBlock2d(num_channels, block_expansion, kernel_size=(7, 7), padding=(3, 3), norm="instance"))
        self.down_blocks = nn.ModuleList(
            DownBlock2d(min(max_features, block_expansion * 2**i), min(max_features, block_expansion * 2 ** (i + 1)),
                        (3, 3), (1, 1), norm="instance")
            for i in range(num_down_blocks)
        )
        self.channels = [min(max_features, block_expansion * 2**i) for i in range(num_down_blocks + 1)]

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        """``B×3×H×W`` in [0, 1] -> features fine to coarse."""
        out = self.first(image)
        maps = [out]
        for block in self.down_blocks:
            out = block(out)
            maps.append(out)
        return maps


class Generator(nn.Module):
    """G: per scale CMM -> pose fusion -> convolution module -> up module; sigmoid at the end.

    Args:
        encoder_channels: E_I channels fine to coarse.
        motion_channels: motion-feature channels coarse to fine (one per scale).
        num_transforms: K + 1.
        pose_channels: PoseNet channels coarse to fine (ignored when ``fusion == "none"``).
        fusion: ``pfm``, ``add`` or ``none``.
        pfm_scales: scales (0 = coarsest) with pose fusion; None = all.
        resblocks: ResBlocks in each convolution module (paper: 2).
        output_blend: blend the output with the warped source image (module docstring).
    """

    def __init__(self, encoder_channels: Sequence[int], motion_channels: Sequence[int], num_transforms: int,
                 pose_channels: Sequence[int], fusion: str = "pfm", pfm_scales: Optional[Sequence[int]] = None,
                 resblocks: int = 2, num_channels: int = 3, output_blend: bool = True):
        super().__init__()
        self.output_blend = bool(output_blend)
        enc = list(encoder_channels)[::-1]  # coarse to fine
        n = len(enc)
        self.num_scales = n
        self.fusion_kind = fusion
        fused = set(range(n)) if pfm_scales is None else {int(s) for s in pfm_scales}
        self.cmm = nn.ModuleList(CoarseMotionModule(motion_channels[s], num_transforms) for s in range(n))
        widths, fusion_modules, conv, up = [], nn.ModuleDict(), nn.ModuleList(), nn.ModuleList()
        prev = 0
        for s in range(n):
            c = 2 * enc[s] + prev
            widths.append(c)
            if fusion != "none" and s in fused:
                block = PoseFusionModule(c, pose_channels[s]) if fusion == "pfm" else PoseAddition(c, pose_channels[s])
                fusion_modules[str(s)] = block
            conv.append(nn.Sequential(*[ResBlock2d(c, (3, 3), (1, 1), norm="instance") for _ in range(resblocks)]))
            if s < n - 1:
                up.append(UpBlock2d(c, enc[s + 1], (3, 3), (1, 1), norm="instance"))
                prev = enc[s + 1]
        self.fusion = fusion_modules
        self.conv = conv
        self.up = up
        self.final = nn.Conv2d(widths[-1], num_channels, kernel_size=(7, 7), padding=(3, 3))
        self.widths = widths

    def forward(self, encoder_maps: Sequence[torch.Tensor], motion: Optional[Sequence[tuple]] = None,
                pose: Optional[Sequence[torch.Tensor]] = None, *, use_fusion: bool = True,
                source: Optional[torch.Tensor] = None) -> dict:
        """Generate a frame.

        Args:
            encoder_maps: E_I features fine to coarse (batch B or 1, broadcast).
            motion: per scale (coarse to fine) ``(flow B×h×w×2, occlusion B×1×h×w)``; None runs
                the alignment path of eq. 11 (no CMM transform: ``[X, X]``).
            pose: PoseNet features coarse to fine; required when pose fusion is built.
            use_fusion: False skips the pose fusion (Fig. 7: output without PFM).
            source: the source image ``B×3×H×W`` (or batch 1) in [0, 1]; needed for the output
                blend when ``motion`` is given.
        Returns:
            ``prediction`` ``B×3×H×W`` in [0, 1], ``conv_outputs`` (the convolution-module
            outputs Y^i, coarse to fine; used by the feature-alignment loss) and, with the
            blend, ``deformed`` (the warped source) and ``generated`` (G's own output).
        """
        maps = list(encoder_maps)[::-1]
        bs = max(m.shape[0] for m in maps)
        if motion is not None:
            bs = max(bs, motion[0][0].shape[0])
        if pose is not None:
            bs = max(bs, pose[0].shape[0])
        out = None
        conv_outputs = []
        for s in range(self.num_scales):
            x = maps[s].expand(bs, *maps[s].shape[1:]) if maps[s].shape[0] != bs else maps[s]
            flow, occ = motion[s] if motion is not None else (None, None)
            x = self.cmm[s](x, flow, occ)
            if out is not None:
                x = torch.cat([out, x], dim=1)
            key = str(s)
            if use_fusion and key in self.fusion:
                if pose is None:
                    raise ValueError("PGMM generator: pose features are required (pose fusion is built)")
                x = self.fusion[key](x, pose[s])
            x = self.conv[s](x)
            conv_outputs.append(x)
            out = self.up[s](x) if s < self.num_scales - 1 else x
        prediction = torch.sigmoid(self.final(out))
        result = {"prediction": prediction, "conv_outputs": conv_outputs}
        if self.output_blend and motion is not None:
            if source is None:
                raise ValueError("PGMM generator: the output blend needs the source image")
            flow, occ = motion[-1]
            if source.shape[0] != bs:
                source = source.expand(bs, *source.shape[1:])
            deformed = warp_with_flow(source, flow, align_corners=TPSMM_ALIGN_CORNERS)
            occ = resize_map(occ, prediction.shape[2:], align_corners=TPSMM_ALIGN_CORNERS)
            result.update(prediction=prediction * occ + deformed * (1 - occ), generated=prediction, deformed=deformed)
        return result
