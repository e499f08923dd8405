"""Stored Fréchet features shared by FVD and FID: row selection with its reasons, and FID's resampling
rule (a video brings all its frames), checked against the direct computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from slvg_bench.metrics import stored_features
from slvg_bench.metrics.base import CorpusResult
from slvg_bench.metrics.fid import COLUMNS as FID_COLUMNS
from slvg_bench.metrics.fid import FEATURE_DIM as FID_DIM
from slvg_bench.metrics.fid import FIDInception
from slvg_bench.metrics.fvd import COLUMNS as FVD_COLUMNS
from slvg_bench.metrics.fvd import SKIPPED_SHORT, FVD
from slvg_bench.stats import FrechetFigure


def _rows(cols, n, k, rng, network="net:a"):
    return pd.DataFrame({
        "video_id": [f"v{i}" for i in range(n)], "status": ["ok"] * n,
        cols.pred: [(rng.normal(size=(k, cols.dim)) + 0.2).astype(np.float32).ravel() for _ in range(n)],
        cols.target: [rng.normal(size=(k, cols.dim)).astype(np.float32).ravel() for _ in range(n)],
        cols.network: [network] * n,
    })


def test_select_keeps_usable_rows_and_names_why_others_block_the_figure():
    rng = np.random.default_rng(0)
    rows = _rows(FVD_COLUMNS, 5, 1, rng)
    chosen = stored_features.select(rows, FVD_COLUMNS, {})
    assert isinstance(chosen, stored_features.StoredFeatures)
    assert len(chosen.have) == 5 and chosen.n_missing == 0 and chosen.network == "net:a"

    # a video without features blocks the figure, with its reason (one distinct reason: said once)
    rows.at[1, FVD_COLUMNS.pred] = float("nan")
    rows[f"{FVD_COLUMNS.metric_id}_reason"] = [None, "decode error", None, None, None]
    res = stored_features.select(rows, FVD_COLUMNS, {})
    assert isinstance(res, CorpusResult) and math.isnan(res.value)
    assert res.reason == "1 of 5 videos have no FVD features; decode error" and res.n_missing == 1

    # two distinct reasons: the first video is named; a missing reason reads "no features stored"
    rows.at[3, FVD_COLUMNS.pred] = None
    res = stored_features.select(rows, FVD_COLUMNS, {})
    assert res.reason == "2 of 5 videos have no FVD features; first 'v1': decode error" and res.n_missing == 2

    # FVD's skippable reason leaves videos out and counts them; FID has no such reason
    rows[f"{FVD_COLUMNS.metric_id}_reason"] = [None, f"{SKIPPED_SHORT}: 9 frames", None, f"{SKIPPED_SHORT}: 3", None]
    details = {}
    chosen = stored_features.select(rows, FVD_COLUMNS, details)
    assert len(chosen.have) == 3 and chosen.n_missing == 2 and details["videos_skipped_short"] == 2
    assert FVD.compute_corpus(rows).n == 3

    mixed = _rows(FVD_COLUMNS, 3, 1, rng)
    mixed.at[2, FVD_COLUMNS.network] = "net:b"
    res = stored_features.select(mixed, FVD_COLUMNS, {})
    assert res.reason == "rows mix features of different I3D files: ['net:a', 'net:b']"
    res = stored_features.select(mixed.drop(columns=[FVD_COLUMNS.pred]), FVD_COLUMNS, {})
    assert res.reason == "fvd-i3d-k400 was not computed for these rows"


@pytest.fixture
def small_fid(monkeypatch):
    """FID's columns with 16-d features: the same code paths without 2048² matrix square roots
    (~10 s each on 2 cores)."""
    from slvg_bench.metrics import fid as fid_module

    cols = stored_features.FeatureColumns("fid-inception", "FID", "Inception", 16)
    monkeypatch.setattr(fid_module, "COLUMNS", cols)
    monkeypatch.setattr(fid_module, "FEATURE_DIM", 16)
    return cols


def test_fid_resampling_figure_keeps_each_videos_frames_together():
    rows = _rows(FID_COLUMNS, 3, 2, np.random.default_rng(3))
    fig = FIDInception.corpus_resampling(rows)["fid-inception"]
    assert isinstance(fig, FrechetFigure) and fig.n == 3 and fig.covariance == "unbiased"
    assert all(r.shape == (2, FID_DIM) for r in fig.real + fig.fake)


def test_fid_resampling_rule_resamples_videos_with_all_their_frames(small_fid):
    rng = np.random.default_rng(1)
    n, frames = 6, 3  # 18 frames per side in 16-d
    rows = _rows(small_fid, n, frames, rng)
    fig = FIDInception.corpus_resampling(rows)["fid-inception"]
    assert fig.n == n and all(r.shape == (frames, 16) for r in fig.real + fig.fake)
    assert fig.value() == pytest.approx(FIDInception.compute_corpus(rows).value, rel=1e-6)
    idx = np.array([[0, 0, 2, 5, 5, 5]])
    real = np.concatenate([rows[small_fid.target][i].reshape(-1, 16) for i in idx[0]])
    fake = np.concatenate([rows[small_fid.pred][i].reshape(-1, 16) for i in idx[0]])
    from slvg_bench.metrics.frechet import frechet_distance_from_features

    assert fig.resampler()(idx)[0] == pytest.approx(frechet_distance_from_features(real, fake), rel=1e-6)
    assert "no FID features" in FIDInception.corpus_resampling(rows.drop(columns=[small_fid.pred]))["fid-inception"]


def test_fid_gets_an_interval_in_the_aggregate(small_fid):
    from slvg_bench.results import aggregate
    from slvg_bench.stats import BootstrapOptions

    rows = _rows(small_fid, 8, 2, np.random.default_rng(2))
    (fid,) = aggregate(rows, [FIDInception], bootstrap=BootstrapOptions(500))
    assert fid.metric == "fid-inception" and fid.n_videos == 8
    assert fid.ci_note is None or fid.ci_note.startswith("recentred by the bootstrap bias")
    assert fid.ci_low < fid.value < fid.ci_high
