import numpy as np
import pytest

from slvg_bench.metrics import frechet
from slvg_bench.metrics.frechet import frechet_distance, frechet_distance_from_features, gaussian_stats
from tests.metrics.tolerances import TOLERANCES


def random_orthogonal(d, rng):
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def tfgan_reference(mu1, s1, mu2, s2):
    """TF-GAN's formulation: trace of sqrt(A Σ2 A) with A = symmetric sqrt(Σ1), via eigen-decompositions."""
    def sym_sqrt(m):
        w, v = np.linalg.eigh((m + m.T) / 2)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

    a = sym_sqrt(s1)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(sym_sqrt(a @ s2 @ a)))


def test_closed_form_for_commuting_gaussians():
    rng = np.random.default_rng(0)
    d = 12
    q = random_orthogonal(d, rng)
    a, b = rng.uniform(0.1, 3.0, d), rng.uniform(0.1, 3.0, d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    s1, s2 = (q * a) @ q.T, (q * b) @ q.T
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(a + b - 2 * np.sqrt(a * b))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, abs=TOLERANCES["frechet_vs_reference"])


def test_matches_the_tfgan_formulation_on_general_covariances():
    rng = np.random.default_rng(1)
    d = 20
    x, y = rng.standard_normal((60, d)), rng.standard_normal((60, d)) @ rng.standard_normal((d, d)) * 0.3 + 1
    sx, sy = gaussian_stats(x), gaussian_stats(y)
    ours = frechet_distance(sx.mu, sx.sigma, sy.mu, sy.sigma)
    assert ours == pytest.approx(tfgan_reference(sx.mu, sx.sigma, sy.mu, sy.sigma), abs=1e-7)


def test_samples_from_two_gaussians_approach_the_closed_form():
    rng = np.random.default_rng(2)
    d, n = 4, 200_000
    x = rng.standard_normal((n, d)) * np.sqrt([1, 2, 3, 4])
    y = rng.standard_normal((n, d)) * np.sqrt([4, 3, 2, 1]) + 0.5
    expected = d * 0.25 + np.sum(np.array([1, 2, 3, 4]) + [4, 3, 2, 1] - 2 * np.sqrt([4, 6, 6, 4]))
    assert frechet_distance_from_features(x, y) == pytest.approx(expected, abs=0.05)


def test_covariance_conventions_match_numpy_and_inputs_are_untouched():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((15, 6)).astype(np.float32)
    copy = x.copy()
    np.testing.assert_allclose(gaussian_stats(x, "unbiased").sigma, np.cov(x.astype(np.float64), rowvar=False), atol=1e-12)
    np.testing.assert_allclose(gaussian_stats(x, "biased").sigma, np.cov(x.astype(np.float64), rowvar=False, bias=True), atol=1e-12)
    assert gaussian_stats(x).sigma.dtype == np.float64
    np.testing.assert_array_equal(x, copy)
    y = rng.standard_normal((15, 6))
    assert frechet_distance_from_features(x, y, "biased") != frechet_distance_from_features(x, y, "unbiased")


def test_a_set_against_itself_is_zero_even_when_rank_deficient():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((30, 64))  # n < d: singular covariance, like FVD on a small test set
    assert abs(frechet_distance_from_features(x, x)) < TOLERANCES["fvd_self"]


def test_non_finite_sqrtm_falls_back_to_eps_identity(monkeypatch):
    calls = []
    real = frechet._sqrtm

    def flaky(m):
        calls.append(m.copy())
        return np.full_like(m, np.nan) if len(calls) == 1 else real(m)

    monkeypatch.setattr(frechet, "_sqrtm", flaky)
    rng = np.random.default_rng(5)
    s = np.cov(rng.standard_normal((50, 5)), rowvar=False)
    mu = np.zeros(5)
    value = frechet_distance(mu, s, mu, s, eps=1e-6)
    assert len(calls) == 2
    np.testing.assert_allclose(calls[1], (s + 1e-6 * np.eye(5)) @ (s + 1e-6 * np.eye(5)))
    assert abs(value) < 1e-4


def test_needs_two_samples_and_matching_shapes():
    with pytest.raises(ValueError, match="at least 2 samples"):
        gaussian_stats(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="shape mismatch"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
