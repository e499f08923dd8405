"""``slvg-bench run``: generate every video of a task with one method, score, aggregate.

One run = one directory::

    <out>/run.yaml            the resolved RunConfig
    <out>/results.parquet     one row per video (shards under results.parquet.shards/ while running)
    <out>/aggregate.csv|json  dataset figures (+ summary and provenance in the JSON)
    <out>/videos/<id>.mp4     generated videos (lossless RGB H.264: re-scoring them gives the same numbers)
    <out>/plots/<id>.png      with ``plots=True``: metric curves over time and a TCD map (:mod:`slvg_bench.plots`)

File names come from :func:`slvg_bench.paths.file_stem` of the video id (safe and injective: an id
like ``../x`` stays inside the run directory as ``%2E.%2Fx``).

Resumable: finished videos are skipped on restart, a finished run prints its results without
recomputing. Under ``torchrun --nproc-per-node N`` the jobs are sharded over ranks (job i goes to
rank i mod N); every rank appends its own result shards and rank 0 merges and aggregates from the
rows alone, so N processes give the same numbers as one.

Generated frames are quantised to uint8 before scoring — the numbers are those of the saved videos.
"""

from __future__ import annotations

import inspect
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from slvg_bench import config as config_mod
from slvg_bench import provenance, results
from slvg_bench.errors import CheckpointError, SlvgError, UsageError
from slvg_bench.harness.config import PIXEL_METRICS, REGION_METRICS, TASK_METRICS, TASKS, RunConfig, hashed_fields

RESULTS_FILE = "results.parquet"
LOCK_FILE = ".lock"  # held (flock) by the process writing the run directory


@dataclass
class RunResult:
    out_dir: Path
    rows: Any  # pandas DataFrame of this run
    entries: list  # results.AggregateRow
    summary: dict
    provenance: dict


def video_path(run_dir: str | Path, video_id: str) -> Path:
    """Where a run keeps the generated video of ``video_id`` (``<run>/videos/<file_stem(id)>.mp4``)."""
    from slvg_bench.paths import file_name

    return Path(run_dir) / "videos" / file_name(video_id, ".mp4")


def default_out_dir(cfg: RunConfig) -> Path:
    return Path("runs") / f"{cfg.dataset}_{cfg.split}_{cfg.task}" / cfg.method


def choose_metrics(cfg: RunConfig, has_keypoints: bool, has_glosses: bool = False) -> list[str]:
    from slvg_bench.metrics.registry import resolve

    if cfg.metrics:
        ids = resolve(list(cfg.metrics))
        if cfg.task == "cross-person":
            bad = [m for m in ids if m in PIXEL_METRICS]
            if bad:
                raise UsageError(
                    f"metrics {', '.join(bad)} need the ground-truth target video, which the cross-person task has "
                    f"not (the source signer never performed it); use fvd, akd or wer"
                )
        return ids
    ids = list(TASK_METRICS[cfg.task])
    if cfg.task == "reconstruction" and has_keypoints:
        ids += list(REGION_METRICS)
    if "akd" in ids and not cfg.keypoint_estimator:
        ids.remove("akd")  # needs an estimator on the generated frames
    if cfg.task == "reconstruction" and cfg.keypoint_estimator:
        ids.append("akd")
    if has_glosses:
        ids.append("wer")  # readability (paper Tables 2-3); unavailable with the fix when no recognizer is installed
    return ids


def _call_with_supported(fn, *args, **kwargs):
    params = inspect.signature(fn).parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return fn(*args, **kwargs)
    return fn(*args, **{k: v for k, v in kwargs.items() if k in params})


