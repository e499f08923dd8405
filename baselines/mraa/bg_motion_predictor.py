"""MRAA background motion: one global 3×3 transform per (source, driving) pair (methods.md §2.4)."""

from __future__ import annotations

import torch
from torch import nn

from baselines.common.hourglass import Encoder

# bg_type -> (fc outputs, identity bias); 'zero' has no parameters at all
_HEADS = {
    "shift": (2, (0.0, 0.0)),
    "affine": (6, (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)),
    "perspective": (8, (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)),
}


class BGMotionPredictor(nn.Module):
    """``(source, driving)`` -> ``B×3×3`` background transform (maps driving coordinates to source).

    Args (official names): block_expansion, num_channels, max_features, num_blocks, bg_type:

    - ``zero``: always the identity, no parameters (official mgif256);
    - ``shift``: translation (fc -> 2 values into the last column);
    - ``affine``: the top two rows (fc -> 6 values; all official configs but mgif);
    - ``perspective``: affine rows plus the first two entries of the bottom row (fc -> 8).

    The ``fc`` starts at zero weight and identity bias, so an untrained predictor returns the identity.
    Attributes with official state-dict names: ``encoder`` (BatchNorm down blocks), ``fc``.
    """

    def __init__(self, block_expansion: int, num_channels: int, max_features: int, num_blocks: int,
                 bg_type: str = "zero"):
        super().__init__()
        if bg_type not in ("zero", *_HEADS):
            raise ValueError(f"bg_type must be one of zero, {', '.join(_HEADS)}; got {bg_type!r}")
        self.bg_type = bg_type
        if bg_type != "zero":
            self.encoder = Encoder(block_expansion, 2 * num_channels, num_blocks, max_features, norm="batch")
            n_out, bias = _HEADS[bg_type]
            self.fc = nn.Linear(self.encoder.out_channels[-1], n_out)
            with torch.no_grad():
                self.fc.weight.zero_()
                self.fc.bias.copy_(torch.tensor(bias))

    def forward(self, source_image: torch.Tensor, driving_image: torch.Tensor) -> torch.Tensor:
        """Both ``B×C×H×W`` in [0, 1] (source first in the channel concat) -> ``B×3×3``."""
        bs = source_image.shape[0]
        eye = torch.eye(3, dtype=source_image.dtype, device=source_image.device).expand(bs, 3, 3)
        if self.bg_type == "zero":
            return eye.clone()
        features = self.encoder(torch.cat([source_image, driving_image], dim=1))[-1]
        p = self.fc(features.mean(dim=(2, 3)))
        zero = p.new_zeros(bs, 1)
        one = p.new_ones(bs, 1)
        if self.bg_type == "shift":
            rows = [one, zero, p[:, 0:1], zero, one, p[:, 1:2], zero, zero, one]
        elif self.bg_type == "affine":
            rows = [p, zero, zero, one]
        else:
            rows = [p, one]
        return torch.cat(rows, dim=1).view(bs, 3, 3)
