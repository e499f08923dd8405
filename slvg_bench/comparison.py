"""Leaderboard statistics: the methods of each column compared on the videos they all scored.

For every metric column of a leaderboard (:mod:`slvg_bench.leaderboard`), :func:`compare`

1. rebuilds each measured method's figure from its run's per-video rows (``results.parquet`` beside
   ``aggregate.json``; the figure must reproduce the aggregate's value and ``n``, else the run is
   shown as it reported itself and not tested);
2. restricts every method to the **common set**: the videos every such method scored for that
   column. When the sets differ (a too-short video skipped by one metric, a failed video, an
   incomplete run), the values are recomputed on the common set and the column gets a footnote
   naming each method's own count and value;
3. computes each method's 95 % bootstrap interval on the common set (the same resampled videos
   for every method: :mod:`slvg_bench.stats`) and ``n``;
4. tests every non-sanity method against the column's best with the paired approximate
   randomisation test on the common set; a method is bolded with the best when ``p >= alpha``;
5. checks the signatures: two different protocols in one column get a footnote and are neither
   bolded nor tested against each other (their numbers are not the same measurement).

Everything is written back into the :class:`~slvg_bench.leaderboard.Entry` objects (``values``,
``intervals``, ``counts``, ``p_values``, ``signatures``); :class:`ColumnStats` carries the column's
footnotes, :class:`TableStats` the table's (methods whose rows could not be used anywhere).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slvg_bench.signatures import split_n, with_n
from slvg_bench.stats import BootstrapOptions, bootstrap_interval, monte_carlo_se, paired_test

RESULTS_FILE = "results.parquet"


@dataclass
class ColumnStats:
    """What :func:`compare` found for one column.

    Attributes:
        n: videos of the common set (None: nothing was compared).
        notes: footnotes for the column header (common set, signatures, rows that could not be used).
        comparable: False when the measured rows carry different signatures.
        tested: whether p-values were computed (a best with per-video rows and someone to test).
    """

    column: str
    n: int | None = None
    notes: list[str] = field(default_factory=list)
    comparable: bool = True
    tested: bool = False


@dataclass
class TableStats:
    """:func:`compare`'s result: ``columns`` by column id; ``notes``: lines for below the table."""

    columns: dict[str, ColumnStats] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, column: str) -> ColumnStats | None:
        return self.columns.get(column)


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def run_figures(entry) -> dict[str, Any]:
    """``{column: figure or reason}`` of a measured entry, rebuilt from its run's rows.

    A figure is returned only when it reproduces the aggregate (same ``n``, same value to 1e-9
    relative; 1e-6 for a Fréchet figure, whose sums run in another order); otherwise the reason.
    """
    import pandas as pd

    from slvg_bench.metrics.registry import METRICS
    from slvg_bench.results import (corpus_resampling_of, metric_options_from_provenance, metric_options_of,
                                    video_figure)

    columns = dict(entry.figure_info)
    path = Path(entry.run_dir) / RESULTS_FILE if entry.run_dir else None
    if path is None or not path.is_file():
        return {c: f"no per-video rows ({RESULTS_FILE}) beside its aggregate.json" for c in columns}
    try:
        rows = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for unreadable files
        return {c: f"its {RESULTS_FILE} is not readable ({type(e).__name__})" for c in columns}
    prov = entry.details.get("provenance") or {}
    if prov.get("config_hash") and "config_hash" in rows.columns:
        rows = rows[rows["config_hash"] == prov["config_hash"]]
    options = metric_options_from_provenance(prov)
    corpus: dict[str, dict] = {}
    out: dict[str, Any] = {}
    for col, (mid, reducer) in columns.items():
        if mid not in METRICS.names():
            out[col] = f"metric {mid!r} is unknown to this version"
            continue
        cls = METRICS.get(mid)
        if reducer == "corpus":
            if mid not in corpus:
                corpus[mid] = corpus_resampling_of(cls, rows, metric_options_of(cls, options))
            fig = corpus[mid].get(col, "no interval: no resampling rule for this column")
        elif col in rows.columns:
            fig = video_figure(rows, col, reducer)
        else:
            fig = f"its rows have no column {col!r}"
        if not isinstance(fig, str):
            value, n = entry.values.get(col, math.nan), entry.counts.get(col)
            rtol = 1e-6 if fig.kind == "frechet" else 1e-9
            if fig.n == 0 or not _finite(value):
                fig = "no video has a value"
            elif (n is not None and fig.n != n) or not math.isclose(fig.value(), value, rel_tol=rtol, abs_tol=1e-12):
                fig = f"its rows ({fig.n} videos) do not reproduce its aggregate ({n} videos)"
        out[col] = fig
    return out


