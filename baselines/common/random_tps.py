"""Random thin-plate-spline warps for the equivariance losses (methods.md §0.5).

Both families draw, per sample, an affine ``θ = I₂ₓ₃ + N(0, σ_affine)`` and
radial weights ``w ~ N(0, σ_tps)`` of shape ``B×1×P²`` on a ``P×P`` grid of
control points over [-1, 1]²; the **same** radial term is added to x and y.
They differ in the radial kernel:

- ``kernel="tpsmm"`` (TPSMM ``TPS(mode='random')``): ``s·log(s + 1e-9)`` with
  ``s = dx² + dy²`` (squared Euclidean distance);
- ``kernel="fomm"`` (FOMM/MRAA ``Transform``): ``d²·log(d + 1e-6)`` with the
  L1 distance ``d = |dx| + |dy|``.

Random draws use ``torch.randn`` on the CPU (global generator unless one is
given) in the official order — θ first, then w — so a seed reproduces the
official transform exactly.
"""

from __future__ import annotations

from typing import Literal, Optional

import torch

from baselines.common.grids import make_coordinate_grid
from baselines.common.warping import warp

Kernel = Literal["tpsmm", "fomm"]


class RandomTPS:
    """A batch of random TPS warps ``T: [-1,1]² -> R²`` (one per sample).

    Args:
        theta: ``B×2×3`` affine part.
        control_params: ``B×1×P²`` radial weights, or None for an affine-only warp.
        points_tps: P (control grid side).
        kernel: ``"tpsmm"`` or ``"fomm"`` (see module docstring).
    """

    def __init__(self, theta: torch.Tensor, control_params: Optional[torch.Tensor], points_tps: int = 5,
                 kernel: Kernel = "tpsmm"):
        if kernel not in ("tpsmm", "fomm"):
            raise ValueError(f"kernel must be 'tpsmm' or 'fomm', got {kernel!r}")
        self.theta = theta
        self.control_params = control_params
        self.kernel = kernel
        self.bs = theta.shape[0]
        self.control_points = make_coordinate_grid((points_tps, points_tps), theta.dtype, theta.device).view(-1, 2)

    @classmethod
    def sample(cls, batch_size: int, sigma_affine: float = 0.05, sigma_tps: Optional[float] = 0.005,
               points_tps: int = 5, kernel: Kernel = "tpsmm", generator: Optional[torch.Generator] = None,
               device: torch.device | str | None = None, dtype: torch.dtype = torch.float32) -> "RandomTPS":
        """Draw a random warp per sample (``sigma_tps=None``: affine only, as MRAA without TPS params)."""
        theta = torch.randn(batch_size, 2, 3, generator=generator) * sigma_affine + torch.eye(2, 3).view(1, 2, 3)
        params = None
        if sigma_tps is not None:
            params = torch.randn(batch_size, 1, points_tps**2, generator=generator) * sigma_tps
            params = params.to(device=device, dtype=dtype)
        return cls(theta.to(device=device, dtype=dtype), params, points_tps, kernel)

    def warp_coordinates(self, coordinates: torch.Tensor) -> torch.Tensor:
        """Apply T to points: ``B×N×2`` (or ``1×N×2``, broadcast) -> ``B×N×2``."""
        theta = self.theta.to(coordinates.dtype).unsqueeze(1)  # B×1×2×3
        out = torch.matmul(theta[..., :2], coordinates.unsqueeze(-1)) + theta[..., 2:]
        out = out.squeeze(-1)
        if self.control_params is None:
            return out
        cp = self.control_points.to(coordinates)
        diff = coordinates.view(coordinates.shape[0], -1, 1, 2) - cp.view(1, 1, -1, 2)
        if self.kernel == "tpsmm":
            s = (diff**2).sum(-1)
            radial = s * torch.log(s + 1e-9)
        else:
            d = torch.abs(diff).sum(-1)
            radial = d**2 * torch.log(d + 1e-6)
        radial = (radial * self.control_params.to(coordinates.dtype)).sum(dim=2)
        return out + radial.view(self.bs, coordinates.shape[1], 1)

    def grid(self, height: int, width: int) -> torch.Tensor:
        """``B×H×W×2`` sampling grid: the warp evaluated on the ``H×W`` coordinate grid."""
        g = make_coordinate_grid((height, width), self.theta.dtype, self.theta.device).view(1, height * width, 2)
        return self.warp_coordinates(g).view(self.bs, height, width, 2)

    def transform_frame(self, frame: torch.Tensor, align_corners: bool) -> torch.Tensor:
        """Warp ``B×C×H×W`` frames with reflection padding (the equivariance input)."""
        grid = self.grid(frame.shape[2], frame.shape[3]).to(frame.dtype)
        return warp(frame, grid, align_corners=align_corners, padding_mode="reflection")

    def jacobian(self, coordinates: torch.Tensor) -> torch.Tensor:
        """``B×N×2×2`` Jacobian ∂T/∂z at ``coordinates`` (autograd, ``create_graph=True``; FOMM/MRAA).

        ``coordinates`` must require grad (e.g. detected keypoints in the graph).
        """
        if not coordinates.requires_grad:
            coordinates = coordinates.detach().requires_grad_(True)
        new = self.warp_coordinates(coordinates)
        gx = torch.autograd.grad(new[..., 0].sum(), coordinates, create_graph=True)[0]
        gy = torch.autograd.grad(new[..., 1].sum(), coordinates, create_graph=True)[0]
        return torch.stack([gx, gy], dim=-2)
