"""Per-video result rows in Parquet: resumable shards, consolidation, aggregation from rows only.

A row (one video of one run) has the identity columns ``run_id, method,
checkpoint_sha256, dataset, split, task, video_id, n_frames``, one float column
per metric output (``l1``, ``ssim``, ``tcd``, ``l1-left-hand``, ...), a
``<column>_reason`` string next to each (null when the value was computed; NaN
is never written without one), the state columns of corpus-level metrics (FVD's
features), and ``status`` (``ok`` / ``failed`` / ``skipped``), ``message``,
``code_version``, ``config_hash``, ``finished_at``.

:class:`ResultStore` appends rows to Parquet *shards* next to the output file
(``<out>.shards/part-*.parquet``), each written atomically (temp file + rename),
every ``flush_every`` rows and on exit. Re-opening the store reads the output
file and every shard, so a rerun skips finished videos; :meth:`ResultStore.finalize`
merges everything into the output file (atomically, provenance in the Parquet
metadata) and only then deletes the merged shards. Duplicated keys (a retried
video) keep one row: a finished row beats a failed one, then the latest. Several
processes may write shards into the same store; nothing they write is lost.

:func:`aggregate` computes dataset figures from rows alone, with exactly
rounded sums (``math.fsum``), so one process or N processes, any row order,
give identical numbers. Each figure carries ``n_videos`` (the videos that metric actually
scored: columns can differ when a metric skips a video), a 95 % bootstrap interval over those
videos (``ci_low``/``ci_high``, :mod:`slvg_bench.stats`; seeded, so also identical) and its
signature (:mod:`slvg_bench.signatures`).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from slvg_bench.errors import SlvgError

STATUSES = ("ok", "failed", "skipped")
IDENTITY_COLUMNS = ("run_id", "method", "checkpoint_sha256", "dataset", "split", "task", "video_id", "n_frames")
TRAILING_COLUMNS = ("status", "message", "code_version", "config_hash", "finished_at")
PROVENANCE_KEY = b"slvg_bench"
REASON_SUFFIX = "_reason"


@dataclass(frozen=True)
class RunContext:
    """The columns every row of one run shares."""

    run_id: str
    method: str = ""
    checkpoint_sha256: str | None = None
    dataset: str = ""
    split: str = ""
    task: str = ""
    code_version: str = ""
    config_hash: str = ""


@dataclass(frozen=True)
class RowSchema:
    """Metric columns of a run: float values, their reasons, corpus-metric state and reasons."""

    value_columns: tuple[str, ...] = ()
    state_columns: tuple[str, ...] = ()
    corpus_metrics: tuple[str, ...] = ()

    @property
    def reason_columns(self) -> tuple[str, ...]:
        return tuple(c + REASON_SUFFIX for c in self.value_columns + self.corpus_metrics)

    @property
    def columns(self) -> tuple[str, ...]:
        return IDENTITY_COLUMNS + self.value_columns + self.reason_columns + self.state_columns + TRAILING_COLUMNS


def make_row(
    ctx: RunContext,
    schema: RowSchema,
    video_id: str,
    n_frames: int,
    status: str = "ok",
    message: str = "",
    values: dict[str, float] | None = None,
    reasons: dict[str, str] | None = None,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete row: every schema column present; NaN values always carry a reason."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    values, reasons, state = values or {}, dict(reasons or {}), state or {}
    row: dict[str, Any] = {k: v for k, v in asdict(ctx).items() if k in IDENTITY_COLUMNS}
    row.update(video_id=video_id, n_frames=int(n_frames))
    default_reason = message or status
    for col in schema.value_columns:
        v = values.get(col)
        row[col] = float("nan") if v is None or not math.isfinite(float(v)) else float(v)
        if math.isnan(row[col]) and col not in reasons:
            reasons[col] = default_reason if v is None else f"non-finite value {v}"
        row[col + REASON_SUFFIX] = reasons.get(col)
    for metric in schema.corpus_metrics:
        r = reasons.get(metric)
        if r is None and status != "ok":
            r = default_reason
        row[metric + REASON_SUFFIX] = r
    for col in schema.state_columns:
        row[col] = state.get(col)
    row.update(status=status, message=message, code_version=ctx.code_version, config_hash=ctx.config_hash,
               finished_at=time.time())
    return {c: row[c] for c in schema.columns}


def _atomic_write_table(df: pd.DataFrame, path: Path, metadata: dict | None = None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    if metadata is not None:
        meta = dict(table.schema.metadata or {})
        meta[PROVENANCE_KEY] = json.dumps(metadata, default=str).encode()
        table = table.replace_schema_metadata(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        from slvg_bench.errors import output_error

        raise output_error(path, e, "write results to") from e
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_rows(rows: pd.DataFrame, path: str | Path, provenance: dict | None = None) -> None:
    """Write finished rows as one consolidated result file (atomic; provenance in the metadata)."""
    _atomic_write_table(rows, Path(path), provenance)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for corrupt files
        raise SlvgError(f"result file {path} is not readable Parquet ({e}); move it away to start over") from e


def refuse_mixed(rows: pd.DataFrame, config_hash: str, where: str | Path) -> None:
    """Raise when ``rows`` hold results of another configuration than ``config_hash`` (a second writer
    that ignored the lock, e.g. on a network file system without ``flock``): never aggregate a mix."""
    if rows.empty or "config_hash" not in rows.columns:
        return
    other = sorted(set(rows["config_hash"].dropna()) - {config_hash})
    if other:
        n = int(rows["config_hash"].isin(other).sum())
        raise SlvgError(f"{str(where)!r} holds {n} rows of another configuration (config hash {', '.join(other)}) "
                        f"written while this one ran: two processes wrote into the same output; nothing was "
                        f"aggregated — rerun into a fresh --out")


def read_result_rows(path: str | Path, what: str = "result file") -> pd.DataFrame:
    """The rows of a result file written by ``run`` or ``evaluate``, or one clear error naming it."""
    from slvg_bench.errors import UsageError

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{what} {str(path)!r} is not a file (expected a results .parquet of run or evaluate)")
    try:
        df = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several types for files that are not Parquet
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UsageError(f"{what} {str(path)!r} is not a Parquet file ({first}); expected the results .parquet "
                         f"of run or evaluate") from e
    lacking = [c for c in ("video_id", "status") if c not in df.columns]
    if lacking:
        raise UsageError(f"{what} {str(path)!r} is Parquet but not slvg-bench result rows (no column "
                         f"{', '.join(lacking)})")
    return df


def read_provenance(path: str | Path) -> dict:
    """The provenance dict stored in a consolidated result file's metadata ({} if none)."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[PROVENANCE_KEY]) if PROVENANCE_KEY in meta else {}


