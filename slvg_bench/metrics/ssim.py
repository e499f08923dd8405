"""SSIM (Wang et al. 2004) in batched torch, numerically equal to scikit-image.

``ssim`` (the default, Wang settings): 11-tap Gaussian window σ = 1.5 (scipy's
kernel, truncate 3.5), population covariance, K1 = 0.01, K2 = 0.03,
data_range = 1 on [0, 1] RGB; the SSIM map of each channel is averaged over the
*valid* region (5 px border dropped, as skimage crops it), then the three channel
means are averaged. Equals ``skimage.metrics.structural_similarity(a, b,
gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0,
channel_axis=-1)`` per frame within 1e-5 (tested; everything runs in float64 and
agrees to ~1e-15). Float32 is not enough: on half-flat frames its cancellation in
E[x²] − E[x]² moves SSIM by > 1e-5.

``ssim-skimage-default``: skimage's defaults — 7×7 uniform window, sample
covariance (× 49/48) — with data_range = 1 (DisCo-style papers call skimage this
way, on grey images; here on RGB).

Per video: mean over frames. Dataset: mean over videos.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from slvg_bench.metrics.base import Metric, MetricInfo, VideoPair, frame_batches
from slvg_bench.metrics.inputs import check_pair


@dataclass(frozen=True)
class SSIMSettings:
    """Window and constants of one SSIM variant."""

    gaussian: bool = True
    sigma: float = 1.5
    truncate: float = 3.5  # skimage's value for gaussian_weights: 11 taps at sigma 1.5
    uniform_size: int = 7
    k1: float = 0.01
    k2: float = 0.03
    data_range: float = 1.0
    sample_covariance: bool = False

    @property
    def radius(self) -> int:
        return int(self.truncate * self.sigma + 0.5) if self.gaussian else (self.uniform_size - 1) // 2

    @property
    def win_size(self) -> int:
        return 2 * self.radius + 1


WANG = SSIMSettings()
SKIMAGE_DEFAULT = SSIMSettings(gaussian=False, sample_covariance=True)


def window_1d(settings: SSIMSettings, dtype=torch.float64) -> torch.Tensor:
    """The separable 1-D window (normalised to sum 1), as scipy.ndimage builds it."""
    r = settings.radius
    if not settings.gaussian:
        return torch.full((2 * r + 1,), 1.0 / (2 * r + 1), dtype=dtype)
    x = torch.arange(-r, r + 1, dtype=torch.float64)
    w = torch.exp(-0.5 * (x / settings.sigma) ** 2)
    return (w / w.sum()).to(dtype)


def band_matrix(n: int, kernel: torch.Tensor) -> torch.Tensor:
    """``n×(n−k+1)`` matrix M with ``(x @ M)[j] = Σ_i kernel[i]·x[j+i]`` (valid 1-D correlation)."""
    k = kernel.numel()
    out = n - k + 1
    m = torch.zeros(n, out, dtype=kernel.dtype, device=kernel.device)
    rows = torch.arange(out, device=kernel.device)
    for i in range(k):
        m[rows + i, rows] = kernel[i]
    return m


def valid_filter(x: torch.Tensor, kernel: torch.Tensor, backend: str = "auto") -> torch.Tensor:
    """Separable valid correlation of the last two dims of ``x`` with ``kernel`` (both ways), float64.

    Two exact float64 routes, equal to ~1e-16 (tested against each other):

    - ``"matmul"`` (any device; the route on CUDA): two products with banded matrices.
    - ``"scipy"`` (CPU tensors; the route there): ``scipy.ndimage.correlate1d`` on the
      whole batch at once — the very filter skimage uses, about twice as fast on CPU as
      the matmul, which spends most of its multiply-adds on the band's zeros.

    Both equal skimage's reflect-mode filter on the interior, which is all SSIM keeps.
    """
    if backend == "auto":
        backend = "scipy" if x.device.type == "cpu" else "matmul"
    if backend == "matmul":
        h, w = x.shape[-2:]
        return band_matrix(h, kernel).T @ (x @ band_matrix(w, kernel))
    if backend != "scipy":
        raise ValueError(f"valid_filter backend must be 'auto', 'matmul' or 'scipy', got {backend!r}")
    from scipy import ndimage

    k = kernel.detach().cpu().numpy()
    r = (len(k) - 1) // 2
    a = ndimage.correlate1d(x.detach().numpy(), k, axis=-1, mode="constant")[..., r : x.shape[-1] - r]
    a = ndimage.correlate1d(np.ascontiguousarray(a), k, axis=-2, mode="constant")[..., r : x.shape[-2] - r, :]
    return torch.from_numpy(np.ascontiguousarray(a))


def ssim_maps(
    pred: torch.Tensor, target: torch.Tensor, settings: SSIMSettings = WANG, backend: str = "auto"
) -> torch.Tensor:
    """``N×C×H×W`` pair -> ``N×C×H'×W'`` SSIM map over the valid region (H' = H − win + 1), float64.

    skimage's formula (``structural_similarity``) in float64; the only reordering is that
    σx² + σy² is filtered as one map, which changes results by ~1e-16.
    """
    if pred.shape != target.shape or pred.ndim != 4:
        raise ValueError(f"SSIM needs two N×C×H×W tensors of equal shape, got {tuple(pred.shape)}, {tuple(target.shape)}")
    n, c, h, w = pred.shape
    win = settings.win_size
    if h < win or w < win:
        raise ValueError(f"SSIM with a {win}×{win} window needs frames of at least {win}×{win}, got {h}×{w}")
    x = pred.to(torch.float64)
    y = target.to(torch.float64)
    # four local moments filtered in one call: x, y, xy and x² + y² (σx² and σy² only ever
    # appear as their sum, so one map serves both)
    stack = torch.empty((n, 4 * c, h, w), dtype=torch.float64, device=x.device)
    stack[:, :c] = x
    stack[:, c : 2 * c] = y
    torch.mul(x, y, out=stack[:, 2 * c : 3 * c])
    torch.mul(x, x, out=stack[:, 3 * c :]).addcmul_(y, y)
    ux, uy, uxy, uxx_yy = valid_filter(stack, window_1d(settings).to(stack.device), backend).split(c, dim=1)
    np_ = win * win
    cov_norm = np_ / (np_ - 1) if settings.sample_covariance else 1.0
    c1 = (settings.k1 * settings.data_range) ** 2
    c2 = (settings.k2 * settings.data_range) ** 2
    ux_uy = ux * uy
    ux2_uy2 = ux * ux
    ux2_uy2.addcmul_(uy, uy)
    # in place on the filtered maps: vxy = cov_norm·(uxy − ux·uy), vx + vy = cov_norm·(uxx + uyy − ux² − uy²)
    vxy = uxy.sub_(ux_uy)
    vx_vy = uxx_yy.sub_(ux2_uy2)
    if cov_norm != 1.0:
        vxy.mul_(cov_norm), vx_vy.mul_(cov_norm)
    a1 = ux_uy.mul_(2).add_(c1)
    a2 = vxy.mul_(2).add_(c2)
    b1 = ux2_uy2.add_(c1)
    b2 = vx_vy.add_(c2)
    return a1.mul_(a2).div_(b1.mul_(b2))


def ssim_per_frame(
    pred: torch.Tensor, target: torch.Tensor, settings: SSIMSettings = WANG, backend: str = "auto"
) -> torch.Tensor:
    """``T×3×H×W`` pair, float with finite values in [0, 1] -> ``T`` float64 SSIM values (channel means
    averaged). Anything else (uint8, NaN, other shapes) raises TensorInputError; frames need ≥ win×win."""
    check_pair(pred, target, "ssim_per_frame")
    return ssim_maps(pred, target, settings, backend).mean(dim=(2, 3)).mean(dim=1)


class SSIM(Metric):
    """Wang-settings SSIM, per video = mean over frames."""

    settings: SSIMSettings = WANG
    info = MetricInfo(
        id="ssim",
        version=1,
        higher_is_better=True,
        unit="",
        value_range="-1 … 1 (1 = identical)",
        summary="SSIM, Gaussian 11-tap σ=1.5, population cov., K=(0.01,0.03), L=1, RGB mean, valid region",
        signature=("range:[0,1]", "rgb-mean", "win:gauss11/sigma1.5", "k:0.01/0.03", "cov:population", "valid"),
    )

    def score(self, pair: VideoPair) -> dict[str, float]:
        parts = [
            ssim_per_frame(pair.pred[s], pair.target[s], self.settings).cpu()
            for s in frame_batches(pair.n_frames, self.batch_frames)
        ]
        return {self.info.id: float(torch.cat(parts).mean())}


class SSIMSkimageDefault(SSIM):
    """skimage's default SSIM (7×7 uniform window, sample covariance), data_range 1."""

    settings = SKIMAGE_DEFAULT
    info = MetricInfo(
        id="ssim-skimage-default",
        version=1,
        higher_is_better=True,
        value_range="-1 … 1 (1 = identical)",
        summary="SSIM with skimage defaults: 7×7 uniform window, sample covariance, L=1, RGB mean",
        signature=("range:[0,1]", "rgb-mean", "win:uniform7", "k:0.01/0.03", "cov:sample", "valid"),
    )
