"""What a run measured, read from wherever it lives, in one shape: :class:`Measured`.

Sources (a registry of loaders, tried in order; the first that accepts the source reads it):

- a run directory of ``slvg-bench run`` (``aggregate.json``; per-video rows from ``results.parquet``);
- an aggregate JSON of ``run`` or ``evaluate`` (``aggregate.json`` / ``<stem>.aggregate.json``; the
  rows next to it are read when present: ``results.parquet`` / ``<stem>.parquet``);
- a Parquet result file (``slvg-bench evaluate --out``, ``EvaluationResult.save``): the figures are
  recomputed from its rows with the metric set and options recorded in its provenance;
- an in-memory result with ``aggregate``/``entries``, ``summary`` and ``rows``
  (:class:`~slvg_bench.evaluator.EvaluationResult`, ``EvaluateResult``, ``RunResult``), or the
  parsed aggregate JSON dict.

Per-video rows are needed only for ``significant: true`` baselines; without them
:meth:`Measured.per_video` raises a usage error saying which source to give instead.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from slvg_bench import results
from slvg_bench.errors import UsageError
from slvg_bench.metrics.registry import ALIASES

RUN_AGGREGATE = "aggregate.json"
RUN_ROWS = "results.parquet"


@dataclass
class Measured:
    """A run's dataset figures (by name: ``l1``, ``l1 [video mean]``, ``fvd-i3d-k400``, …),
    ``unavailable`` metrics (``{metric id: reason}``), its finished per-video ``rows`` (or None)
    and ``info`` (method, dataset, task, config hash, code version, when known)."""

    source: str
    figures: dict[str, results.AggregateRow]
    unavailable: dict[str, str] = field(default_factory=dict)
    rows: pd.DataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def figure(self, name: str) -> results.AggregateRow | None:
        """The figure called ``name`` (aliases ``lpips``, ``fvd`` accepted), or None."""
        return self.figures.get(canonical_name(name))

    @property
    def n_videos(self) -> int:
        return max((f.n_videos for f in self.figures.values()), default=0)

    def per_video(self, figure: results.AggregateRow) -> pd.DataFrame:
        """``video_id``, ``value``, ``n_frames`` of ``figure``'s column in the finished rows with a value."""
        if self.rows is None:
            raise UsageError(f"{figure.name}: a paired test needs the run's per-video rows, which {self.source} "
                             "lacks; give the run directory or its .parquet result file")
        ok = results.valued_rows(self.rows, figure.column)
        if figure.column not in ok.columns:
            return pd.DataFrame({"video_id": [], "value": [], "n_frames": []})
        return pd.DataFrame({"video_id": ok["video_id"].astype(str).to_numpy(),
                             "value": ok[figure.column].astype(float).to_numpy(),
                             "n_frames": ok["n_frames"].astype(int).to_numpy()})


def canonical_name(name: str) -> str:
    """``lpips`` -> ``lpips-alex``, ``fvd`` -> ``fvd-i3d-k400`` (single-metric aliases); other names as given."""
    key = name.strip()
    alias = ALIASES.get(key.lower())
    return alias if alias and "," not in alias else key


# ---------------------------------------------------------------------------------------------
# building Measured


def from_entries(source: str, entries: list[results.AggregateRow], summary: Mapping | None,
                 rows: pd.DataFrame | None, provenance: Mapping | None = None) -> Measured:
    """A Measured from aggregate rows (in memory or read from JSON) and optional per-video rows."""
    summary, provenance = dict(summary or {}), dict(provenance or {})
    unavailable = dict(summary.get("unavailable_metrics") or provenance.get("unavailable_metrics") or {})
    config = provenance.get("config") or {}
    info = {
        "method": summary.get("method") or config.get("method") or _first(rows, "method"),
        "dataset": summary.get("dataset") or config.get("dataset") or _first(rows, "dataset"),
        "task": summary.get("task") or config.get("task") or _first(rows, "task"),
        "config_hash": provenance.get("config_hash") or _first(rows, "config_hash"),
        "code_version": provenance.get("code_version") or _first(rows, "code_version"),
    }
    info = {k: v for k, v in info.items() if v}
    figures = {e.name: e for e in entries}
    if rows is not None and len(rows) and "status" in rows.columns:
        rows = rows[rows["status"] == "ok"].reset_index(drop=True)
    return Measured(source, figures, unavailable, rows, info)


def entry_from_record(record: Mapping) -> results.AggregateRow:
    """An AggregateRow from one record of an aggregate JSON (``value: null`` = NaN)."""
    names = {f.name for f in dataclasses.fields(results.AggregateRow)}
    missing = {"metric", "column", "reducer", "value", "higher_is_better"} - set(record)
    if missing:
        raise UsageError(f"aggregate record {dict(record).get('name', record)!r} lacks {', '.join(sorted(missing))} "
                         "(not an slvg-bench aggregate)")
    data = {k: v for k, v in record.items() if k in names}
    data["value"] = math.nan if data.get("value") is None else float(data["value"])
    data.setdefault("version", 0)
    data.setdefault("n_videos", 0)
    data.setdefault("n_frames", 0)
    return results.AggregateRow(**data)