def deduplicate(df: pd.DataFrame, key: Iterable[str] = ("run_id", "video_id")) -> pd.DataFrame:
    """One row per key: finished (ok/skipped) beats failed, then the latest; sorted by key."""
    key = list(key)
    if df.empty:
        return df
    rank = df["status"].map({"failed": 0, "skipped": 1, "ok": 1}).fillna(0)
    order = df.assign(_rank=rank).sort_values([*key, "_rank", "finished_at"], kind="mergesort")
    out = order.drop_duplicates(key, keep="last").drop(columns="_rank")
    return out.reset_index(drop=True)


class ResultStore:
    """Resumable, append-only store of rows for one output file (module docstring).

    Args:
        path: the consolidated ``.parquet`` file.
        key: columns that identify a row.
        flush_every: rows kept in memory before a shard is written.
    """

    def __init__(self, path: str | Path, key: Iterable[str] = ("run_id", "video_id"), flush_every: int = 16):
        self.path = Path(path)
        self.shard_dir = self.path.with_name(self.path.name + ".shards")
        self.key = tuple(key)
        self.flush_every = max(1, int(flush_every))
        self._pending: list[dict] = []
        self._token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._seq = 0

    def shard_paths(self) -> list[Path]:
        return sorted(self.shard_dir.glob("part-*.parquet")) if self.shard_dir.is_dir() else []

    def load(self) -> pd.DataFrame:
        """Every row written so far (output file + shards + unflushed), deduplicated."""
        frames = [_read_parquet(self.path)] if self.path.is_file() else []
        frames += [_read_parquet(p) for p in self.shard_paths()]
        if self._pending:
            frames.append(pd.DataFrame(self._pending))
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame()
        return deduplicate(pd.concat(frames, ignore_index=True), self.key)

    def finished_keys(self) -> set[tuple]:
        """Keys of rows that need no recomputation (status ok or skipped; failed rows are retried)."""
        df = self.load()
        if df.empty:
            return set()
        done = df[df["status"].isin(["ok", "skipped"])]
        return set(map(tuple, done[list(self.key)].itertuples(index=False, name=None)))

    def add(self, row: dict) -> None:
        self._pending.append(row)
        if len(self._pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write pending rows as one new shard (atomic)."""
        if not self._pending:
            return
        self._seq += 1
        path = self.shard_dir / f"part-{self._token}-{self._seq:06d}.parquet"
        _atomic_write_table(pd.DataFrame(self._pending), path)
        self._pending = []

    def finalize(self, provenance: dict | None = None) -> pd.DataFrame:
        """Merge output file + shards into the output file (atomic), then delete the merged shards."""
        self.flush()
        shards = self.shard_paths()
        df = self.load()
        _atomic_write_table(df, self.path, provenance)
        for p in shards:
            p.unlink(missing_ok=True)
        # temp files of a writer killed mid-write (kill -9): this writer holds the output's lock, so no one
        # else is writing them any more
        stale = list(self.shard_dir.glob(".part-*.tmp")) if self.shard_dir.is_dir() else []
        stale += list(self.path.parent.glob(f".{self.path.name}.*.tmp"))
        for p in stale:
            p.unlink(missing_ok=True)
        if self.shard_dir.is_dir() and not any(self.shard_dir.iterdir()):
            self.shard_dir.rmdir()
        return df


# ---------------------------------------------------------------------------------------------
# aggregation


@dataclass
class AggregateRow:
    """One dataset figure."""

    metric: str
    column: str
    reducer: str  # "frame-weighted mean" | "video mean" | "corpus"
    value: float
    higher_is_better: bool
    version: int
    n_videos: int
    n_frames: int
    n_missing: int = 0
    reason: str | None = None
    details: dict = field(default_factory=dict)
    primary: bool = True
    warning: str | None = None  # a computed value that must not be read as an ordinary one (e.g. an unofficial I3D)
    ci_low: float = math.nan  # bootstrap interval over the n_videos videos (NaN: none, ci_note says why)
    ci_high: float = math.nan
    ci_level: float | None = None
    ci_note: str | None = None
    signature: str = ""  # slvg_bench.signatures: the protocol of this figure, ending in n:<n_videos>

    @property
    def name(self) -> str:
        """Label used in tables: the column id, suffixed by the reducer when it is not the primary one."""
        return self.column if self.primary else f"{self.column} [{self.reducer}]"


def _first_reason(reasons: pd.Series) -> str | None:
    r = reasons.dropna()
    if r.empty:
        return None
    counts = r.value_counts()
    top = counts.index[0]
    return top if len(counts) == 1 else f"{top} (and {len(r) - counts.iloc[0]} other reasons)"


def _reduce(values: pd.Series, n_frames: pd.Series, reducer: str) -> float:
    if reducer == "frame":
        total = math.fsum(float(v) * int(n) for v, n in zip(values, n_frames))
        return total / sum(int(n) for n in n_frames)
    return math.fsum(float(v) for v in values) / len(values)


def valued_rows(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows that count for a per-video ``column``: finished (``status == "ok"``) with a value.

    The one selection rule behind every figure rebuilt from rows (leaderboard intervals and tests,
    ``slvg-bench check``'s paired test); a column the rows lack gives no rows."""
    ok = rows[rows["status"] == "ok"] if len(rows) else rows
    return ok[ok[column].notna()] if column in ok.columns else ok.iloc[:0]


def metric_options_from_provenance(provenance: dict) -> Any:
    """The ``MetricOptions`` a run recorded in its provenance (``config.options``); the defaults where
    absent or unreadable (a run written by an older version)."""
    from slvg_bench.config import from_dict
    from slvg_bench.errors import UsageError
    from slvg_bench.scoring import MetricOptions

    data = (((provenance or {}).get("config") or {}).get("options")) or {}
    try:
        return from_dict(MetricOptions, data, "options.")
    except UsageError:
        return MetricOptions()


def video_figure(rows: pd.DataFrame, column: str, reducer: str):
    """The :class:`~slvg_bench.stats.RatioFigure` of a per-video column: its finite values in ``ok``
    rows, weighted by ``n_frames`` for the ``frame`` reducer (``frame-weighted mean``)."""
    from slvg_bench.stats import RatioFigure

    valid = valued_rows(rows, column)
    weights = valid["n_frames"].to_numpy(dtype=float) if reducer in ("frame", "frame-weighted mean") else None
    return RatioFigure.mean(valid["video_id"].astype(str).tolist(), valid[column].to_numpy(dtype=float), weights)


def metric_options_of(cls: type, options_root: Any) -> Any:
    """The options of metric class ``cls``: its section of ``options_root`` (a ``MetricOptions``), else
    its defaults (None for a metric without options)."""
    if cls.options_key and options_root is not None:
        return getattr(options_root, cls.options_key, None)
    return cls.options_class() if getattr(cls, "options_class", None) is not None else None


def corpus_resampling_of(cls: type, rows: pd.DataFrame, options: Any) -> dict[str, Any]:
    """``cls.corpus_resampling``; a failure becomes the reason (an interval must never end a run's aggregation)."""
    try:
        return cls.corpus_resampling(rows, options)
    except (ValueError, TypeError, KeyError, FloatingPointError, ArithmeticError, np.linalg.LinAlgError) as e:
        return {c: f"no interval: {type(e).__name__}: {e}" for c in cls.info.output_columns}


def _interval_fields(figure: Any, value: float, n: int, options) -> dict[str, Any]:
    """``ci_low/ci_high/ci_level/ci_note`` of one figure (its resampling ``figure``, or a reason string)."""
    from slvg_bench.stats import bootstrap_interval

    if not math.isfinite(value):
        return {"ci_note": "no value, no interval"}
    if isinstance(figure, str) or figure is None:
        return {"ci_note": figure or "no interval: no resampling rule for this figure"}
    if figure.n != n:
        return {"ci_note": f"no interval: the resampling rule found {figure.n} videos, the figure has {n}"}
    iv = bootstrap_interval(figure, options)
    if iv.reason:
        return {"ci_note": iv.reason}
    note = (f"recentred by the bootstrap bias ({iv.bias:+.6g}): resamples that repeat videos inflate this "
            f"metric's small-sample bias" if iv.bias else None)
    return {"ci_low": iv.low, "ci_high": iv.high, "ci_level": iv.level, "ci_note": note}


def aggregate(rows: pd.DataFrame, metric_classes: Iterable[type], options_root: Any = None, *, bootstrap: Any = None,
              metric_weights: Mapping[str, Mapping[str, str]] | None = None) -> list[AggregateRow]:
    """Dataset figures of every metric from result rows (values from status ``ok`` rows only).

    ``n_missing`` of every figure counts the videos that gave it no value: ok rows without one
    *and* every failed row (a video that could not be generated, read or prepared), whose first
    reason is in ``reason``; a figure over fewer videos than expected never looks complete.

    Per-video metrics: one entry per column and reducer (``info.reducers``; the
    first is primary and is labelled with the bare column id). Corpus metrics:
    the class's ``compute_corpus(rows, options)``.

    Every figure gets its bootstrap interval over its own ``n_videos`` videos
    (:class:`~slvg_bench.stats.BootstrapOptions` ``bootstrap``, default B = 20 000, seed 0;
    ``resamples=0`` for none) and its signature (``metric_weights``: ``{metric id: {weight id: sha256}}``
    of the instances that scored the rows, for the signatures' ``w:`` tokens).
    """
    from slvg_bench.signatures import protocol_signature, with_n
    from slvg_bench.stats import BootstrapOptions

    boot = (bootstrap or BootstrapOptions()).validate()
    metric_weights = metric_weights or {}
    ok = rows[rows["status"] == "ok"] if not rows.empty else rows
    not_ok = rows[rows["status"] != "ok"] if not rows.empty else rows
    # videos that failed (or were missing) are not scored, and every figure counts them as missing
    failed_note = (f"{len(not_ok)} of {len(rows)} videos failed and are not scored "
                   f"(first {not_ok['video_id'].iloc[0]}: {not_ok['message'].iloc[0]})") if len(not_ok) else None

    def with_failed(reason: str | None) -> str | None:
        return "; ".join(r for r in (reason, failed_note) if r) or None

    out: list[AggregateRow] = []
    for cls in metric_classes:
        info = cls.info
        weights = metric_weights.get(info.id)
        if info.level == "corpus":
            options = getattr(options_root, cls.options_key) if (options_root is not None and cls.options_key) else None
            columns = cls.compute_corpus_columns(rows, options)
            figures = corpus_resampling_of(cls, rows, options) if boot.resamples else {}
            signature = protocol_signature(info, metric_options_of(cls, options_root), weights, "corpus")
            for col, res in columns.items():
                n = int(res.details.get("n_videos", 0))
                ci = (_interval_fields(figures.get(col), res.value, n, boot) if boot.resamples
                      else {"ci_note": "no interval: bootstrap resamples set to 0"})
                out.append(AggregateRow(info.id, col, "corpus", res.value, info.higher_is_better, info.version,
                                        n, 0, res.n_missing + len(not_ok),
                                        with_failed(res.reason), res.details, warning=res.warning,
                                        signature=with_n(signature, n), **ci))
            continue
        for col in info.output_columns:
            if col not in ok.columns:
                out.append(AggregateRow(info.id, col, "video mean", math.nan, info.higher_is_better, info.version,
                                        0, 0, len(rows), with_failed("not computed in these rows")))
                continue
            valid = ok[ok[col].notna()]
            missing = ok[ok[col].isna()]
            reason = _first_reason(missing[col + REASON_SUFFIX]) if len(missing) else None
            if not len(ok):
                reason = "no video was scored (every row failed)"
            reason = with_failed(reason)
            for i, reducer in enumerate(info.reducers):
                value = _reduce(valid[col], valid["n_frames"], reducer) if len(valid) else math.nan
                label = "frame-weighted mean" if reducer == "frame" else "video mean"
                ci = (_interval_fields(video_figure(valid, col, reducer), value, len(valid), boot) if boot.resamples
                      else {"ci_note": "no interval: bootstrap resamples set to 0"})
                signature = protocol_signature(info, metric_options_of(cls, options_root), weights, label)
                out.append(AggregateRow(
                    info.id, col, label, value,
                    info.higher_is_better, info.version, len(valid),
                    int(valid["n_frames"].sum()) if len(valid) else 0, len(missing) + len(not_ok), reason,
                    primary=i == 0, signature=with_n(signature, len(valid)), **ci,
                ))
    return out


def incomplete_message(summary: dict, n_expected: int, where: str) -> str | None:
    """One line for a run or evaluation in which expected videos failed or are missing (None when none).

    Names how many, the first video and its reason, and that the finished rows were kept in ``where``."""
    failed = summary.get("failed_videos") or {}
    n_ok = n_expected - max(len(failed), int(summary.get("n_failed", 0) or 0))
    n_bad = n_expected - n_ok
    if n_bad <= 0:
        return None
    first, why = next(iter(failed.items())) if failed else ("?", "no result row")
    why = " ".join(str(why).split())
    more = f" (and {n_bad - 1} more, listed above)" if n_bad > 1 else ""
    return (f"{n_bad} of {n_expected} videos failed or are missing, so the results are incomplete "
            f"({n_ok} scored, rows kept in {where}): {first}: {why}{more}; fix the cause and rerun the same "
            f"command to retry them")


def aggregate_records(entries: list[AggregateRow]) -> list[dict]:
    """Plain dicts (for JSON/CSV) with NaN kept as None in JSON."""
    recs = []
    for e in entries:
        d = asdict(e)
        d["name"] = e.name
        d["direction"] = "↑" if e.higher_is_better else "↓"
        recs.append(d)
    return recs


def write_aggregate(entries: list[AggregateRow], summary: dict, provenance: dict, csv_path: Path, json_path: Path) -> None:
    """``<out>.aggregate.csv`` (one line per figure) and ``.json`` (figures + summary + provenance), atomically."""
    recs = aggregate_records(entries)
    cols = ["name", "metric", "column", "reducer", "primary", "value", "ci_low", "ci_high", "ci_level", "direction",
            "n_videos", "n_frames", "n_missing", "reason", "version", "warning", "ci_note", "signature"]
    table = pd.DataFrame([{k: r[k] for k in cols} for r in recs], columns=cols)
    from slvg_bench.outputs import write_text_atomic

    write_text_atomic(csv_path, table.to_csv(index=False))
    write_text_atomic(json_path, json.dumps({"aggregate": [_json_safe(r) for r in recs], "summary": summary,
                                             "provenance": provenance}, indent=2, default=str, ensure_ascii=False))


def _json_safe(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj
