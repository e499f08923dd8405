"""Score a folder of generated videos against a folder of targets (``slvg-bench evaluate``).

Videos are matched by relative path without suffix, so ``a/b.mp4`` matches
``a/b.gif``, ``a/b.avi`` or a frame folder ``a/b/`` on the other side. Targets
define the benchmark: a target without a prediction gets a *failed* row;
predictions without a target are ignored and counted. Each video is decoded,
checked, aligned (``--align``), scored by :class:`~slvg_bench.scoring.Scorer`
in frame batches, and its row appended to a resumable
:class:`~slvg_bench.results.ResultStore`; memory depends on one video, not on
the dataset. The aggregate is computed from the rows and written next to the
Parquet file as ``<stem>.aggregate.csv`` and ``<stem>.aggregate.json``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from slvg_bench import config as config_mod
from slvg_bench import provenance, results
from slvg_bench.errors import UsageError, VideoReadError
from slvg_bench.metrics.base import MetricSkip
from slvg_bench.metrics.keypoint_source import KeypointFolder, load_estimator, resolve_estimator
from slvg_bench.metrics.registry import DEFAULT_METRICS, REGION_METRICS, resolve
from slvg_bench.scoring import ALIGN_POLICIES, InputError, MetricOptions, Scorer, prepare_pair, score_row
from slvg_bench.stats import BootstrapOptions
from slvg_bench.video import FRAME_SUFFIXES, VIDEO_SUFFIXES, natural_key, read_video


@dataclass
class EvaluateConfig:
    """Everything that decides the numbers of an ``evaluate`` run (hashed into ``config_hash``).

    ``metrics`` empty means the default set (plus region metrics when keypoints
    are given, plus ``akd`` when an estimator is given).
    """

    pred: str = ""
    target: str = ""
    metrics: tuple = ()
    keypoints: str | None = None
    keypoint_estimator: str | None = None
    align: tuple = ()
    method: str = ""
    dataset: str = ""
    glosses: str | None = None  # reference glosses for WER: 'id|gloss …' lines, STM, or CSV (id,glosses)
    options: MetricOptions = field(default_factory=MetricOptions)
    bootstrap: BootstrapOptions = field(default_factory=BootstrapOptions)  # intervals only: not hashed

    def metric_ids(self) -> list[str]:
        if self.metrics:
            return resolve(list(self.metrics))
        ids = list(DEFAULT_METRICS)
        if self.glosses:
            ids.append("wer")
        if self.keypoints or self.keypoint_estimator:
            ids += list(REGION_METRICS)
        if self.keypoint_estimator:
            ids.append("akd")
        return ids


# options that never change a number stay out of the hash
_UNHASHED = (("options", "fvd", "cache"), ("options", "fvd", "batch_clips"), ("options", "fid", "cache"))


def hashed_config(cfg: EvaluateConfig) -> dict:
    data = config_mod.to_dict(cfg)
    data["pred"] = str(Path(cfg.pred).resolve())
    data["target"] = str(Path(cfg.target).resolve())
    data["keypoints"] = str(Path(cfg.keypoints).resolve()) if cfg.keypoints else None
    data["glosses"] = str(Path(cfg.glosses).resolve()) if cfg.glosses else None
    data["metrics"] = cfg.metric_ids()
    data["align"] = sorted(cfg.align)
    data.pop("bootstrap", None)  # intervals never change a figure
    for path in _UNHASHED:
        node = data
        for p in path[:-1]:
            node = node[p]
        node.pop(path[-1], None)
    return data


def index_videos(root: str | Path, side: str) -> dict[str, Path]:
    """``{relative key without suffix: path}`` of every video file and frame folder under ``root``."""
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"--{side} {str(root)!r} is not a folder of videos")
    found: dict[str, Path] = {}

    def add(key: str, path: Path) -> None:
        if key in found:
            raise UsageError(f"two {side} videos share the key {key!r}: {found[key]} and {path} (keep one)")
        found[key] = path

    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
        if d != root and any(Path(f).suffix.lower() in FRAME_SUFFIXES for f in filenames):
            add(d.relative_to(root).as_posix(), d)  # a frame folder is one video
            dirnames[:] = []
            continue
        for f in filenames:
            if not f.startswith(".") and Path(f).suffix.lower() in VIDEO_SUFFIXES:
                add((d / f).relative_to(root).with_suffix("").as_posix(), d / f)
    return dict(sorted(found.items(), key=lambda kv: natural_key(kv[0])))


@dataclass
class EvaluateResult:
    rows: pd.DataFrame
    aggregate: list[results.AggregateRow]
    summary: dict[str, Any]
    provenance: dict[str, Any]
    out_path: Path
    csv_path: Path
    json_path: Path


class _KeypointProvider:
    """Target keypoints for a video: the folder first, else the estimator, else a reason."""

    def __init__(self, folder: KeypointFolder | None, estimator, estimator_name: str | None = None):
        self.folder, self.estimator, self.estimator_name = folder, estimator, estimator_name

    def for_video(self, key: str, n_target_frames: int, n_scored: int) -> tuple[Any, str | None]:
        """Keypoints of the ``n_scored`` first frames of a target video with ``n_target_frames``."""
        if self.folder is None:
            return None, None
        try:
            return self.folder.load(key, n_target_frames)[:n_scored], None
        except MetricSkip as e:
            return None, str(e)


class _GlossProvider:
    """Reference glosses of a video key: from ``--glosses FILE``, else from the prepared dataset
    ``--dataset`` names (its cache index), matched by the key, then by its last path component."""

    def __init__(self, path: str | None, dataset: str):
        self.table: dict[str, list[str]] = {}
        self.note = "no reference glosses: pass --glosses FILE ('id|gloss gloss …' lines or a CSV with id,glosses)"
        if path:
            from slvg_bench.outputs import check_text_file
            from slvg_bench.recognition.transcripts import read_transcripts

            self.table = read_transcripts(check_text_file(path, "--glosses"))
            if not self.table:
                raise UsageError(f"--glosses {str(path)!r} holds no references (expected 'id|gloss gloss …' lines, "
                                 f"an STM file, or a CSV with id,glosses columns)")
            self.note = f"video not in --glosses {path}"
        elif dataset:
            self.table = _dataset_glosses(dataset)
            if self.table:
                self.note = f"video not in dataset {dataset!r} (pass --glosses FILE)"

    def for_video(self, key: str) -> list[str] | None:
        return self.table.get(key) or self.table.get(key.rsplit("/", 1)[-1])


def _dataset_glosses(dataset: str) -> dict[str, list[str]]:
    """``{video id: glosses}`` of a registered dataset's prepared cache ({} when none or no glosses)."""
    from slvg_bench.data.registry import DATASETS
    from slvg_bench.errors import SlvgError

    if dataset not in DATASETS:
        return {}
    try:
        from slvg_bench.data.cache import open_cache

        rows = open_cache(dataset).rows(ok_only=False)
    except SlvgError:
        return {}
    if "glosses" not in rows.columns:
        return {}
    return {str(i): str(g).split() for i, g in zip(rows["id"], rows["glosses"]) if isinstance(g, str) and g.strip()}


def aggregate_paths(out: Path) -> tuple[Path, Path]:
    """``<stem>.aggregate.csv`` and ``<stem>.aggregate.json`` next to the rows file ``out``."""
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    return out.with_name(f"{stem}.aggregate.csv"), out.with_name(f"{stem}.aggregate.json")


def _check_resumable(store: results.ResultStore, config_hash: str, overwrite: bool) -> None:
    existing = store.load()
    if existing.empty:
        return
    hashes = set(existing["config_hash"].dropna())
    if hashes == {config_hash}:
        return
    if not overwrite:
        raise UsageError(
            f"{store.path} holds results of a different configuration (config hash {', '.join(sorted(hashes))}, "
            f"this command {config_hash}); choose another --out or pass --overwrite"
        )
    store.path.unlink(missing_ok=True)
    for p in store.shard_paths():
        p.unlink()


def evaluate(
    cfg: EvaluateConfig,
    out: str | Path,
    *,
    device: str = "cpu",
    batch_frames: int = 32,
    limit: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
    flush_every: int = 16,
    metric_kwargs: dict[str, dict] | None = None,
) -> EvaluateResult:
    """Score ``cfg.pred`` against ``cfg.target`` into ``out`` (resumable) and aggregate."""
    bad_align = sorted(set(cfg.align) - set(ALIGN_POLICIES))
    if bad_align:
        raise UsageError(f"--align takes {' and/or '.join(ALIGN_POLICIES)}, got {', '.join(bad_align)}")
    out = Path(out)
    if out.suffix != ".parquet":
        raise UsageError(f"--out must be a .parquet file, got {str(out)!r}")
    metric_ids = cfg.metric_ids()  # names and options first: a typo fails before --out's folder is created
    cfg.options.validate()
    if cfg.keypoint_estimator:
        try:
            from slvg_bench.pose.estimators import ESTIMATORS
        except ImportError:  # no registry in this installation: said below, with what to pass instead
            pass
        else:
            ESTIMATORS.check(cfg.keypoint_estimator)
    from slvg_bench.outputs import ensure_file_target

    ensure_file_target(out)
    targets = index_videos(cfg.target, "target")
    preds = index_videos(cfg.pred, "pred")
    if not targets:
        raise UsageError(f"--target {cfg.target!r} holds no videos ({', '.join(VIDEO_SUFFIXES)} or frame folders)")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1 video, got {limit}")
    keys = list(targets) if limit is None else list(targets)[:limit]

    seeds = provenance.seed_everything(0)
    kwargs = {"wer": {"dataset": cfg.dataset}} if "wer" in metric_ids else {}
    for mid, kw in (metric_kwargs or {}).items():
        kwargs[mid] = {**kwargs.get(mid, {}), **kw}
    scorer = Scorer(metric_ids, cfg.options, device, batch_frames, kwargs)
    folder = KeypointFolder(cfg.keypoints) if cfg.keypoints else None
    estimator = None
    estimator_name = resolve_estimator(cfg.keypoint_estimator, cfg.dataset, scorer)  # --dataset's when not given
    if estimator_name and (scorer.needs("target_keypoints") or scorer.needs("keypoint_estimator")):
        estimator = load_estimator(estimator_name, device)
    keypoints = _KeypointProvider(folder, estimator, estimator_name if estimator is not None else None)
    given = _GlossProvider(cfg.glosses, cfg.dataset) if cfg.glosses else None  # a given file is always checked
    if given is not None and not any(given.for_video(k) for k in keys):
        raise UsageError(f"--glosses {cfg.glosses!r} holds no reference for any of the {len(keys)} target videos "
                         f"(e.g. {keys[0]!r}; its ids: {', '.join(repr(i) for i in list(given.table)[:3])}); "
                         f"the ids must match the video paths relative to --target, without the suffix")
    glosses = None
    if "wer" in metric_ids and "wer" not in scorer.unavailable:
        glosses = given or _GlossProvider(cfg.glosses, cfg.dataset)

    hashed = hashed_config(cfg)
    chash = config_mod.config_hash(hashed)
    ctx = results.RunContext(
        run_id=f"evaluate-{chash}",
        method=cfg.method or Path(cfg.pred).resolve().name,
        dataset=cfg.dataset or Path(cfg.target).resolve().name,
        task="evaluate",
        code_version=provenance.code_version(),
        config_hash=chash,
    )
    from slvg_bench.data.locking import lock_output

    # one writer per results file: a second evaluate into the same --out is refused, not mixed in
    with lock_output(out.with_name(f".{out.name}.lock"), f"results file {str(out)!r}"):
        return _evaluate_locked(cfg, out, targets, preds, keys, scorer, keypoints, glosses, hashed, chash, ctx,
                                seeds, device, overwrite, progress, flush_every, limit)


def _evaluate_locked(cfg, out, targets, preds, keys, scorer, keypoints, glosses, hashed, chash, ctx, seeds, device,
                     overwrite, progress, flush_every, limit) -> EvaluateResult:
    from slvg_bench.console import track

    schema = scorer.schema
    store = results.ResultStore(out, flush_every=flush_every)
    _check_resumable(store, chash, overwrite)
    done = store.finished_keys()
    todo = [k for k in keys if (ctx.run_id, k) not in done]
    try:
        for key in track(todo, f"scoring {len(todo)} videos", enabled=progress):
            store.add(_score_video(key, preds.get(key), targets[key], cfg, scorer, schema, ctx, keypoints, device,
                                   glosses))
    finally:
        store.flush()  # finished rows survive interrupts and crashes

    prov = provenance.collect(
        config=hashed,
        config_hash=chash,
        device=device,
        seeds=seeds,
        weights=scorer.weight_digests(),
        metrics={mid: type(m).info.version for mid, m in scorer.metrics.items()},
        extra={"metric_protocols": scorer.describe(), "unavailable_metrics": scorer.unavailable,
               "keypoint_estimator": keypoints.estimator_name},
    )
    rows = store.finalize(prov)
    results.refuse_mixed(rows, chash, out)
    run_rows = rows[rows["run_id"] == ctx.run_id] if not rows.empty else rows
    if not run_rows.empty:
        run_rows = run_rows[run_rows["video_id"].isin(keys)]
    entries = results.aggregate(run_rows, scorer.classes, cfg.options, bootstrap=cfg.bootstrap,
                                metric_weights=scorer.metric_weights())
    summary = _summary(run_rows, targets, preds, keys, scorer, entries)
    summary["bootstrap"] = cfg.bootstrap.describe()
    csv_path, json_path = aggregate_paths(out)
    results.write_aggregate(entries, summary, prov, csv_path, json_path)
    return EvaluateResult(run_rows, entries, summary, prov, out, csv_path, json_path)