def _first(rows: pd.DataFrame | None, column: str):
    if rows is None or column not in rows.columns or not len(rows):
        return None
    value = rows[column].dropna()
    return str(value.iloc[0]) if len(value) else None


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"run {str(path)!r} is not a readable JSON file: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("aggregate"), list):
        raise UsageError(f"run {str(path)!r} is not an slvg-bench aggregate JSON (expected an 'aggregate' list)")
    return data


def _read_rows(path: Path) -> pd.DataFrame:
    try:
        rows = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for corrupt files
        raise UsageError(f"run {str(path)!r} is not a readable Parquet result file: {e}") from e
    if not {"video_id", "status", "n_frames"} <= set(rows.columns):
        raise UsageError(f"run {str(path)!r} is not an slvg-bench result file (no video_id/status/n_frames columns)")
    run_ids = sorted(rows["run_id"].dropna().unique()) if "run_id" in rows.columns else []
    if len(run_ids) > 1:
        raise UsageError(f"run {str(path)!r} holds rows of {len(run_ids)} runs ({', '.join(map(str, run_ids[:3]))}…); "
                         "give one run's result file")
    return rows


def _rows_beside(json_path: Path) -> pd.DataFrame | None:
    if json_path.name == RUN_AGGREGATE:
        candidate = json_path.with_name(RUN_ROWS)
    else:
        stem = json_path.name[: -len(".aggregate.json")] if json_path.name.endswith(".aggregate.json") else json_path.stem
        candidate = json_path.with_name(f"{stem}.parquet")
    return _read_rows(candidate) if candidate.is_file() else None


def _from_aggregate_json(path: Path) -> Measured:
    data = _read_json(path)
    entries = [entry_from_record(r) for r in data["aggregate"]]
    return from_entries(str(path), entries, data.get("summary"), _rows_beside(path), data.get("provenance"))


def _from_run_dir(path: Path) -> Measured:
    agg = path / RUN_AGGREGATE
    if not agg.is_file():
        raise UsageError(f"run {str(path)!r} is not a finished slvg-bench run directory (no {RUN_AGGREGATE}); "
                         "give a run directory, an aggregate .json or a .parquet result file")
    measured = _from_aggregate_json(agg)
    measured.source = str(path)
    return measured


def _from_parquet(path: Path) -> Measured:
    rows = _read_rows(path)
    prov = results.read_provenance(path)
    classes = _metric_classes(rows, prov)
    entries = results.aggregate(rows, classes, results.metric_options_from_provenance(prov))
    return from_entries(str(path), entries, {}, rows, prov)


def _metric_classes(rows: pd.DataFrame, prov: Mapping) -> list[type]:
    """The metric classes of a result file: from its provenance, else the registered ids whose columns it has."""
    from slvg_bench.metrics.registry import METRICS

    ids = list((prov.get("metric_versions") or {}).keys())
    if not ids:
        for mid in METRICS.names():
            info = METRICS.get(mid).info
            wanted = [f"{c}{results.REASON_SUFFIX}" for c in info.output_columns] if info.level == "video" \
                else [f"{mid}{results.REASON_SUFFIX}"]
            if all(c in rows.columns for c in wanted):
                ids.append(mid)
    unknown = [m for m in ids if m not in METRICS]
    if unknown:
        raise UsageError(f"the result file was scored with metrics this version does not know: {', '.join(unknown)}")
    return [METRICS.get(m) for m in ids]


def _from_result_object(obj) -> Measured:
    entries = getattr(obj, "aggregate", None)
    if entries is None:
        entries = obj.entries  # RunResult
    return from_entries(type(obj).__name__, list(entries), getattr(obj, "summary", None), getattr(obj, "rows", None),
                        getattr(obj, "provenance", None))


def _from_mapping(data: Mapping) -> Measured:
    return from_entries("<aggregate dict>", [entry_from_record(r) for r in data["aggregate"]], data.get("summary"),
                        None, data.get("provenance"))


def _is_path(source) -> bool:
    return isinstance(source, (str, Path))


def _from_path(source) -> Measured:
    path = Path(source)
    if not path.exists():
        raise UsageError(f"run {str(path)!r} does not exist (expected a run directory, an aggregate .json or a "
                         ".parquet result file)")
    kind = "dir" if path.is_dir() else path.suffix.lower()
    if kind not in PATH_LOADERS:
        raise UsageError(f"run {str(path)!r} is neither a run directory, an aggregate .json nor a .parquet result file")
    return PATH_LOADERS[kind](path)


PATH_LOADERS: dict[str, Callable[[Path], Measured]] = {
    "dir": _from_run_dir,
    ".json": _from_aggregate_json,
    ".parquet": _from_parquet,
}

# (accepts, load), tried in order
LOADERS: list[tuple[Callable[[Any], bool], Callable[[Any], Measured]]] = [
    (lambda s: isinstance(s, Measured), lambda s: s),
    (_is_path, _from_path),
    (lambda s: isinstance(s, Mapping) and isinstance(s.get("aggregate"), list), _from_mapping),
    (lambda s: (hasattr(s, "aggregate") or hasattr(s, "entries")) and hasattr(s, "summary"), _from_result_object),
]


def load_measured(source) -> Measured:
    """A :class:`Measured` from any supported source (module docstring)."""
    for accepts, load in LOADERS:
        if accepts(source):
            return load(source)
    raise UsageError(f"cannot read a run from {type(source).__name__}: give a run directory, an aggregate .json, "
                     "a .parquet result file or an Evaluator result")
