"""The toolkit's bootstrap: seeded resampling of per-video values (one implementation, shared).

:func:`resampled_means` is the core: ``B`` resamples of ``n`` videos drawn with replacement, each
reduced to its (optionally frame-weighted) mean, from a seeded ``numpy`` generator — the same
seed, values and ``B`` give the same numbers on every machine. :func:`paired_bootstrap` is the
paired test ``slvg-bench check`` uses for ``significant: true`` baselines: the per-video
differences run − baseline are resampled together (videos, not frames, are the unit), and the
one-sided p-value is the share of resamples in which the run is *not* worse,
``(1 + #{worse_b <= 0}) / (B + 1)`` (Davison & Hinkley 1997, eq. 4.11: never 0). The run is
significantly worse at level α when p < α. With weights (frame counts) the statistic is the
frame-weighted mean, as the primary L1 figure; unweighted it is the video mean.

Memory: resamples are drawn in blocks of :data:`BLOCK` (``BLOCK × n`` indices at a time).
:func:`index_blocks` is that draw on its own: the intervals and leaderboard statistics of
:mod:`slvg_bench.stats` take their resamples from it, so the same ``(n, B, seed)`` gives the same
resampled videos to every method compared on one set of videos (the resamples are paired).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK = 1024
DEFAULT_RESAMPLES = 10_000


def index_blocks(n: int, resamples: int = DEFAULT_RESAMPLES, seed: int = 0, block: int = BLOCK):
    """Yield the ``B`` resamples of ``n`` videos as ``b×n`` int64 index arrays (``b <= block``).

    Row ``r`` holds the ``n`` video indices (uniform, with replacement) of one resample. The draws
    depend on ``(n, resamples, seed)`` and on ``block`` (one generator call per block); the toolkit
    always uses :data:`BLOCK`.
    """
    if int(n) < 1:
        raise ValueError(f"bootstrap needs at least one video, got {n}")
    if int(resamples) < 1:
        raise ValueError(f"bootstrap resamples must be >= 1, got {resamples}")
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    for start in range(0, int(resamples), block):
        b = min(block, int(resamples) - start)
        yield rng.integers(0, int(n), size=(b, int(n)))


def resampled_means(values, weights=None, *, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> np.ndarray:
    """``B`` bootstrap means of ``values`` (``n`` per-video values, float64).

    Each resample draws ``n`` indices uniformly with replacement; its mean is
    ``Σ w_i v_i / Σ w_i`` over the drawn videos (``w = 1`` without ``weights``).
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or len(v) == 0:
        raise ValueError(f"bootstrap needs a 1-d array of at least one value, got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError("bootstrap values must be finite (drop videos without a value first)")
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != v.shape or (w <= 0).any() or not np.isfinite(w).all():
        raise ValueError(f"bootstrap weights must be {len(v)} finite positive numbers, got shape {w.shape}")
    if int(resamples) < 1:
        raise ValueError(f"bootstrap resamples must be >= 1, got {resamples}")
    wv = w * v
    out = np.empty(int(resamples), dtype=np.float64)
    start = 0
    for idx in index_blocks(len(v), resamples, seed):
        out[start : start + len(idx)] = wv[idx].sum(axis=1) / w[idx].sum(axis=1)
        start += len(idx)
    return out


@dataclass(frozen=True)
class PairedTest:
    """Result of :func:`paired_bootstrap`.

    Attributes:
        delta: observed statistic of run − baseline (metric units; its sign is the metric's).
        p_value: one-sided p-value of "the run is worse" (small = significantly worse).
        ci_low, ci_high: percentile interval of ``delta`` at level 1 − α (two-sided).
        n: paired videos; resamples, seed, alpha: how it was computed.
    """

    delta: float
    p_value: float
    ci_low: float
    ci_high: float
    n: int
    resamples: int
    seed: int
    alpha: float

    @property
    def worse(self) -> bool:
        """Whether the run is significantly worse at ``alpha``."""
        return self.p_value < self.alpha


def paired_bootstrap(run, baseline, *, higher_is_better: bool, weights=None, resamples: int = DEFAULT_RESAMPLES,
                     seed: int = 0, alpha: float = 0.05) -> PairedTest:
    """Paired bootstrap test that ``run`` is worse than ``baseline`` (module docstring).

    Args:
        run, baseline: per-video values of the same ``n`` videos, in the same order.
        higher_is_better: the metric's direction (worse = lower when True).
        weights: per-video weights (frame counts for frame-weighted figures), or None.
        resamples: ``B``; seed: the generator's seed; alpha: the level reported in ``worse``/the interval.
    """
    r, b = np.asarray(run, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if r.shape != b.shape:
        raise ValueError(f"paired bootstrap needs values of the same videos, got {r.shape} and {b.shape}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    d = r - b
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype=np.float64)
    delta = float((w * d).sum() / w.sum()) if len(d) else float("nan")
    means = resampled_means(d, weights, resamples=resamples, seed=seed)
    worse = -means if higher_is_better else means
    p = (1 + int((worse <= 0).sum())) / (len(means) + 1)
    lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return PairedTest(delta, float(p), float(lo), float(hi), len(d), int(resamples), int(seed), float(alpha))