def _score_video(key, pred_path, target_path, cfg, scorer, schema, ctx, keypoints, device, glosses=None) -> dict:
    def failed(message: str, n: int = 0) -> dict:
        return results.make_row(ctx, schema, key, n, "failed", message)

    if pred_path is None:
        return failed(f"no prediction for target {target_path.name} under {cfg.pred} (looked for {key}.*)")
    try:
        target = read_video(target_path)
    except VideoReadError as e:
        return failed(f"target unreadable: {e}")
    try:
        pred = read_video(pred_path)
    except VideoReadError as e:
        return failed(f"prediction unreadable: {e}", target.shape[0])
    n_target = target.shape[0]
    try:
        pred, target, note = prepare_pair(pred, target, cfg.align, pred_what=f"prediction {pred_path}",
                                          target_what=f"target {target_path}")
    except InputError as e:
        return failed(str(e), n_target)
    kp, kp_reason = keypoints.for_video(key, n_target, target.shape[0])
    refs = glosses.for_video(key) if glosses is not None else None
    return score_row(ctx, schema, scorer, key, pred, target, device, note=note, target_keypoints=kp,
                     estimator=keypoints.estimator, keypoint_note=kp_reason if keypoints.estimator is None else None,
                     glosses=refs, glosses_note=glosses.note if glosses is not None else None)


def metric_errors(entries: list[results.AggregateRow], unavailable: dict[str, str]) -> list[str]:
    """``"<figure>: <reason>"`` of every primary figure that is NaN although its metric is available."""
    return [f"{e.name}: {e.reason}" for e in entries
            if e.primary and e.value != e.value and e.metric not in unavailable]  # NaN


def _summary(rows, targets, preds, keys, scorer, entries) -> dict[str, Any]:
    counts = rows["status"].value_counts().to_dict() if not rows.empty else {}
    extra = sorted(set(preds) - set(targets), key=natural_key)
    failed = rows[rows["status"] != "ok"] if not rows.empty else rows
    errors = metric_errors(entries, scorer.unavailable)
    n_ok = int(counts.get("ok", 0))
    from slvg_bench.scoring import CUT_WARNING

    ok = rows[rows["status"] == "ok"] if not rows.empty else rows
    cut = ok[ok["message"].fillna("").str.contains(CUT_WARNING, regex=False)] if len(ok) else ok
    return {
        "n_targets": len(targets),
        "n_scored_keys": len(keys),
        "n_expected": len(keys),
        "n_ok": n_ok,
        "n_failed": len(keys) - n_ok,
        "n_predictions": len(preds),
        "predictions_without_target": extra[:20],
        "n_predictions_without_target": len(extra),
        "status_counts": {k: int(v) for k, v in counts.items()},
        "failed_videos": dict(zip(failed["video_id"], failed["message"])) if len(failed) else {},
        "truncated_videos": dict(zip(cut["video_id"], cut["message"])) if len(cut) else {},
        "unavailable_metrics": dict(scorer.unavailable),
        "errors": errors,
    }
