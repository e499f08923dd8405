"""Uncertainty of dataset figures: bootstrap intervals over videos and paired tests between methods.

A dataset figure is recomputed from resampled *videos*, never frames (the frames of one video are
not independent). Two kinds of figure cover the toolkit's metrics:

- :class:`RatioFigure` — ``Σ num_i / Σ den_i`` over videos i. A video mean is ``num = value,
  den = 1``; a frame-weighted mean (L1, PSNR: the mean over all frames) is ``num = n_frames·value,
  den = n_frames``; WER (Σ errors / Σ reference glosses, in %) is ``num = 100·errors, den =
  reference glosses``. A resample recomputes the ratio of sums, so a frame-weighted figure stays
  frame-weighted and WER stays a corpus ratio (never a mean of sentence WERs).
- :class:`FrechetFigure` — FVD: the Fréchet distance between Gaussians fitted to the real and the
  generated clips' features, recomputed from the resampled videos' clips (a video drawn twice
  contributes its clips twice). Per resample it is computed exactly from Gram matrices
  (:func:`frechet_from_gram`): an ``m×m`` SVD for ``m`` clips instead of a ``d×d`` matrix root.
  Its interval is *recentred* (below).

**Interval** (:func:`bootstrap_interval`): the percentile bootstrap (Efron & Tibshirani 1993,
ch. 13). ``B`` resamples of the ``n`` videos with replacement, the figure of each, and the
``(1 − level)/2`` and ``(1 + level)/2`` quantiles of the ``B`` figures (numpy's linear
interpolation, as ``scipy.stats.bootstrap(method="percentile")``). The resamples come from
:func:`slvg_bench.bootstrap.index_blocks`: the same seed, ``n`` and ``B`` give the same interval on
every machine, and two methods compared on the same videos get the same resampled sets.

FVD is biased upwards at small N (docs/metrics.md), and a resample that repeats videos has fewer
distinct clips, so its FVD is larger still: the plain percentile interval of FVD lies above the
estimate (in a simulation with N = 24 and 400-d features, every resample did). Its interval is
therefore *recentred*: shifted by the bootstrap bias ``mean(resampled) − estimate``, which makes it
an interval for the FVD expected from another draw of N videos. It remains conservative (about
twice the true sampling spread in that simulation; docs/statistics.md); the paired test below does
not depend on it.

**Paired test** (:func:`paired_test`): approximate randomisation (Noreen 1989; Riezler & Maxwell
2005) on the videos both methods scored. Under the null hypothesis the two methods are
exchangeable on every video, so swapping their outputs of a video leaves the distribution of the
difference of figures unchanged. Each of ``R`` randomisations swaps every video's outputs with
probability ½ (a ratio figure swaps the video's ``num, den``; FVD swaps the video's generated
clips, each method keeping its real clips) and recomputes ``T = figure_A − figure_B``. Two-sided
p-value ``(1 + #{|T_r| ≥ |T_obs|}) / (R + 1)``; when ``2^n ≤ R`` all ``2^n`` swap patterns are
enumerated instead and ``p = #{|T_s| ≥ |T_obs|} / 2^n`` is exact. Ties are decided with a
relative tolerance of :data:`TIE_RTOL` (a swap that leaves the figures equal in exact arithmetic
must count as a tie, whatever the rounding).

**Monte-Carlo precision** (:data:`DEFAULT_RESAMPLES`): the standard error of a percentile end
estimated from ``B`` resamples is ``sqrt(q(1 − q)/B) / f(x_q)``; for a near-normal bootstrap
distribution at q = 0.025 that is ``0.68/√B`` of the interval's width. ``B = 20 000`` puts it at
0.48 % of the width (docs/statistics.md has the measurement).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from slvg_bench.bootstrap import BLOCK, index_blocks

DEFAULT_RESAMPLES = 20_000
DEFAULT_LEVEL = 0.95
DEFAULT_ALPHA = 0.05
TIE_RTOL = 1e-9
GRAM_BLOCK_ELEMENTS = 4_000_000  # float64 elements of one batch of cross-Gram matrices (32 MB)


@dataclass(frozen=True)
class BootstrapOptions:
    """How intervals and paired tests are computed. They never change a figure, so they stay out
    of a run's configuration hash.

    Attributes:
        resamples: ``B`` bootstrap resamples per interval and ``R`` randomisations per test
            (0: no intervals, no tests).
        seed: seed of the resampling generator.
        level: coverage of the intervals (0.95: 95 %).
        alpha: significance level of the paired tests (leaderboard bolding).
    """

    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    level: float = DEFAULT_LEVEL
    alpha: float = DEFAULT_ALPHA

    def validate(self) -> "BootstrapOptions":
        from slvg_bench.errors import UsageError

        if int(self.resamples) < 0:
            raise UsageError(f"bootstrap.resamples must be >= 0 (0 = no intervals), got {self.resamples}")
        if int(self.seed) < 0:
            raise UsageError(f"bootstrap.seed must be >= 0 (a numpy PCG64 seed), got {self.seed}")
        if not 0 < self.level < 1:
            raise UsageError(f"bootstrap.level must be in (0, 1), got {self.level}")
        if not 0 < self.alpha < 1:
            raise UsageError(f"bootstrap.alpha must be in (0, 1), got {self.alpha}")
        return self

    def describe(self) -> dict:
        return {"interval": f"{self.level:.0%} percentile bootstrap over videos", "resamples": int(self.resamples),
                "seed": int(self.seed), "numpy": np.__version__, "test": "paired approximate randomisation over videos, two-sided",
                "alpha": self.alpha}


# ---------------------------------------------------------------------------------------------
# figures


def _ids(ids: Sequence) -> tuple[str, ...]:
    out = tuple(str(i) for i in ids)
    if len(set(out)) != len(out):
        raise ValueError("a figure's video ids must be unique")
    return out


def _positions(own: tuple[str, ...], ids: Sequence[str]) -> np.ndarray:
    where = {v: i for i, v in enumerate(own)}
    missing = [v for v in ids if v not in where]
    if missing:
        raise ValueError(f"{len(missing)} of the requested videos are not in the figure (first {missing[0]!r})")
    return np.array([where[v] for v in ids], dtype=np.int64)


class RatioFigure:
    """A figure ``Σ num_i / Σ den_i`` over videos (module docstring).

    Args:
        ids: the videos' ids (unique), in the order of ``num`` and ``den``.
        num, den: finite float per video; ``den >= 0``.
    """

    kind = "ratio"
    recentre = False

    def __init__(self, ids: Sequence, num, den):
        self.ids = _ids(ids)
        self.num = np.asarray(num, dtype=np.float64).reshape(-1)
        self.den = np.asarray(den, dtype=np.float64).reshape(-1)
        if not len(self.num) == len(self.den) == len(self.ids):
            raise ValueError(f"ratio figure: {len(self.ids)} ids, {len(self.num)} numerators, "
                             f"{len(self.den)} denominators")
        if not (np.isfinite(self.num).all() and np.isfinite(self.den).all()) or (self.den < 0).any():
            raise ValueError("ratio figure: numerators must be finite and denominators finite and >= 0")

    @classmethod
    def mean(cls, ids: Sequence, values, weights=None) -> "RatioFigure":
        """The (``weights``-weighted, e.g. by frame counts) mean of per-video ``values``."""
        v = np.asarray(values, dtype=np.float64)
        w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=np.float64)
        return cls(ids, v * w, w)

    @property
    def n(self) -> int:
        return len(self.ids)

    def value(self) -> float:
        """The figure, with exactly rounded sums (as :func:`slvg_bench.results.aggregate`)."""
        den = math.fsum(self.den)
        return math.fsum(self.num) / den if den else math.nan

    def subset(self, ids: Sequence[str]) -> "RatioFigure":
        pos = _positions(self.ids, ids)
        return RatioFigure([self.ids[i] for i in pos], self.num[pos], self.den[pos])

    def resampler(self) -> Callable[[np.ndarray], np.ndarray]:
        """``b×n`` resample indices -> ``b`` figures."""
        num, den = self.num, self.den

        def figures(idx: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore", divide="ignore"):
                return num[idx].sum(axis=1) / den[idx].sum(axis=1)

        return figures

    def swapper(self, other: "RatioFigure") -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """``b×n`` swap masks -> (``b`` figures of self, ``b`` of other) with the masked videos swapped."""
        dn, dd = other.num - self.num, other.den - self.den
        sn, sd, on, od = self.num.sum(), self.den.sum(), other.num.sum(), other.den.sum()

        def figures(swap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            s = swap.astype(np.float64)
            xn, xd = s @ dn, s @ dd
            with np.errstate(invalid="ignore", divide="ignore"):
                return (sn + xn) / (sd + xd), (on - xn) / (od - xd)

        return figures


def _counts(idx: np.ndarray, n: int) -> np.ndarray:
    """``b×n`` resample indices -> ``b×n`` float multiplicities (how often each video was drawn)."""
    b = idx.shape[0]
    flat = (idx + (np.arange(b, dtype=np.int64) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


def frechet_from_gram(g_rr: np.ndarray, g_ff: np.ndarray, g_rf: np.ndarray, w_r: np.ndarray, w_f: np.ndarray,
                      covariance: str = "unbiased") -> np.ndarray:
    """Fréchet distances of ``b`` weighted feature sets, from Gram matrices alone.

    For real features ``R`` (``m_r×d``) and generated ``F`` (``m_f×d``) with per-row weights ``w_r``,
    ``w_f`` (a clip of weight 2 counts as two copies), the Gaussians have means ``μ = Xᵀw / N``
    (``N = Σ w``) and covariances ``S = Σ_k w_k (x_k − μ)(x_k − μ)ᵀ / (N − ddof)`` (ddof 1 for
    ``unbiased``, 0 for ``biased``). With ``A = D_r^{½}(R − 1μ_rᵀ)/√(N_r − ddof)`` and ``B`` likewise,
    ``S_r = AᵀA``, ``S_f = BᵀB``, and the nonzero eigenvalues of ``S_r S_f`` are the squared singular
    values of ``ABᵀ`` (an ``m_r×m_f`` matrix), so ``Tr((S_r S_f)^{½}) = ‖ABᵀ‖_*`` (nuclear norm) exactly.
    Every term needs only ``G_rr = RRᵀ``, ``G_ff = FFᵀ`` and ``G_rf = RFᵀ``.

    Args:
        g_rr, g_ff, g_rf: the Gram matrices (float64; centre the features first for precision).
        w_r, w_f: ``b×m_r`` and ``b×m_f`` non-negative weights, at least 2 per set in total.
        covariance: ``unbiased`` | ``biased``.

    Returns:
        ``b`` distances (float64).
    """
    ddof = 1.0 if covariance == "unbiased" else 0.0
    diag_r, diag_f = np.diagonal(g_rr), np.diagonal(g_ff)
    out = np.empty(len(w_r), dtype=np.float64)
    step = max(1, GRAM_BLOCK_ELEMENTS // max(1, g_rf.size))
    for s in range(0, len(w_r), step):
        wr, wf = w_r[s : s + step], w_f[s : s + step]
        nr, nf = wr.sum(axis=1), wf.sum(axis=1)
        rf_f = wf @ g_rf.T  # b×m_r: G_rf w_f
        rf_r = wr @ g_rf  # b×m_f: w_rᵀ G_rf
        mrr = (wr * (wr @ g_rr)).sum(axis=1) / nr**2  # ‖μ_r‖²
        mff = (wf * (wf @ g_ff)).sum(axis=1) / nf**2
        mrf = (wr * rf_f).sum(axis=1) / (nr * nf)  # μ_r·μ_f
        tr_r = ((wr * diag_r).sum(axis=1) - nr * mrr) / (nr - ddof)
        tr_f = ((wf * diag_f).sum(axis=1) - nf * mff) / (nf - ddof)
        # (R − 1μ_rᵀ)(F − 1μ_fᵀ)ᵀ, weighted on both sides
        cross = g_rf[None] - (rf_f / nf[:, None])[:, :, None] - (rf_r / nr[:, None])[:, None, :] + mrf[:, None, None]
        cross *= np.sqrt(wr)[:, :, None]
        cross *= np.sqrt(wf)[:, None, :]
        nuclear = np.linalg.svd(cross, compute_uv=False).sum(axis=-1) / np.sqrt((nr - ddof) * (nf - ddof))
        out[s : s + len(wr)] = mrr + mff - 2.0 * mrf + tr_r + tr_f - 2.0 * nuclear
    return out


class FrechetFigure:
    """FVD-style figure: Fréchet distance between the real and the generated clips' features.

    Args:
        ids: the videos' ids (unique).
        real, fake: per video, its clips' features (``k×d`` arrays, ``k >= 1``; flattened arrays
            are reshaped to ``d`` columns).
        dim: feature dimension ``d``.
        covariance: ``unbiased`` | ``biased`` (as the metric's option).
    """

    kind = "frechet"
    recentre = True  # bootstrap_interval shifts its interval by the bootstrap bias (module docstring)

    def __init__(self, ids: Sequence, real: Sequence, fake: Sequence, dim: int, covariance: str = "unbiased"):
        self.ids = _ids(ids)
        self.dim, self.covariance = int(dim), covariance
        self.real = [np.asarray(r, dtype=np.float64).reshape(-1, self.dim) for r in real]
        self.fake = [np.asarray(f, dtype=np.float64).reshape(-1, self.dim) for f in fake]
        if not len(self.real) == len(self.fake) == len(self.ids):
            raise ValueError(f"frechet figure: {len(self.ids)} ids, {len(self.real)} real and {len(self.fake)} "
                             f"generated entries")
        if any(len(x) == 0 for x in self.real + self.fake):
            raise ValueError("frechet figure: every video needs at least one real and one generated clip")

    @property
    def n(self) -> int:
        return len(self.ids)

    def value(self) -> float:
        """The figure as the metric computes it (:func:`~slvg_bench.metrics.frechet.frechet_distance_from_features`)."""
        from slvg_bench.metrics.frechet import frechet_distance_from_features

        return frechet_distance_from_features(np.concatenate(self.real), np.concatenate(self.fake), self.covariance)

    def subset(self, ids: Sequence[str]) -> "FrechetFigure":
        pos = _positions(self.ids, ids)
        return FrechetFigure([self.ids[i] for i in pos], [self.real[i] for i in pos], [self.fake[i] for i in pos],
                             self.dim, self.covariance)

    @staticmethod
    def _stack(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Rows of all parts and the part (video) index of each row."""
        return np.concatenate(parts), np.repeat(np.arange(len(parts)), [len(p) for p in parts])

    def resampler(self) -> Callable[[np.ndarray], np.ndarray]:
        r, r_video = self._stack(self.real)
        f, f_video = self._stack(self.fake)
        centre = np.concatenate([r, f]).mean(axis=0)  # the distance is translation invariant
        r, f = r - centre, f - centre
        g_rr, g_ff, g_rf = r @ r.T, f @ f.T, r @ f.T

        def figures(idx: np.ndarray) -> np.ndarray:
            c = _counts(idx, self.n)
            return frechet_from_gram(g_rr, g_ff, g_rf, c[:, r_video], c[:, f_video], self.covariance)

        return figures

    def swapper(self, other: "FrechetFigure") -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
        ra, _ = self._stack(self.real)
        rb, _ = other._stack(other.real)
        fa, fa_video = self._stack(self.fake)
        fb, fb_video = other._stack(other.fake)
        cand = np.concatenate([fa, fb])  # each method draws its generated clips from both
        centre = np.concatenate([ra, rb, cand]).mean(axis=0)
        ra, rb, cand = ra - centre, rb - centre, cand - centre
        g_cc = cand @ cand.T
        g_a, g_b, g_ac, g_bc = ra @ ra.T, rb @ rb.T, ra @ cand.T, rb @ cand.T

        def figures(swap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            s = swap.astype(np.float64)
            take_a = np.concatenate([1.0 - s[:, fa_video], s[:, fb_video]], axis=1)  # A's clips unless swapped
            take_b = 1.0 - take_a
            ones_a, ones_b = np.ones((len(s), len(ra))), np.ones((len(s), len(rb)))
            return (frechet_from_gram(g_a, g_cc, g_ac, ones_a, take_a, self.covariance),
                    frechet_from_gram(g_b, g_cc, g_bc, ones_b, take_b, other.covariance))

        return figures


Figure = RatioFigure | FrechetFigure


# ---------------------------------------------------------------------------------------------
# intervals


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval of one figure (``reason`` set and ends NaN when there is none).

    ``bias``: the shift applied to a recentred interval (FVD; 0 otherwise), in the figure's units.
    """

    low: float
    high: float
    n: int
    level: float
    resamples: int
    seed: int
    reason: str | None = None
    bias: float = 0.0

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def resampled_figures(figure: Figure, resamples: int, seed: int = 0) -> np.ndarray:
    """``B`` figures of ``figure`` recomputed on resampled videos (float64)."""
    out = np.empty(int(resamples), dtype=np.float64)
    figures, start = figure.resampler(), 0
    for idx in index_blocks(figure.n, resamples, seed):
        out[start : start + len(idx)] = figures(idx)
        start += len(idx)
    return out


def bootstrap_interval(figure: Figure, options: BootstrapOptions = BootstrapOptions()) -> Interval:
    """The percentile bootstrap interval of ``figure`` (module docstring); a reason instead when
    there can be none (fewer than 2 videos, resampling switched off, resamples without a value)."""
    b, seed, level = int(options.resamples), int(options.seed), float(options.level)

    def none(reason: str) -> Interval:
        return Interval(math.nan, math.nan, figure.n, level, b, seed, reason)

    if b < 1:
        return none("no interval: bootstrap resamples set to 0")
    if figure.n < 2:
        return none(f"no interval: {figure.n} video{'s' if figure.n != 1 else ''} (an interval needs at least 2)")
    samples = resampled_figures(figure, b, seed)
    bad = int((~np.isfinite(samples)).sum())
    if bad:
        return none(f"no interval: {bad} of {b} resamples have no finite value")
    low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
    bias = 0.0
    if figure.recentre:  # the estimate through the same arithmetic as the resamples
        bias = float(samples.mean() - figure.resampler()(np.arange(figure.n)[None])[0])
    return Interval(float(low - bias), float(high - bias), figure.n, level, b, seed, bias=bias)


# ---------------------------------------------------------------------------------------------
# paired test


@dataclass(frozen=True)
class RandomisationTest:
    """Result of :func:`paired_test`.

    Attributes:
        a, b: the two figures on the common videos; delta = a − b.
        p_value: two-sided p-value of "the figures do not differ" (small = they differ).
        n: common videos; exact: all ``2^n`` swap patterns enumerated; randomisations: how many
        patterns were evaluated; seed: the generator's seed (unused when exact).
    """

    a: float
    b: float
    p_value: float
    n: int
    exact: bool
    randomisations: int
    seed: int

    @property
    def delta(self) -> float:
        return self.a - self.b


def _swap_blocks(n: int, randomisations: int, seed: int, exact: bool):
    if exact:
        codes = np.arange(2**n, dtype=np.int64)
        for start in range(0, len(codes), BLOCK):
            yield ((codes[start : start + BLOCK, None] >> np.arange(n)) & 1).astype(bool)
        return
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    for start in range(0, randomisations, BLOCK):
        yield rng.random((min(BLOCK, randomisations - start), n)) < 0.5


def monte_carlo_se(p: float, randomisations: int) -> float:
    """Standard error of a Monte-Carlo p-value near ``p`` from ``randomisations`` draws: ``√(p(1−p)/R)``
    (0.0015 at p = 0.05, R = 20 000). A decision whose p lies within ~3 of these of α is borderline."""
    return math.sqrt(max(p * (1 - p), 0.0) / max(int(randomisations), 1))


def paired_test(a: Figure, b: Figure, options: BootstrapOptions = BootstrapOptions()) -> RandomisationTest:
    """Approximate randomisation test of ``a`` against ``b`` on the same videos (module docstring).

    ``a`` and ``b`` must be figures of one kind over the same video ids in the same order
    (``subset`` both to the common videos first). ``options.resamples`` is ``R``; when
    ``2^n <= R`` the test is exact.
    """
    if type(a) is not type(b):
        raise ValueError(f"paired test needs figures of one kind, got {a.kind} and {b.kind}")
    if a.ids != b.ids:
        raise ValueError("paired test needs both figures on the same videos in the same order (subset them first)")
    n, r, seed = a.n, int(options.resamples), int(options.seed)
    if r < 1:
        raise ValueError("paired test needs resamples >= 1")
    figures = a.swapper(b)
    obs_a, obs_b = (float(x[0]) for x in figures(np.zeros((1, n), dtype=bool)))
    observed = abs(obs_a - obs_b)
    tol = TIE_RTOL * max(abs(obs_a) + abs(obs_b), np.finfo(np.float64).tiny)
    exact = n <= 62 and 2**n <= r
    hits = total = 0
    for swap in _swap_blocks(n, r, seed, exact):
        ta, tb = figures(swap)
        hits += int((np.abs(ta - tb) >= observed - tol).sum())
        total += len(swap)
    p = hits / total if exact else (1 + hits) / (total + 1)
    return RandomisationTest(obs_a, obs_b, float(min(1.0, p)), n, exact, total, seed)
