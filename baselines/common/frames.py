"""Resizing frames to the resolution a model runs at (training batches, animator inputs/outputs)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def resize_frames(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize ``B×C×H×W`` frames in [0, 1] to ``size = (h, w)``; a no-op when the size already matches.

    Bilinear (``align_corners=False``), anti-aliased when shrinking either side, clamped to [0, 1]
    (bilinear interpolation cannot overshoot, but antialias filtering can by a few ulps).
    """
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    shrink = x.shape[-2] > size[0] or x.shape[-1] > size[1]
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False, antialias=shrink).clamp(0, 1)
