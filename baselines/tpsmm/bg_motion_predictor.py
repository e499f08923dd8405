"""TPSMM background motion: a 6-channel ResNet-18 predicting one affine transform (methods.md §1.4)."""

from __future__ import annotations

import torch
from torch import nn

from baselines.tpsmm.keypoint_detector import resnet18


class BGMotionPredictor(nn.Module):
    """``(source, driving)`` -> ``B×3×3`` affine background transform (bottom row ``[0, 0, 1]``).

    The ``fc`` starts at zero weight and identity bias, so an untrained predictor returns
    exactly the identity (the official code relies on this when a checkpoint has no
    ``bg_predictor``).
    """

    def __init__(self, num_channels: int = 3):
        super().__init__()
        self.bg_encoder = resnet18(2 * num_channels, 6)
        with torch.no_grad():
            self.bg_encoder.fc.weight.zero_()
            self.bg_encoder.fc.bias.copy_(torch.tensor([1.0, 0, 0, 0, 1, 0]))

    def forward(self, source_image: torch.Tensor, driving_image: torch.Tensor) -> torch.Tensor:
        """Both ``B×C×H×W`` in [0, 1] (source first in the channel concat)."""
        bs = source_image.shape[0]
        top = self.bg_encoder(torch.cat([source_image, driving_image], dim=1)).view(bs, 2, 3)
        bottom = torch.tensor([0.0, 0.0, 1.0], dtype=top.dtype, device=top.device).expand(bs, 1, 3)
        return torch.cat([top, bottom], dim=1)