def _fmt_value(v: float) -> str:
    return f"{v:.6g}"


def compare(columns: list[str], rows: list, options: BootstrapOptions | None = None) -> TableStats:
    """Compare the measured rows of every column (module docstring); updates the entries in place."""
    from slvg_bench.leaderboard import best_values, is_sanity

    options = (options or BootstrapOptions()).validate()
    measured = [e for e in rows if e.source == "measured"]
    table = TableStats({c: ColumnStats(c) for c in columns})
    stats = table.columns
    if options.resamples < 1:
        for e in measured:
            e.intervals.clear()
            e.p_values.clear()
        return table
    figures = {id(e): run_figures(e) for e in measured}
    alone: dict[str, set[str]] = {}  # method -> reasons, for columns where no method has usable rows
    for c in columns:
        cs = stats[c]
        valued = [e for e in measured if _finite(e.values.get(c))]
        if not valued:
            continue
        bases = {e.method: split_n(e.signatures.get(c, ""))[0] for e in valued}
        known = sorted({b for b in bases.values() if b})
        if len(known) > 1:
            cs.comparable = False
            listed = "; ".join(f"{m}: `{b or 'not recorded'}`" for m, b in bases.items())
            cs.notes.append(f"{c}: the methods were scored with different protocols, so their values are not the "
                            f"same measurement and are not compared (no bold, no test): {listed}")
        have = [(e, figures[id(e)].get(c)) for e in valued]
        usable = [(e, f) for e, f in have if f is not None and not isinstance(f, str)]
        unusable = [(e, f) for e, f in have if f is None or isinstance(f, str)]
        if unusable and usable:
            listed = "; ".join(f"{e.method}: {f or 'no figure'}" for e, f in unusable)
            cs.notes.append(f"{c}: shown as the run reported it (interval over its own videos, not tested): {listed}")
        if not usable:
            for e, f in unusable:
                alone.setdefault(e.method, set()).add(f or "no figure")
            continue
        common = sorted(set.intersection(*(set(f.ids) for _, f in usable)))
        own = {e.method: (f.n, e.values[c]) for e, f in usable}
        if any(f.n != len(common) for _, f in usable):
            listed = "; ".join(f"{m} scored {n} ({_fmt_value(v)} on them)" for m, (n, v) in own.items())
            cs.notes.append(f"{c}: compared on the {len(common)} videos every method with per-video rows scored "
                            f"(values, intervals and tests on that common set): {listed}")
        if not common:
            for e, _ in usable:
                e.intervals.pop(c, None)
            continue
        cs.n = len(common)
        subsets = {}
        for e, f in usable:
            sub = f.subset(common)  # always: the paired resamples need every method in the same video order
            subsets[id(e)] = sub
            if f.n != len(common):
                e.values[c] = sub.value()
                full = _fmt_value(own[e.method][1])
                e.notes_by_column[c] = f"{c}: on the {len(common)} common videos ({full} on its {f.n})"
            iv = bootstrap_interval(sub, options)
            if iv.reason:
                e.intervals.pop(c, None)
            else:
                e.intervals[c] = (iv.low, iv.high)
            e.counts[c] = len(common)
            if e.signatures.get(c):
                e.signatures[c] = with_n(e.signatures[c], len(common))
        if not cs.comparable:
            continue
        best = best_values([c], rows).get(c)
        leader = next((e for e, _ in usable if not is_sanity(e.method) and e.values[c] == best), None)
        if leader is None:
            continue
        for e, _ in usable:
            if e is leader or is_sanity(e.method):
                continue
            test = paired_test(subsets[id(e)], subsets[id(leader)], options)
            e.p_values[c] = test.p_value
            if not test.exact and abs(test.p_value - options.alpha) < 3 * monte_carlo_se(options.alpha, test.randomisations):
                e.borderline.add(c)
            cs.tested = True
    if alone:
        listed = "; ".join(f"{m} ({', '.join(sorted(r))})" for m, r in alone.items())
        table.notes.append(f"Not compared on common videos and not tested, shown with the interval the run reported "
                           f"(over its own videos) where no other method could be compared: {listed}.")
    return table
