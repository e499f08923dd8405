"""The paired bootstrap against cases whose resampling distribution is worked out by hand."""

import itertools

import numpy as np
import pytest

from slvg_bench.bootstrap import BLOCK, paired_bootstrap, resampled_means


def exact_p(d, w, higher_is_better):
    """P(resampled mean is not worse) by enumerating all n**n equally likely resamples."""
    d, w = np.asarray(d, float), np.asarray(w, float)
    hits = total = 0
    for idx in itertools.product(range(len(d)), repeat=len(d)):
        m = (w[list(idx)] * d[list(idx)]).sum() / w[list(idx)].sum()
        hits += (-m if higher_is_better else m) <= 0
        total += 1
    return hits / total


def test_two_videos_by_hand():
    # d = run - baseline = (-1, +2). Resamples of 2 videos: (a,a) -1, (a,b) and (b,a) +0.5, (b,b) +2, each 1/4.
    # Lower is better: the run is not worse (mean <= 0) only in (a,a): p = 1/4.
    run, base = [0.0, 3.0], [1.0, 1.0]
    t = paired_bootstrap(run, base, higher_is_better=False, resamples=40_000, seed=1)
    assert t.delta == pytest.approx(0.5) and t.n == 2
    assert t.p_value == pytest.approx(0.25, abs=0.01) and not t.worse
    # weights 3:1 (frame counts): (a,b) = (-3 + 2)/4 = -0.25, so (a,a), (a,b), (b,a) are not worse: p = 3/4
    t = paired_bootstrap(run, base, higher_is_better=False, weights=[3, 1], resamples=40_000, seed=1)
    assert t.delta == pytest.approx(-0.25) and t.p_value == pytest.approx(0.75, abs=0.01)
    # higher is better (unweighted): not worse = mean >= 0 in (a,b), (b,a), (b,b): p = 3/4
    t = paired_bootstrap(run, base, higher_is_better=True, resamples=40_000, seed=1)
    assert t.p_value == pytest.approx(0.75, abs=0.01)


def test_three_videos_match_exhaustive_enumeration():
    d, w = [0.4, -0.1, 0.3], [5, 2, 9]
    for higher in (False, True):
        t = paired_bootstrap(d, [0, 0, 0], higher_is_better=higher, weights=w, resamples=50_000, seed=7)
        assert t.p_value == pytest.approx(exact_p(d, w, higher), abs=0.01)


def test_uniformly_worse_run_has_the_smallest_p_and_identical_runs_p_one():
    t = paired_bootstrap([2.0, 3.0, 4.0], [1.0, 1.0, 1.0], higher_is_better=False, resamples=999, seed=0)
    assert t.p_value == 1 / 1000 and t.worse  # (1 + 0) / (B + 1): never 0
    same = paired_bootstrap([1.0, 2.0], [1.0, 2.0], higher_is_better=True, resamples=999)
    assert same.p_value == 1.0 and same.delta == 0 and not same.worse


def test_seeded_blocked_and_interval():
    v = np.linspace(0, 1, 7)
    a = resampled_means(v, resamples=3 * BLOCK + 5, seed=3)
    b = resampled_means(v, resamples=3 * BLOCK + 5, seed=3)
    c = resampled_means(v, resamples=3 * BLOCK + 5, seed=4)
    assert np.array_equal(a, b) and not np.array_equal(a, c) and len(a) == 3 * BLOCK + 5
    assert a.mean() == pytest.approx(v.mean(), abs=0.01)
    t = paired_bootstrap(v + 0.1, v, higher_is_better=False, resamples=2000, alpha=0.1)
    assert t.ci_low == pytest.approx(0.1) and t.ci_high == pytest.approx(0.1)  # constant difference


@pytest.mark.parametrize("call, message", [
    (lambda: resampled_means([]), "at least one value"),
    (lambda: resampled_means([1.0, float("nan")]), "must be finite"),
    (lambda: resampled_means([1.0, 2.0], weights=[1.0, 0.0]), "finite positive"),
    (lambda: resampled_means([1.0], resamples=0), "resamples must be >= 1"),
    (lambda: paired_bootstrap([1.0, 2.0], [1.0], higher_is_better=True), "same videos"),
    (lambda: paired_bootstrap([1.0], [1.0], higher_is_better=True, alpha=1.5), "alpha must be in"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