def load_animator(method: str, checkpoint: Optional[str], device: str, task: str, batch_size: Optional[int] = None):
    """The method's Animator for ``task``; ``batch_size`` None keeps the method's own default."""
    from slvg_bench.methods import METHODS

    spec = METHODS.get(method)
    mode = spec.extra.get("cross_person_mode" if task == "cross-person" else "reconstruction_mode")
    kwargs = {"batch_size": batch_size} if batch_size is not None else {}
    if mode:
        kwargs["mode"] = mode
    try:
        return _call_with_supported(spec.load, checkpoint, device, **kwargs)
    except CheckpointError as e:
        if checkpoint is not None and str(checkpoint) not in str(e):  # say which file, whatever the method said
            raise CheckpointError(f"{method}: checkpoint {str(checkpoint)!r}: {e}") from e
        raise
    except (RuntimeError, KeyError, ValueError, TypeError) as e:
        # a file of the right kind whose tensors do not fit (torch's "size mismatch for ...", a missing entry):
        # one line naming the file, not a traceback
        import torch

        if checkpoint is None or isinstance(e, torch.cuda.OutOfMemoryError):
            raise
        lines = [" ".join(line.split()) for line in str(e).splitlines() if line.strip()]
        detail = next((line for line in lines if line.startswith("size mismatch")), lines[0] if lines else repr(e))
        raise CheckpointError(f"{method}: checkpoint {str(checkpoint)!r} does not fit the {method} model "
                              f"({type(e).__name__}: {detail[:300]})") from e


def generate(animator, job) -> Any:
    """One job's generated video ``T×3×H×W`` in [0, 1]."""
    return _call_with_supported(animator.animate, job.source, job.driving, job.driving_keypoints,
                                source_keypoints=job.source_keypoints)


def generate_with_intermediates(animator, job) -> tuple[Any, dict]:
    """``(video, maps)`` of one job from an :class:`~slvg_bench.methods.IntermediatesAnimator`."""
    return _call_with_supported(animator.intermediates, job.source, job.driving, job.driving_keypoints,
                                source_keypoints=job.source_keypoints)


def _check_run_dir(store: results.ResultStore, config_hash: str, out: Path, overwrite: bool) -> None:
    existing = store.load()
    if existing.empty:
        return
    hashes = set(existing["config_hash"].dropna())
    if hashes <= {config_hash}:
        return
    if not overwrite:
        raise UsageError(
            f"{out} holds a run of another configuration (config hash {', '.join(sorted(hashes))}, this run "
            f"{config_hash}); start fresh with another --out, or pass --overwrite to replace it"
        )
    store.path.unlink(missing_ok=True)
    for p in store.shard_paths():
        p.unlink()


