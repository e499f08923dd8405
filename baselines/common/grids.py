"""Normalised coordinate grids and homogeneous coordinates (FOMM-family convention).

A grid for an ``h×w`` map is ``h×w×2`` with the last dimension **(x, y)**
(x = column) in [-1, 1]; the end values lie on the centres of the border
pixels: ``x_j = 2·j/(w−1) − 1``. This is ``grid_sample``'s
``align_corners=True`` convention. Keypoints, region centres and motion fields
of TPSMM, MRAA and PGMM all live in this space.
"""

from __future__ import annotations

import torch


def make_coordinate_grid(
    spatial_size: tuple[int, int],
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """The ``h×w×2`` grid of (x, y) in [-1, 1] for ``spatial_size = (h, w)``.

    A side of length 1 gets the single coordinate 0 (the formula would divide by zero).
    """
    h, w = int(spatial_size[0]), int(spatial_size[1])
    x = torch.arange(w, dtype=dtype, device=device)
    y = torch.arange(h, dtype=dtype, device=device)
    # same operation order as the official code, so grids agree bit for bit
    x = 2 * (x / (w - 1)) - 1 if w > 1 else torch.zeros_like(x)
    y = 2 * (y / (h - 1)) - 1 if h > 1 else torch.zeros_like(y)
    xx = x.view(1, w).expand(h, w)
    yy = y.view(h, 1).expand(h, w)
    return torch.stack([xx, yy], dim=2)


def displacement_pixels(flow: torch.Tensor, frame_size: tuple[int, int]) -> torch.Tensor:
    """Length of a backward flow's displacement in pixels of a ``frame_size = (H, W)`` frame.

    ``flow``: ``B×h×w×2`` sampling grid (this module's convention) -> ``B×1×h×w`` (≥ 0). The
    displacement ``flow − identity`` is scaled by ``(W−1)/2`` and ``(H−1)/2``, so maps of
    different resolutions are in the same unit.
    """
    identity = make_coordinate_grid(tuple(flow.shape[1:3]), flow.dtype, flow.device)
    scale = flow.new_tensor([(frame_size[1] - 1) / 2, (frame_size[0] - 1) / 2])
    return ((flow - identity) * scale).norm(dim=-1).unsqueeze(1)


def to_homogeneous(coordinates: torch.Tensor) -> torch.Tensor:
    """``(..., 2)`` -> ``(..., 3)`` by appending 1."""
    ones = torch.ones_like(coordinates[..., :1])
    return torch.cat([coordinates, ones], dim=-1)


def from_homogeneous(coordinates: torch.Tensor) -> torch.Tensor:
    """``(..., 3)`` -> ``(..., 2)`` dividing by the last coordinate."""
    return coordinates[..., :2] / coordinates[..., 2:3]


def apply_homography(matrix: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """Transform points by per-sample 3×3 matrices in homogeneous coordinates.

    Args:
        matrix: ``B×3×3``.
        grid: ``B×...×2`` points (any number of middle dimensions).
    Returns:
        ``B×...×2``, de-homogenised (divided by the third coordinate).
    """
    b = matrix.shape[0]
    middle = grid.dim() - 2
    m = matrix.view(b, *([1] * middle), 3, 3)
    out = torch.matmul(m, to_homogeneous(grid).unsqueeze(-1)).squeeze(-1)
    return from_homogeneous(out)
