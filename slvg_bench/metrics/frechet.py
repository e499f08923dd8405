"""Fréchet distance between Gaussians fitted to feature sets (the maths of FVD/FID).

    d² = ‖μ₁ − μ₂‖² + Tr(Σ₁) + Tr(Σ₂) − 2·Tr((Σ₁Σ₂)^{1/2})

Everything runs in float64 with NumPy/SciPy. The matrix square root is
``scipy.linalg.sqrtm`` (as StyleGAN-V and common_metrics use it). When the
product is near-singular (fewer samples than dimensions makes Σ rank-deficient)
``sqrtm`` can return non-finite values; then εI (ε = 1e-6, the pytorch-fid
convention) is added to both covariances and the root recomputed. The real part
is taken; an imaginary part larger than ``imag_tol`` (relative to the trace
term) is an error rather than silently dropped. ``imag_atol`` switches to
pytorch-fid's rule instead (``calculate_frechet_distance``: the diagonal's imaginary
parts must be within an absolute 1e-3 of 0), which FID uses so that its Fréchet step
returns exactly what pytorch-fid returns and refuses what it refuses.

Covariance convention: ``unbiased`` (divide by n − 1; TF-GAN's FVD, TATS,
common_metrics) is the default; ``biased`` (divide by n; StyleGAN-V, cd-fvd) is
an option. They differ noticeably for small n — report which one was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Covariance = Literal["unbiased", "biased"]
COVARIANCES = ("unbiased", "biased")


@dataclass(frozen=True)
class GaussianStats:
    """Mean (d,) and covariance (d×d) of a feature set, float64, with its sample count."""

    mu: np.ndarray
    sigma: np.ndarray
    n: int


def gaussian_stats(features: np.ndarray, covariance: Covariance = "unbiased") -> GaussianStats:
    """Fit a Gaussian to ``n×d`` features (float64 maths; no input is modified)."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must be n×d, got shape {x.shape}")
    n = x.shape[0]
    if covariance not in COVARIANCES:
        raise ValueError(f"covariance must be one of {COVARIANCES}, got {covariance!r}")
    if n < 2:
        raise ValueError(f"a covariance needs at least 2 samples, got {n}")
    mu = x.mean(axis=0)
    centred = x - mu
    sigma = centred.T @ centred / (n - 1 if covariance == "unbiased" else n)
    return GaussianStats(mu, sigma, n)


def _sqrtm(m: np.ndarray) -> np.ndarray:
    from scipy import linalg

    root = linalg.sqrtm(m)
    if isinstance(root, tuple):  # scipy < 1.12 with disp=False semantics
        root = root[0]
    return np.asarray(root)


def frechet_distance(
    mu1: np.ndarray,
    sigma1: np.ndarray,
    mu2: np.ndarray,
    sigma2: np.ndarray,
    eps: float = 1e-6,
    imag_tol: float = 1e-3,
    imag_atol: float | None = None,
) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2), float64.

    Args:
        eps: added to both diagonals when ``sqrtm`` of the product is not finite.
        imag_tol: largest tolerated |imaginary part| of the root's diagonal,
            relative to max(1, |Tr(root)|), before the real part is taken.
        imag_atol: when given, pytorch-fid's test instead: every |imaginary part| of the root's
            diagonal at most ``imag_atol`` (absolute), else an error.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError(f"shape mismatch: mu {mu1.shape}/{mu2.shape}, sigma {s1.shape}/{s2.shape}")
    diff = mu1 - mu2
    root = _sqrtm(s1 @ s2)
    if not np.isfinite(root).all():
        offset = np.eye(s1.shape[0]) * eps
        root = _sqrtm((s1 + offset) @ (s2 + offset))
        if not np.isfinite(root).all():
            raise FloatingPointError("sqrtm of the covariance product is not finite even after adding eps·I")
    if np.iscomplexobj(root):
        worst = np.max(np.abs(np.diagonal(root).imag))
        scale = max(1.0, abs(np.trace(root.real))) if imag_atol is None else 1.0
        if worst > (imag_tol * scale if imag_atol is None else imag_atol):
            raise FloatingPointError(f"sqrtm has a large imaginary component ({worst:.3g}); the covariances are ill-conditioned")
        root = root.real
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(root))


def frechet_distance_from_features(
    features1: np.ndarray, features2: np.ndarray, covariance: Covariance = "unbiased"
) -> float:
    """Fréchet distance between two ``n×d`` feature sets (Gaussians fitted with ``covariance``)."""
    a = gaussian_stats(features1, covariance)
    b = gaussian_stats(features2, covariance)
    return frechet_distance(a.mu, a.sigma, b.mu, b.sigma)
