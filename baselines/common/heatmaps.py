"""Gaussian heatmaps of keypoints / regions on a normalised coordinate grid."""

from __future__ import annotations

import torch

from baselines.common.grids import make_coordinate_grid


def kp2gaussian(kp: torch.Tensor, spatial_size: tuple[int, int], kp_variance: float = 0.01) -> torch.Tensor:
    """Isotropic Gaussians ``exp(−½‖z − p‖² / σ²)`` at keypoints (FOMM/TPSMM ``kp2gaussian``).

    Args:
        kp: ``...×N×2`` keypoints (x, y) in [-1, 1].
        spatial_size: ``(h, w)`` of the map.
        kp_variance: σ² in normalised units (0.01 in TPSMM/FOMM).
    Returns:
        ``...×N×h×w`` float in (0, 1].
    """
    grid = make_coordinate_grid(spatial_size, kp.dtype, kp.device)
    lead = kp.dim() - 1
    diff = grid.view((1,) * lead + grid.shape) - kp.view(kp.shape[:-1] + (1, 1, 2))
    return torch.exp(-0.5 * (diff**2).sum(-1) / kp_variance)


def covariance_gaussian(mean: torch.Tensor, covar: torch.Tensor, spatial_size: tuple[int, int]) -> torch.Tensor:
    """Anisotropic Gaussians ``exp(−½ (z−μ)ᵀ Σ⁻¹ (z−μ))`` (MRAA ``region2gaussian`` with a covariance).

    Args:
        mean: ``...×N×2`` centres (x, y) in [-1, 1].
        covar: ``...×N×2×2`` covariance matrices (invertible).
        spatial_size: ``(h, w)``.
    Returns:
        ``...×N×h×w`` float in (0, 1].
    """
    grid = make_coordinate_grid(spatial_size, mean.dtype, mean.device)
    lead = mean.dim() - 1
    diff = grid.view((1,) * lead + grid.shape) - mean.view(mean.shape[:-1] + (1, 1, 2))
    inv = torch.inverse(covar).view(covar.shape[:-2] + (1, 1, 2, 2))
    under_exp = torch.matmul(torch.matmul(diff.unsqueeze(-2), inv), diff.unsqueeze(-1))
    return torch.exp(-0.5 * under_exp.sum(dim=(-1, -2)))