def run_benchmark(cfg: RunConfig, *, out: Optional[str | Path] = None, device: str = "auto", batch_size: Optional[int] = None,
                  limit: Optional[int] = None, data_root=None, train_if_missing: bool = True,
                  train_preset: Optional[str] = None, overwrite: bool = False, save_videos: bool = True,
                  progress: bool = True, metric_kwargs: Optional[dict] = None, label: Optional[str] = None,
                  plots: bool = False, plot_frame: Optional[int] = None) -> RunResult:
    """Run ``cfg`` into ``out`` (default ``runs/<dataset>_<split>_<task>/<method>``); see the module docstring.

    ``plots``: write ``<out>/plots/<video>.png`` (:mod:`slvg_bench.plots`; TCD map at ``plot_frame``,
    default the middle frame) for every video of this run, also for videos finished earlier (from their
    saved video; nothing is re-scored). Reconstruction only (the other tasks have no target to plot).
    """
    from slvg_bench.console import track
    from slvg_bench.data.registry import DATASETS
    from slvg_bench.harness.checkpoints import checkpoint_sha256, resolve_checkpoint
    from slvg_bench.harness.jobs import cross_person_jobs, reconstruction_jobs
    from slvg_bench.methods import METHODS
    from slvg_bench.scoring import Scorer, check_video, make_pair
    from slvg_bench.scoring import resolve_device as resolve_scoring_device
    from slvg_bench.training import distributed as D
    from slvg_bench.video import to_float, to_uint8, write_mp4

    METHODS.check(cfg.method)
    DATASETS.check(cfg.dataset)
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1 video, got {limit}")
    if cfg.task not in TASKS:
        raise UsageError(f"unknown task {cfg.task!r}; valid tasks: {', '.join(TASKS)}")
    if plots and cfg.task != "reconstruction":
        raise UsageError(f"--plots draws per-frame L1/SSIM/TCD against the target, which the {cfg.task} task has not")
    adapter_cls = DATASETS.get(cfg.dataset)
    if cfg.split not in adapter_cls.eval_splits:
        raise UsageError(f"{cfg.dataset} has no evaluation split {cfg.split!r}; valid: {', '.join(adapter_cls.eval_splits)}")
    # names and options from the command line, checked before the run directory is created
    if cfg.metrics:
        from slvg_bench.metrics.registry import resolve as resolve_metrics

        resolve_metrics(list(cfg.metrics))
    cfg.options.validate()
    if cfg.keypoint_estimator:
        try:
            from slvg_bench.pose.estimators import ESTIMATORS
        except ImportError:  # no registry in this installation: the metric says so, with what to pass instead
            pass
        else:
            ESTIMATORS.check(cfg.keypoint_estimator)
    if train_preset is not None:  # also when a checkpoint exists: a typo is never silently ignored
        from slvg_bench.training.resolve import resolve_config

        try:
            resolve_config(cfg.method, cfg.dataset, preset=train_preset)
        except UsageError as e:
            raise UsageError(f"--train-preset {train_preset!r}: {e}") from e
    if device != "auto":
        from slvg_bench.devices import check_device

        device = check_device(device)
    ctx_dist = D.init_distributed(None if device == "auto" else device)
    device = str(ctx_dist.device) if ctx_dist.distributed else resolve_scoring_device(device)
    out = Path(out) if out else default_out_dir(cfg)
    if ctx_dist.is_main:  # a read-only or full disk, or a file named as --out: fail now, not after training
        from slvg_bench.outputs import ensure_dir

        from slvg_bench.data.locking import lock_output

        ensure_dir(out)
        lock = lock_output(out / LOCK_FILE, f"run directory {str(out)!r}")
    else:
        lock = None
    try:
        # the checkpoint (rank 0 trains if needed; the others wait and then look it up)
        checkpoint = None
        if ctx_dist.is_main:
            checkpoint = resolve_checkpoint(cfg.method, cfg.dataset, cfg.checkpoint, train_if_missing=train_if_missing,
                                            preset=train_preset, device=device, data_root=data_root, progress=progress)
        checkpoint = D.gather(checkpoint, ctx_dist)[0]
        cfg.checkpoint = checkpoint
        cfg.checkpoint_sha256 = checkpoint_sha256(checkpoint)

        splits = [cfg.split]
        # every expected video is a job; those that cannot be generated carry the reason (failed rows)
        if cfg.task == "reconstruction":
            jobs = list(reconstruction_jobs(cfg.dataset, splits, data_root=data_root, resolution=cfg.resolution,
                                            limit=limit, with_unavailable=True))
        else:
            jobs = [j for s in splits for j in cross_person_jobs(cfg.dataset, s, data_root=data_root,
                                                                 resolution=cfg.resolution, limit=limit,
                                                                 seed=cfg.pair_seed, with_unavailable=True)]
        if not jobs:
            raise SlvgError(f"{cfg.dataset} has no videos in split(s) {', '.join(splits)}; "
                            f"run `slvg-bench datasets prepare {cfg.dataset}` first")
        available = [j for j in jobs if j.unavailable is None]
        has_keypoints = available[0].driving_keypoints is not None if available else False
        metric_ids = choose_metrics(cfg, has_keypoints, any(j.glosses for j in jobs))
        cfg.metrics = tuple(metric_ids)
        kwargs = {"wer": {"dataset": cfg.dataset}} if "wer" in metric_ids else {}
        for mid, kw in (metric_kwargs or {}).items():
            kwargs[mid] = {**kwargs.get(mid, {}), **kw}
        scorer = Scorer(metric_ids, cfg.options, device, 32, kwargs)
        estimator = None
        from slvg_bench.metrics.keypoint_source import load_estimator, resolve_estimator

        # the dataset's estimator when a requested metric re-extracts keypoints and none is given (recorded:
        # it is part of the run's configuration); not installed -> those metrics are unavailable with the fix
        cfg.keypoint_estimator = resolve_estimator(cfg.keypoint_estimator, cfg.dataset, scorer)
        if cfg.keypoint_estimator:
            estimator = load_estimator(cfg.keypoint_estimator, device)

        hashed = hashed_fields(cfg)
        chash = config_mod.config_hash(hashed)
        run_id = f"{cfg.method}-{cfg.dataset}-{cfg.task}-{chash}"
        rctx = results.RunContext(run_id=run_id, method=cfg.method, checkpoint_sha256=cfg.checkpoint_sha256,
                                  dataset=cfg.dataset, split=",".join(splits), task=cfg.task,
                                  code_version=provenance.code_version(), config_hash=chash)
        store = results.ResultStore(out / RESULTS_FILE, flush_every=4)
        if ctx_dist.is_main:
            _check_run_dir(store, chash, out, overwrite)
            out.mkdir(parents=True, exist_ok=True)
            config_mod.dump_yaml(cfg, out / "run.yaml")
        D.barrier(ctx_dist)
        done = store.finished_keys()
        mine = [j for i, j in enumerate(jobs) if i % ctx_dist.world_size == ctx_dist.rank]
        todo = [j for j in mine if (run_id, j.video_id) not in done]
        schema = scorer.schema
        seeds = provenance.seed_everything(0)
        plotter = _Plotter(out, plot_frame, cfg) if plots else None
        if todo:
            animator = (load_animator(cfg.method, checkpoint, device, cfg.task, batch_size)
                        if any(j.unavailable is None for j in todo) else None)
            try:
                for job in track(todo, f"{cfg.method} on {cfg.dataset} ({len(todo)} videos)",
                                 enabled=progress and ctx_dist.is_main):
                    store.add(_run_job(job, animator, scorer, schema, rctx, estimator, device, out if save_videos else None,
                                       cfg.task, plotter))
            finally:
                store.flush()  # finished rows survive interrupts
        if plotter is not None:
            plotter.fill_missing([j for j in mine if (run_id, j.video_id) in done])
        D.barrier(ctx_dist)
        prov = provenance.collect(
            config=hashed, config_hash=chash, device=device, seeds=seeds, weights=scorer.weight_digests(),
            metrics={mid: type(m).info.version for mid, m in scorer.metrics.items()},
            extra={"checkpoint": checkpoint, "checkpoint_sha256": cfg.checkpoint_sha256,
                   "dataset_cache": _cache_identity(cfg, data_root), "world_size": ctx_dist.world_size,
                   "metric_protocols": scorer.describe(), "unavailable_metrics": scorer.unavailable},
        )  # fmt: skip
        rows = entries = summary = None
        if ctx_dist.is_main:
            all_rows = store.finalize(prov)
            results.refuse_mixed(all_rows, chash, out / RESULTS_FILE)
            rows = all_rows[all_rows["run_id"] == run_id]
            rows = rows[rows["video_id"].isin([j.video_id for j in jobs])]
            entries = results.aggregate(rows, scorer.classes, cfg.options, bootstrap=cfg.bootstrap,
                                        metric_weights=scorer.metric_weights())
            summary = _summary(rows, jobs, scorer, entries, cfg)
            summary["label"] = label or cfg.method
            summary["bootstrap"] = cfg.bootstrap.describe()
            results.write_aggregate(entries, summary, prov, out / "aggregate.csv", out / "aggregate.json")
        D.barrier(ctx_dist)
        D.shutdown(ctx_dist)
        return RunResult(out, rows, entries or [], summary or {}, prov)
    finally:
        if lock is not None:
            lock.release()


