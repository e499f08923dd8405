"""Backward warping with grid_sample, with ``align_corners`` chosen per method.

A flow / grid is ``B×H×W×2``: for every output (driving-frame) pixel the (x, y)
location in [-1, 1] to sample in the source. The official checkpoints were
trained with different conventions, so every call takes ``align_corners``
explicitly (methods.md §0.1):

- TPSMM passes ``align_corners=True`` to every grid_sample / bilinear resize
  (:data:`TPSMM_ALIGN_CORNERS`);
- MRAA (torch 1.4 defaults) uses ``align_corners=False`` (:data:`MRAA_ALIGN_CORNERS`).

With ``align_corners=True`` the identity grid of :func:`make_coordinate_grid`
reproduces an image exactly; with ``False`` it does not (it samples between
pixel centres), which is what the MRAA weights expect.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

TPSMM_ALIGN_CORNERS = True
MRAA_ALIGN_CORNERS = False


def warp(image: torch.Tensor, grid: torch.Tensor, align_corners: bool, padding_mode: str = "zeros") -> torch.Tensor:
    """Bilinear backward warp: ``B×C×H×W`` sampled at ``B×h×w×2`` -> ``B×C×h×w``."""
    if grid.dtype != image.dtype:
        grid = grid.to(image.dtype)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode=padding_mode, align_corners=align_corners)


def resize_flow(flow: torch.Tensor, size: tuple[int, int], align_corners: bool) -> torch.Tensor:
    """Bilinearly resize a ``B×h×w×2`` flow to ``B×H×W×2`` (values are coordinates, not rescaled)."""
    if tuple(flow.shape[1:3]) == tuple(size):
        return flow
    out = F.interpolate(flow.permute(0, 3, 1, 2), size=tuple(size), mode="bilinear", align_corners=align_corners)
    return out.permute(0, 2, 3, 1)


def resize_map(x: torch.Tensor, size: tuple[int, int], align_corners: bool) -> torch.Tensor:
    """Bilinearly resize a ``B×C×h×w`` map (e.g. an occlusion mask) to ``size`` (no-op when equal)."""
    if tuple(x.shape[2:]) == tuple(size):
        return x
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=align_corners)


def warp_with_flow(inp: torch.Tensor, flow: torch.Tensor, align_corners: bool) -> torch.Tensor:
    """Warp ``B×C×H×W`` features with a flow of any resolution (resized to ``H×W`` first).

    This is TPSMM's ``deform_input`` and MRAA's per-level feature warp.
    """
    flow = resize_flow(flow, inp.shape[2:], align_corners)
    return warp(inp, flow, align_corners)
