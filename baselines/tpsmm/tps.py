"""Thin-plate splines from keypoint groups (TPSMM Eq. 2, ``TPS(mode='kp')``; methods.md §1.5).

Each TPS k of a sample maps **driving** coordinates to **source** coordinates,
with control points ``p_i`` = driving keypoints ``5k … 5k+4`` and targets
``q_i`` = the source keypoints of the same indices:

- kernel ``U(s) = s·log(s + 1e-9)`` on squared distances ``s = ‖·‖²``;
- ``L = [[K, P], [Pᵀ, 0]] + 0.01·I`` (the whole matrix is regularised),
  ``P = [p, 1]``, ``Y = [q; 0]``, ``[w; a] = L⁻¹ Y`` (explicit inverse, as official);
- ``T(z) = θ[:, :2]·z + θ[:, 2] + Σ_i w_i·U(‖z − p_i‖²)`` with ``θ = aᵀ``.

Because of the regulariser, equal keypoint sets give a warp close to, not
exactly, the identity (``regularization=0`` gives the exact identity).
"""

from __future__ import annotations

import torch

from baselines.common.grids import make_coordinate_grid

TPS_REGULARIZATION = 0.01


def _kernel(s: torch.Tensor) -> torch.Tensor:
    return s * torch.log(s + 1e-9)


class KeypointTPS:
    """K thin-plate splines per sample, solved from keypoint groups.

    Args:
        kp_driving: ``B×K×n×2`` control points (driving frame), (x, y) in [-1, 1].
        kp_source: ``B×K×n×2`` targets (source frame).
        regularization: λ of ``L + λI`` (official 0.01).

    Attributes:
        theta: ``B×K×2×3`` affine part; control_params: ``B×K×n×2`` radial weights;
        control_points: ``B×K×n×2`` (= ``kp_driving``).
    """

    def __init__(self, kp_driving: torch.Tensor, kp_source: torch.Tensor,
                 regularization: float = TPS_REGULARIZATION):
        if kp_driving.shape != kp_source.shape or kp_driving.dim() != 4 or kp_driving.shape[-1] != 2:
            raise ValueError(
                f"KeypointTPS expects two B×K×n×2 tensors of equal shape, got "
                f"{tuple(kp_driving.shape)} and {tuple(kp_source.shape)}"
            )
        bs, k, n, _ = kp_driving.shape
        self.bs, self.num_tps = bs, k
        dtype, device = kp_driving.dtype, kp_driving.device
        # ‖p_i − p_j‖ then squared (the official order of operations)
        dist = torch.norm(kp_driving[:, :, :, None] - kp_driving[:, :, None, :], dim=4, p=2)
        kmat = _kernel(dist**2)
        p = torch.cat([kp_driving, torch.ones(bs, k, n, 1, dtype=dtype, device=device)], dim=3)  # B×K×n×3
        top = torch.cat([kmat, p], dim=3)  # B×K×n×(n+3)
        bottom = torch.cat([p.transpose(2, 3), torch.zeros(bs, k, 3, 3, dtype=dtype, device=device)], dim=3)
        lmat = torch.cat([top, bottom], dim=2)  # B×K×(n+3)×(n+3)
        lmat = lmat + regularization * torch.eye(n + 3, dtype=dtype, device=device)
        y = torch.cat([kp_source, torch.zeros(bs, k, 3, 2, dtype=dtype, device=device)], dim=2)
        param = torch.matmul(torch.inverse(lmat), y)  # B×K×(n+3)×2
        self.theta = param[:, :, n:, :].transpose(2, 3)
        self.control_params = param[:, :, :n, :]
        self.control_points = kp_driving

    def warp_coordinates(self, coordinates: torch.Tensor) -> torch.Tensor:
        """``B×N×2`` (or ``1×N×2``) driving points -> ``B×K×N×2`` source points."""
        theta = self.theta.to(coordinates.dtype)
        affine = torch.matmul(theta[..., :2], coordinates.transpose(1, 2).unsqueeze(1)) + theta[..., 2:]
        diff = coordinates.view(coordinates.shape[0], 1, 1, -1, 2) - self.control_points.view(
            self.bs, self.num_tps, -1, 1, 2)
        radial = _kernel((diff**2).sum(-1))  # B×K×n×N
        radial = torch.matmul(radial.transpose(2, 3), self.control_params)  # B×K×N×2
        return affine.transpose(2, 3) + radial

    def grid(self, height: int, width: int) -> torch.Tensor:
        """``B×K×H×W×2`` driving-to-source sampling grids on the ``H×W`` coordinate grid."""
        g = make_coordinate_grid((height, width), self.theta.dtype, self.theta.device).view(1, height * width, 2)
        return self.warp_coordinates(g).view(self.bs, self.num_tps, height, width, 2)


def group_keypoints(kp: torch.Tensor, points_per_tps: int = 5) -> torch.Tensor:
    """``B×(5K)×2`` -> ``B×K×5×2`` (TPS k uses keypoints ``5k … 5k+4``)."""
    return kp.view(kp.shape[0], -1, points_per_tps, 2)