def _run_job(job, animator, scorer, schema, rctx, estimator, device, out: Optional[Path], task: str,
             plotter: Optional["_Plotter"] = None) -> dict:
    from slvg_bench.errors import SlvgError as _SlvgError
    from slvg_bench.scoring import InputError, check_video, score_row
    from slvg_bench.video import to_float, to_uint8, write_mp4

    if job.unavailable is not None:
        return results.make_row(rctx, schema, job.video_id, job.n_frames, "failed", job.unavailable)
    try:
        target = job.target
        pred = generate(animator, job)
        check_video(pred, f"generated video {job.video_id}")
    except (InputError, _SlvgError, RuntimeError, ValueError) as e:
        return results.make_row(rctx, schema, job.video_id, job.n_frames, "failed", f"generation failed: {e}")
    frames = to_uint8(pred)
    if out is not None:
        write_mp4(video_path(out, job.video_id), frames, lossless=True)
    pred = to_float(frames)
    if pred.shape != target.shape:
        return results.make_row(rctx, schema, job.video_id, job.n_frames, "failed",
                                f"generated video has shape {tuple(pred.shape)}, target {tuple(target.shape)}")
    kp = job.driving_keypoints
    row = score_row(rctx, schema, scorer, job.video_id, pred, target, device, target_keypoints=kp,
                    estimator=estimator, keypoint_note=None if kp is not None else "the dataset cache has no keypoints",
                    glosses=list(job.glosses))
    if plotter is not None:
        plotter.plot(job.video_id, pred, target)
    return row


