"""slvg_bench.stats: intervals against scipy's percentile bootstrap, the randomisation test against
cases counted by hand, FVD's Gram-matrix resampling against the direct computation, WER's ratio."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from slvg_bench.metrics.frechet import frechet_distance_from_features
from slvg_bench.stats import (
    BootstrapOptions,
    FrechetFigure,
    RatioFigure,
    bootstrap_interval,
    paired_test,
    resampled_figures,
)

LEVEL = 0.95


def ids(n):
    return [f"v{i:02d}" for i in range(n)]


def mc_tolerance(samples_sd: float, resamples: int, z: float = 5.0) -> float:
    """How far two independent Monte-Carlo estimates of a 2.5 % / 97.5 % percentile may differ.

    One estimate from B resamples has standard error sqrt(q(1−q)/B) / f(x_q) (the asymptotic
    variance of a sample quantile); for a near-normal bootstrap distribution with sd σ,
    f(x_q) = φ(1.96)/σ, so SE = 2.67σ/√B. Two independent estimates (ours, scipy's) differ by
    sqrt(2)·SE in sd; z = 5 such sds makes a false failure a ~1e-6 event."""
    q = (1 - LEVEL) / 2
    se = math.sqrt(q * (1 - q) / resamples) * samples_sd / scipy_stats.norm.pdf(scipy_stats.norm.ppf(q))
    return z * math.sqrt(2) * se


@pytest.mark.parametrize("kind", ["video mean", "frame-weighted mean", "corpus ratio (WER)"])
def test_interval_equals_scipy_percentile_bootstrap(kind):
    rng = np.random.default_rng(3)
    n, b = 30, 100_000
    values = rng.gamma(2.0, 0.02, size=n)  # skewed, like per-video L1
    frames = rng.integers(16, 80, size=n).astype(float)
    if kind == "video mean":
        figure, data = RatioFigure.mean(ids(n), values), (values,)

        def statistic(v, axis=-1):
            return v.mean(axis=axis)
    elif kind == "frame-weighted mean":
        figure, data = RatioFigure.mean(ids(n), values, frames), (values, frames)

        def statistic(v, w, axis=-1):
            return (v * w).sum(axis=axis) / w.sum(axis=axis)
    else:  # WER: 100·Σ errors / Σ reference glosses over resampled sentences
        errors = rng.integers(0, 6, size=n).astype(float)
        refs = rng.integers(2, 7, size=n).astype(float)
        figure, data = RatioFigure(ids(n), 100 * errors, refs), (errors, refs)

        def statistic(e, r, axis=-1):
            return 100 * e.sum(axis=axis) / r.sum(axis=axis)
    ours = bootstrap_interval(figure, BootstrapOptions(resamples=b, seed=1, level=LEVEL))
    ref = scipy_stats.bootstrap(data, statistic, n_resamples=b, method="percentile", confidence_level=LEVEL,
                                paired=len(data) > 1, vectorized=True, random_state=np.random.default_rng(2))
    sd = resampled_figures(figure, 20_000, seed=5).std()
    tol = mc_tolerance(sd, b)
    assert tol < 0.02 * (ours.high - ours.low)  # the comparison is sharp: under 2 % of the width
    assert ours.low == pytest.approx(ref.confidence_interval.low, abs=tol)
    assert ours.high == pytest.approx(ref.confidence_interval.high, abs=tol)
    assert ours.n == n and ours.reason is None and ours.bias == 0.0


def test_interval_is_seeded_and_says_when_there_is_none():
    fig = RatioFigure.mean(ids(20), np.random.default_rng(0).random(20))
    a = bootstrap_interval(fig, BootstrapOptions(2000, seed=7))
    b = bootstrap_interval(fig, BootstrapOptions(2000, seed=7))
    assert (a.low, a.high) == (b.low, b.high)
    assert bootstrap_interval(fig, BootstrapOptions(2000, seed=8)).low != a.low
    one = bootstrap_interval(RatioFigure.mean(["v"], [0.1]))
    assert math.isnan(one.low) and "at least 2" in one.reason
    off = bootstrap_interval(fig, BootstrapOptions(resamples=0))
    assert math.isnan(off.high) and "0" in off.reason


def test_randomisation_test_counted_by_hand():
    # d = A − B = (1, 2, 3), video mean. The 8 swap patterns flip signs: Σ ±d_i / 3 =
    # 6/3, 4/3, 2/3, 0, 0, −2/3, −4/3, −6/3, so |T| ≥ |T_obs| = 2 for two of them: p = 2/8.
    a, b = RatioFigure.mean(ids(3), [1.0, 2.0, 3.0]), RatioFigure.mean(ids(3), [0.0, 0.0, 0.0])
    t = paired_test(a, b, BootstrapOptions(resamples=1000))
    assert t.exact and t.randomisations == 8 and t.p_value == 0.25 and t.delta == 2.0
    # frame-weighted: A = (.4, .2, .1), B = .1 each, frames (1, 2, 1): T = (±0.3·1 ± 0.1·2 ± 0)/4 takes
    # ±0.125 and ±0.025 (each twice; the third video's swap changes nothing): p = 4/8
    a = RatioFigure.mean(ids(3), [0.4, 0.2, 0.1], [1, 2, 1])
    b = RatioFigure.mean(ids(3), [0.1, 0.1, 0.1], [1, 2, 1])
    t = paired_test(a, b, BootstrapOptions(resamples=1000))
    assert t.exact and t.p_value == 0.5 and t.delta == pytest.approx(0.125)
    # four equal differences: only "no swap" and "swap all" reach |T_obs|: the smallest exact p, 2/16
    t = paired_test(RatioFigure.mean(ids(4), [1.0] * 4), RatioFigure.mean(ids(4), [0.0] * 4), BootstrapOptions(100))
    assert t.exact and t.p_value == 2 / 16
    # identical methods: every pattern ties, p = 1 (ties are decided with a relative tolerance)
    same = RatioFigure.mean(ids(4), [0.1, 0.2, 0.3, 0.7])
    assert paired_test(same, same, BootstrapOptions(100)).p_value == 1.0


def test_approximate_randomisation_agrees_with_the_exact_test():
    rng = np.random.default_rng(0)
    n = 12
    a, b = rng.normal(0.3, 1.0, n), rng.normal(0.0, 1.0, n)
    fa, fb = RatioFigure.mean(ids(n), a), RatioFigure.mean(ids(n), b)
    exact = paired_test(fa, fb, BootstrapOptions(resamples=2**n))
    approx = paired_test(fa, fb, BootstrapOptions(resamples=2**n - 1, seed=3))
    assert exact.exact and not approx.exact and approx.randomisations == 2**n - 1
    se = math.sqrt(exact.p_value * (1 - exact.p_value) / approx.randomisations)
    assert approx.p_value == pytest.approx(exact.p_value, abs=5 * se + 1 / approx.randomisations)


def test_paired_test_refuses_other_videos():
    with pytest.raises(ValueError, match="same videos"):
        paired_test(RatioFigure.mean(["a", "b"], [1, 2]), RatioFigure.mean(["a", "c"], [1, 2]))


def _features(rng, n, k, d, shift=0.0):
    return [rng.normal(size=(k, d)) + shift for _ in range(n)]


@pytest.mark.parametrize("covariance", ["unbiased", "biased"])
@pytest.mark.parametrize("clips,dim", [(1, 400), (3, 8)])  # rank-deficient (FVD's case) and full rank
def test_frechet_resamples_equal_the_direct_computation(covariance, clips, dim):
    rng = np.random.default_rng(1)
    n = 10
    real, fake = _features(rng, n, clips, dim), _features(rng, n, clips, dim, 0.3)
    fig = FrechetFigure(ids(n), real, fake, dim, covariance)
    idx = np.stack([np.arange(n), rng.integers(0, n, n), rng.integers(0, n, n)])
    got = fig.resampler()(idx)
    for row, value in zip(idx, got):
        ref = frechet_distance_from_features(np.concatenate([real[i] for i in row]),
                                             np.concatenate([fake[i] for i in row]), covariance)
        # float64 on both sides; scipy's sqrtm of a rank-deficient product is the less exact one (~5e-8)
        assert value == pytest.approx(ref, rel=1e-6)
    assert got[0] == pytest.approx(fig.value(), rel=1e-6)


def test_frechet_swaps_equal_the_direct_computation_and_identical_methods_do_not_differ():
    rng = np.random.default_rng(2)
    n, d = 8, 400
    real = _features(rng, n, 1, d)
    fa, fb = _features(rng, n, 1, d, 0.2), _features(rng, n, 1, d)
    a, b = FrechetFigure(ids(n), real, fa, d), FrechetFigure(ids(n), real, fb, d)
    swap = np.array([[False] * n, [True] * n, rng.random(n) < 0.5])
    ta, tb = a.swapper(b)(swap)
    for s, va, vb in zip(swap, ta, tb):
        mix_a = np.concatenate([fb[i] if s[i] else fa[i] for i in range(n)])
        mix_b = np.concatenate([fa[i] if s[i] else fb[i] for i in range(n)])
        assert va == pytest.approx(frechet_distance_from_features(np.concatenate(real), mix_a), rel=1e-6)
        assert vb == pytest.approx(frechet_distance_from_features(np.concatenate(real), mix_b), rel=1e-6)
    assert paired_test(a, a, BootstrapOptions(256)).p_value == 1.0


def test_frechet_interval_is_recentred_on_the_estimate():
    # resamples repeat videos, which inflates FVD's small-sample bias: the plain percentile interval
    # lies above the estimate; the recentred one is shifted by the bootstrap bias and contains it
    rng = np.random.default_rng(4)
    n, d = 16, 400
    fig = FrechetFigure(ids(n), _features(rng, n, 1, d), _features(rng, n, 1, d, 0.1), d)
    iv = bootstrap_interval(fig, BootstrapOptions(2000))
    samples = resampled_figures(fig, 2000)
    assert np.quantile(samples, 0.025) > fig.value()  # the plain percentile interval misses the estimate
    assert iv.bias > 0 and iv.low < fig.value() < iv.high
    assert iv.low == pytest.approx(np.quantile(samples, 0.025) - iv.bias)


def test_corpus_hooks_rebuild_the_aggregated_figures():
    from slvg_bench.metrics.fvd import FEATURE_DIM, STATE_NETWORK, STATE_PRED, STATE_TARGET, FVD
    from slvg_bench.metrics.wer_metric import STATE_HYP, STATE_HYP_REAL, STATE_RECOGNIZER, STATE_REF, WER

    rng = np.random.default_rng(5)
    n = 6
    rows = pd.DataFrame({
        "video_id": ids(n), "status": ["ok"] * n,
        STATE_PRED: [rng.normal(size=FEATURE_DIM).astype(np.float32) for _ in range(n)],
        STATE_TARGET: [rng.normal(size=FEATURE_DIM).astype(np.float32) for _ in range(n)],
        STATE_NETWORK: ["tats:x"] * n,
        STATE_REF: ["A B C", "A B", "C D E F", "A", "B C", "D"],
        STATE_HYP: ["A B", "A C", "C D E F G", "", "B C", "D D E"],
        STATE_HYP_REAL: ["A B C", "A B", "C D F", "A", "B C", "D"],
        STATE_RECOGNIZER: ["r|plain|beam"] * n,
    })
    fvd = FVD.corpus_resampling(rows)["fvd-i3d-k400"]
    assert fvd.n == n and fvd.value() == pytest.approx(FVD.compute_corpus(rows).value, rel=1e-12)
    wer = WER.corpus_resampling(rows)
    corpus = WER.compute_corpus_columns(rows)
    for col in ("wer", "wer-real"):
        assert wer[col].n == n and wer[col].value() == pytest.approx(corpus[col].value, rel=1e-12)


def test_a_corpus_metric_without_a_resampling_rule_gets_a_reason_not_an_interval():
    from slvg_bench.metrics.base import CorpusResult, Metric, MetricInfo
    from slvg_bench.results import aggregate

    class NewCorpus(Metric):  # a metric added later, that declares nothing about resampling
        info = MetricInfo(id="new-corpus", version=1, higher_is_better=False, level="corpus")

        @classmethod
        def compute_corpus(cls, rows, options=None):
            return CorpusResult(1.5, 3, {"n_videos": 3})

    rows = pd.DataFrame({"video_id": ids(3), "status": ["ok"] * 3, "n_frames": [5] * 3})
    (fig,) = aggregate(rows, [NewCorpus])
    assert fig.value == 1.5 and math.isnan(fig.ci_low) and "no rule" in fig.ci_note
    assert fig.signature == "new-corpus|v:1|corpus|n:3"
