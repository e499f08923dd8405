"""U-Net style Hourglass (``encoder.down_blocks.{i}`` + ``decoder.up_blocks.{i}``) of the FOMM family.

Channel rule (E = block_expansion, F = in_features, M = max_features, N = num_blocks):
encoder block i maps ``F if i == 0 else min(M, E·2^i)`` -> ``min(M, E·2^(i+1))``; the decoder
walks back up, concatenating the encoder feature of the same resolution after each
up-block, so its last output has ``E + F`` channels. TPSMM also uses every decoder
level (``return_all=True``) for its multi-resolution occlusion masks; PGMM reuses
those levels as motion features.
"""

from __future__ import annotations

import torch
from torch import nn

from baselines.common.blocks import DownBlock2d, NormKind, UpBlock2d


def _width(block_expansion: int, max_features: int, i: int) -> int:
    return min(max_features, block_expansion * (2**i))


class Encoder(nn.Module):
    """``N`` down blocks; ``forward`` returns ``[x, d1, …, dN]`` (input first, coarsest last)."""

    def __init__(self, block_expansion: int, in_features: int, num_blocks: int = 3, max_features: int = 256,
                 *, norm: NormKind):
        super().__init__()
        blocks = []
        for i in range(num_blocks):
            cin = in_features if i == 0 else _width(block_expansion, max_features, i)
            blocks.append(DownBlock2d(cin, _width(block_expansion, max_features, i + 1), 3, 1, norm=norm))
        self.down_blocks = nn.ModuleList(blocks)
        self.out_channels = [in_features] + [_width(block_expansion, max_features, i + 1) for i in range(num_blocks)]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outs = [x]
        for block in self.down_blocks:
            outs.append(block(outs[-1]))
        return outs


class Decoder(nn.Module):
    """``N`` up blocks with skip concatenation.

    Attributes:
        level_channels: channels of each decoder level output (coarse to fine); the last
            one is ``out_filters = E + F``.
    """

    def __init__(self, block_expansion: int, in_features: int, num_blocks: int = 3, max_features: int = 256,
                 *, norm: NormKind):
        super().__init__()
        blocks = []
        self.level_channels: list[int] = []
        for i in reversed(range(num_blocks)):
            cin = (1 if i == num_blocks - 1 else 2) * _width(block_expansion, max_features, i + 1)
            cout = _width(block_expansion, max_features, i)
            blocks.append(UpBlock2d(cin, cout, 3, 1, norm=norm))
            skip = in_features if i == 0 else _width(block_expansion, max_features, i)
            self.level_channels.append(cout + skip)
        self.up_blocks = nn.ModuleList(blocks)
        self.out_filters = block_expansion + in_features

    def forward(self, features: list[torch.Tensor], return_all: bool = False):
        """``features`` = the encoder's list (not modified). Returns the last level, or all levels."""
        out = features[-1]
        levels = []
        for j, block in enumerate(self.up_blocks):
            out = torch.cat([block(out), features[-(j + 2)]], dim=1)
            levels.append(out)
        return levels if return_all else out


class Hourglass(nn.Module):
    """Encoder + decoder. ``forward(x)`` -> ``B×(E+F)×H×W``; ``return_all=True`` -> list of levels.

    H and W must be divisible by ``2**num_blocks``.
    """

    def __init__(self, block_expansion: int, in_features: int, num_blocks: int = 3, max_features: int = 256,
                 *, norm: NormKind):
        super().__init__()
        self.encoder = Encoder(block_expansion, in_features, num_blocks, max_features, norm=norm)
        self.decoder = Decoder(block_expansion, in_features, num_blocks, max_features, norm=norm)
        self.out_filters = self.decoder.out_filters
        self.level_channels = self.decoder.level_channels

    def forward(self, x: torch.Tensor, return_all: bool = False):
        return self.decoder(self.encoder(x), return_all=return_all)