class _Plotter:
    """Writes ``<out>/plots/<video>.png``; for videos finished by an earlier invocation, from the saved video."""

    def __init__(self, out: Path, frame: Optional[int], cfg: RunConfig):
        self.out, self.frame, self.cfg = out, frame, cfg

    def plot(self, video_id: str, pred, target) -> None:
        from slvg_bench.plots import plot_path, write_video_plot

        write_video_plot(plot_path(self.out, video_id), pred, target, self.frame, self.cfg.options.tcd,
                         title=f"{self.cfg.method} on {self.cfg.dataset}/{video_id}")

    def fill_missing(self, jobs) -> None:
        from slvg_bench.console import err_console
        from slvg_bench.plots import plot_path
        from slvg_bench.video import read_video

        unplottable = []
        for job in jobs:
            if plot_path(self.out, job.video_id).is_file():
                continue
            video = video_path(self.out, job.video_id)
            if not video.is_file():
                unplottable.append(job.video_id)
                continue
            self.plot(job.video_id, read_video(video), job.target)
        if unplottable:
            err_console.print(f"[yellow]no plots for {len(unplottable)} finished videos[/] (e.g. {unplottable[0]}): "
                              "their generated videos were not saved; rerun with --save-videos into a fresh --out",
                              highlight=False)


def _cache_identity(cfg: RunConfig, data_root) -> Optional[str]:
    try:
        from slvg_bench.data.cache import open_cache

        return open_cache(cfg.dataset, data_root=data_root, resolution=cfg.resolution).folder.name
    except SlvgError:
        return None


def _summary(rows, jobs, scorer, entries, cfg: RunConfig) -> dict:
    counts = rows["status"].value_counts().to_dict() if not rows.empty else {}
    failed = rows[rows["status"] != "ok"] if not rows.empty else rows
    n_ok = int(counts.get("ok", 0))
    return {
        "method": cfg.method, "dataset": cfg.dataset, "task": cfg.task, "split": cfg.split,
        "n_jobs": len(jobs), "n_expected": len(jobs), "n_ok": n_ok, "n_failed": len(jobs) - n_ok,
        "status_counts": {k: int(v) for k, v in counts.items()},
        "failed_videos": dict(zip(failed["video_id"], failed["message"])) if len(failed) else {},
        "unavailable_metrics": dict(scorer.unavailable),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }  # fmt: skip


def read_aggregate(run_dir: str | Path) -> dict:
    """The ``aggregate.json`` of a run directory."""
    path = Path(run_dir) / "aggregate.json"
    if not path.is_file():
        raise SlvgError(f"{str(run_dir)!r} has no aggregate.json (not a finished slvg-bench run)")
    return json.loads(path.read_text())
