"""MRAA region predictor: heatmaps -> region centres, covariances and affines (methods.md §2.3).

Region parameters are plain dicts of tensors with the official keys (K regions, heatmap ``h×w``):

- ``heatmap`` ``B×K×h×w``: spatial softmax of the region logits / temperature (sums to 1 per region);
- ``shift`` ``B×K×2``: heatmap mean μ = Σ_z H(z)·z (x, y in [-1, 1] of the heatmap grid);
- ``covar`` ``B×K×2×2``: Σ = Σ_z H(z)(z − μ)(z − μ)ᵀ (PCA mode) or A·Aᵀ (regression mode);
- ``affine`` ``B×K×2×2``: A with A·Aᵀ = Σ. PCA mode: ``A = U·diag(√S)`` from ``svd(Σ) = U S Vᵀ``;
  the signs of U's columns are whatever LAPACK returns, which is why the sign rule
  (:func:`baselines.mraa.regions.sign_corrected`) is applied wherever two affines are compared;
- ``u`` ``(B·K)×2×2`` and ``d`` ``(B·K)×2×2`` (= diag(√S)): the SVD factors, kept as the official
  model returns them (not reshaped; unused downstream).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from baselines.common.downsample import AntiAliasInterpolation2d
from baselines.common.grids import make_coordinate_grid
from baselines.common.hourglass import Hourglass


def heatmap_moments(heatmap: torch.Tensor, with_covar: bool = True) -> dict:
    """Mean (``shift``) and covariance (``covar``) of ``B×K×h×w`` heatmaps on their own [-1, 1] grid."""
    grid = make_coordinate_grid(heatmap.shape[2:], heatmap.dtype, heatmap.device).view(1, 1, *heatmap.shape[2:], 2)
    weights = heatmap.unsqueeze(-1)
    mean = (weights * grid).sum(dim=(2, 3))
    out = {"shift": mean}
    if with_covar:
        centred = grid - mean.view(*mean.shape[:2], 1, 1, 2)
        outer = torch.matmul(centred.unsqueeze(-1), centred.unsqueeze(-2))  # B×K×h×w×2×2
        out["covar"] = (outer * weights.unsqueeze(-1)).sum(dim=(2, 3))
    return out


def pca_affine(covar: torch.Tensor, on_cpu: bool = True) -> dict:
    """``A = U·diag(√S)`` from the SVD of ``B×K×2×2`` covariances (so ``A·Aᵀ = Σ``).

    Args:
        covar: symmetric positive semi-definite ``B×K×2×2``.
        on_cpu: run the SVD on the CPU and move the factors back, as the official code does (the
            column signs of U come from the CPU LAPACK, which the official weights were trained with).
    Returns:
        ``{"affine": B×K×2×2, "u": (B·K)×2×2, "d": (B·K)×2×2}``.
    """
    flat = covar.reshape(-1, 2, 2)
    u, s, _ = torch.linalg.svd(flat.cpu() if on_cpu else flat, full_matrices=False)
    u, s = u.to(covar.device), s.to(covar.device)
    d = torch.diag_embed(s**0.5)
    return {"affine": torch.matmul(u, d).view(covar.shape), "u": u, "d": d}


class RegionPredictor(nn.Module):
    """Image -> region parameters (module docstring).

    Args (official names): block_expansion, num_regions (K), num_channels, max_features, num_blocks,
        temperature (softmax temperature, 0.1), estimate_affine, scale_factor (the image is
        anti-aliased down by it first, 0.25), pca_based (affine from the heatmap covariance; otherwise,
        with estimate_affine, regressed by a ``jacobian`` conv), fast_svd (SVD on the input's device),
        pad (padding of the 7×7 ``regions`` conv).

    Attributes with official state-dict names: ``predictor`` (Hourglass, BatchNorm), ``regions``,
    ``jacobian`` (regression mode only), ``down`` (when scale_factor ≠ 1).
    """

    def __init__(self, block_expansion: int, num_regions: int, num_channels: int, max_features: int,
                 num_blocks: int, temperature: float, estimate_affine: bool = False, scale_factor: float = 1,
                 pca_based: bool = False, fast_svd: bool = False, pad: int = 3):
        super().__init__()
        self.predictor = Hourglass(block_expansion, num_channels, num_blocks, max_features, norm="batch")
        self.regions = nn.Conv2d(self.predictor.out_filters, num_regions, kernel_size=(7, 7), padding=pad)
        if estimate_affine and not pca_based:
            # regression of a 2×2 matrix per pixel, starting at the identity (FOMM's jacobian head)
            self.jacobian = nn.Conv2d(self.predictor.out_filters, 4, kernel_size=(7, 7), padding=pad)
            with torch.no_grad():
                self.jacobian.weight.zero_()
                self.jacobian.bias.copy_(torch.tensor([1.0, 0.0, 0.0, 1.0]))
        else:
            self.jacobian = None
        self.num_regions = num_regions
        self.temperature = temperature
        self.scale_factor = scale_factor
        self.pca_based = pca_based
        self.fast_svd = fast_svd
        if scale_factor != 1:
            self.down = AntiAliasInterpolation2d(num_channels, scale_factor, subsample="slice")

    def downsample(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(x) if self.scale_factor != 1 else x

    def heatmaps(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(heatmap B×K×h×w, hourglass features)`` for images ``B×C×H×W`` in [0, 1]."""
        features = self.predictor(self.downsample(x))
        return self._softmax(self.regions(features)), features

    def _softmax(self, logits: torch.Tensor) -> torch.Tensor:
        b, k, h, w = logits.shape
        with torch.autocast(device_type=logits.device.type, enabled=False):
            logits = logits.to(torch.promote_types(logits.dtype, torch.float32))
            return F.softmax(logits.view(b, k, h * w) / self.temperature, dim=2).view(b, k, h, w)

    def forward(self, x: torch.Tensor) -> dict:
        """Images ``B×C×H×W`` in [0, 1] -> region parameters (see the module docstring).

        The heatmap statistics and the SVD run in at least float32, also under AMP autocast.
        """
        heatmap, features = self.heatmaps(x)
        jacobian_map = self.jacobian(features) if self.jacobian is not None else None
        with torch.autocast(device_type=heatmap.device.type, enabled=False):
            params = heatmap_moments(heatmap, with_covar=self.pca_based)
            params["heatmap"] = heatmap
            if jacobian_map is not None:
                b, k, h, w = heatmap.shape
                maps = jacobian_map.to(heatmap.dtype).reshape(b, 1, 4, h, w)
                affine = (heatmap.unsqueeze(2) * maps).view(b, k, 4, h * w).sum(dim=-1).view(b, k, 2, 2)
                params["affine"] = affine
                params["covar"] = torch.matmul(affine, affine.transpose(-1, -2))
            elif self.pca_based:
                params.update(pca_affine(params["covar"], on_cpu=not self.fast_svd))
        return params
