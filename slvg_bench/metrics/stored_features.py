"""Per-video network features stored in result rows, for the Fréchet metrics (FVD's I3D clips, FID's
Inception frames): which rows have them, why the others do not, the stacked arrays, and the figure
that :mod:`slvg_bench.stats` resamples for intervals and paired tests.

A metric stores three columns per row: ``<id>:pred`` and ``<id>:target`` (a flattened ``k×d`` float
array each, ``k`` clips or frames of the video) and ``<id>:network`` (the network file's tag). A
row whose metric could not run holds NaN there and the reason in ``<id>_reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from slvg_bench.metrics.base import CorpusResult

NO_FEATURES = "no features stored"


def has_features(value) -> bool:
    """Whether a row's stored value is a feature array (not None/NaN)."""
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def stack_features(values, dim: int) -> np.ndarray:
    """Stored flattened per-video features -> ``N×dim`` float32 (videos without features add nothing)."""
    arrays = [np.asarray(v, np.float32) for v in values if has_features(v)]
    return np.concatenate(arrays).reshape(-1, dim) if arrays else np.zeros((0, dim), np.float32)


@dataclass(frozen=True)
class FeatureColumns:
    """The row columns of one Fréchet metric and the words its messages use.

    ``label``: the metric's short name (``FVD``); ``network_kind``: what its network files are
    (``I3D``); ``skippable``: a reason prefix that leaves a video out instead of blocking the figure
    (FVD's ``--fvd-skip-short``), counted in ``details["videos_skipped_short"]``.
    """

    metric_id: str
    label: str
    network_kind: str
    dim: int
    skippable: Optional[str] = None

    @property
    def pred(self) -> str:
        return f"{self.metric_id}:pred"

    @property
    def target(self) -> str:
        return f"{self.metric_id}:target"

    @property
    def network(self) -> str:
        return f"{self.metric_id}:network"


@dataclass
class StoredFeatures:
    """The rows a Fréchet figure is computed from (``have``), the network they share, and how many
    status-ok rows contributed nothing (``n_missing``, the skipped ones included)."""

    have: Any  # pandas DataFrame
    n_missing: int
    network: Optional[str]


def select(rows, cols: FeatureColumns, details: dict) -> StoredFeatures | CorpusResult:
    """The usable rows of a result table, or the NaN :class:`CorpusResult` with the reason why there
    are none: the metric never ran on these rows, a video lacks its features (and the reason is not
    ``cols.skippable``), or the rows mix features of two network files. ``details`` gets
    ``videos_skipped_short`` when the metric has a skippable reason."""
    import pandas as pd

    if cols.pred not in rows.columns:
        return CorpusResult(float("nan"), 0, details, f"{cols.metric_id} was not computed for these rows")
    ok = rows[rows["status"] == "ok"]
    has = ok[cols.pred].map(has_features).astype(bool)
    missing = ok[~has]
    reason_col = f"{cols.metric_id}_reason"
    reasons = missing[reason_col] if reason_col in missing.columns else pd.Series(None, index=missing.index, dtype=object)
    reasons = reasons.where(reasons.map(lambda r: isinstance(r, str)), NO_FEATURES).astype(str)
    if cols.skippable is not None:
        skipped = reasons.str.startswith(cols.skippable)
        details["videos_skipped_short"] = int(skipped.sum())
        reasons = reasons[~skipped]
    if len(reasons):
        first = reasons.index[0]
        what = reasons.iloc[0] if reasons.nunique() == 1 else f"first {missing.loc[first, 'video_id']!r}: {reasons.iloc[0]}"
        return CorpusResult(float("nan"), 0, details,
                            f"{len(reasons)} of {len(ok)} videos have no {cols.label} features; {what}",
                            n_missing=len(missing))
    have = ok[has]
    networks = sorted(set(have[cols.network]))
    if len(networks) > 1:
        return CorpusResult(float("nan"), 0, details,
                            f"rows mix features of different {cols.network_kind} files: {networks}")
    return StoredFeatures(have, len(missing), networks[0] if networks else None)


def resampling_figure(rows, cols: FeatureColumns, covariance: str) -> dict[str, Any]:
    """``{metric_id: FrechetFigure}`` over the videos with features on both sides (those the figure
    uses), or ``{metric_id: reason}`` when the rows hold none (:meth:`Metric.corpus_resampling`)."""
    from slvg_bench.stats import FrechetFigure

    if cols.pred not in rows.columns or cols.target not in rows.columns:
        return {cols.metric_id: f"no interval: these rows hold no {cols.label} features"}
    ok = rows[rows["status"] == "ok"]
    have = ok[ok[cols.pred].map(has_features).astype(bool) & ok[cols.target].map(has_features).astype(bool)]
    return {cols.metric_id: FrechetFigure(have["video_id"].astype(str).tolist(), list(have[cols.target]),
                                          list(have[cols.pred]), cols.dim, covariance)}
