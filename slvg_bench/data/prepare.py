"""``slvg-bench datasets prepare``: crop, resize and store every video once, in parallel and resumably.

For each video: read its frames (trimmed to the sample's range), take its
keypoints (the dataset's own, an estimator's, or none), compute the fixed signer
box (:func:`slvg_bench.data.crop.signer_box`), crop and resize every frame, map
the keypoints into the crop, and write one clip file atomically.

- Parallel: ``workers`` spawned processes (default: up to 4, at most the CPU
  count, and in-process for fewer than 16 videos or with a keypoint
  estimator; 1 = in this process); a progress bar on stderr.
- Resumable: a clip file that exists and matches its header is kept, so an
  interrupted run continues where it stopped; the index and ``meta.json``
  (``complete: true``) are written last.
- Corrupt or unreadable videos are skipped: their index row has
  ``status="failed"`` and the reason, and the report lists them. Failed videos
  are retried on the next run.
- Videos that the annotations list but the download lacks are reported by the
  count check (a :class:`~slvg_bench.data.adapters.base.DatasetCountWarning`).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from slvg_bench.data import clipstore
from slvg_bench.data.adapters.base import Missing
from slvg_bench.data.cache import (
    FILE_NAMING, INDEX_FILE, KP_DATASET, KP_NONE, META_FILE, CacheSpec, safe_name, spec_for, write_json_atomic,
)  # fmt: skip
from slvg_bench.data.crop import crop_resize, signer_box, transform_keypoints
from slvg_bench.data.locking import file_lock
from slvg_bench.data.sample import Sample
from slvg_bench.errors import DatasetError, OutputError, SlvgError

SPAWN_MIN_JOBS = 16  # below this many videos, the default is to work in-process
INDEX_COLUMNS = (
    "id", "split", "signer", "glosses", "n_frames", "height", "width", "fps", "file", "has_keypoints",
    "box_x0", "box_y0", "box_side", "src_height", "src_width", "source", "meta", "status", "error",
)  # fmt: skip


@dataclass
class Failure:
    id: str
    split: str
    error: str


@dataclass
class PrepareReport:
    dataset: str
    folder: Path
    total: int
    prepared: int  # written in this run
    reused: int  # already present from an earlier (interrupted) run
    failed: list[Failure] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> int:
        return self.prepared + self.reused


# --- one video (runs in worker processes) ----------------------------------------------------

_ESTIMATOR = None


def _init_worker(estimator_name: Optional[str], device: Optional[str]) -> None:
    global _ESTIMATOR
    if estimator_name:
        from slvg_bench.data.keypoints import load_estimator

        _ESTIMATOR = load_estimator(estimator_name, device)


def _row(record: dict, rel: str) -> dict:
    box = record.get("box") or [0, 0, 0]
    return {
        "id": record["id"], "split": record["split"], "signer": str(record["signer"]),
        "glosses": " ".join(record.get("glosses") or []), "n_frames": int(record["n_frames"]),
        "height": int(record["height"]), "width": int(record["width"]),
        "fps": float(record["fps"]) if record.get("fps") else float("nan"), "file": rel,
        "has_keypoints": bool(record["has_keypoints"]), "box_x0": int(box[0]), "box_y0": int(box[1]),
        "box_side": int(box[2]), "src_height": int(record.get("src_height", 0)),
        "src_width": int(record.get("src_width", 0)), "source": str(record.get("source", "")),
        "meta": json.dumps(record.get("meta") or {}, sort_keys=True, default=str), "status": "ok", "error": "",
    }  # fmt: skip


def _failed_row(sample: Sample, error: str) -> dict:
    row = {c: "" for c in INDEX_COLUMNS}
    row.update(id=sample.id, split=sample.split, signer=sample.signer, glosses=" ".join(sample.glosses),
               n_frames=0, height=0, width=0, fps=float("nan"), has_keypoints=False, box_x0=0, box_y0=0,
               box_side=0, src_height=0, src_width=0, source=str(sample.video), meta="{}", status="failed",
               error=error)  # fmt: skip
    return row


def process_one(sample: Sample, spec: CacheSpec, folder: str) -> dict:
    """Prepare one video into its clip file; returns its index row (status ok or failed)."""
    rel = f"clips/{sample.split}/{safe_name(sample.id)}.sclip"
    try:
        frames = sample.frames_uint8()
        if spec.keypoints == KP_DATASET:
            kp = sample.keypoints()
        elif spec.keypoints == KP_NONE:
            kp = None
        else:
            from slvg_bench.data.keypoints import estimate_keypoints

            kp = estimate_keypoints(_ESTIMATOR, frames, spec.keypoints)
        if kp is not None and len(kp) != len(frames):
            raise DatasetError(f"video {sample.id!r}: {len(frames)} frames but {len(kp)} keypoint frames")
        t, h, w, _ = frames.shape
        box = signer_box(h, w, spec.crop, kp, sample.person_box)
        out = crop_resize(frames, box, spec.crop.resolution, spec.crop.resample)
        kp_out = transform_keypoints(kp, box, spec.crop.resolution) if kp is not None else None
        record = dict(sample.record(), box=list(box.as_tuple()), src_height=h, src_width=w)
        clipstore.write_clip(Path(folder) / rel, out, record, kp_out, spec.codec)
        record.update(n_frames=t, height=spec.crop.resolution, width=spec.crop.resolution,
                      has_keypoints=kp_out is not None)  # fmt: skip
        return _row(record, rel)
    except OutputError:
        raise  # the cache's disk refuses writes: every other video would fail the same way
    except (SlvgError, OSError, ValueError, MemoryError) as e:
        return _failed_row(sample, f"{type(e).__name__}: {e}")


def _existing_row(folder: Path, sample: Sample) -> Optional[dict]:
    rel = f"clips/{sample.split}/{safe_name(sample.id)}.sclip"
    try:
        reader = clipstore.ClipReader(folder / rel)
    except DatasetError:
        return None
    rec = reader.record()
    if rec.get("id") != sample.id or rec.get("split") != sample.split:
        return None
    return _row(rec, rel)


# --- the whole set ---------------------------------------------------------------------------


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _run_jobs(jobs: list[Sample], spec: CacheSpec, folder: Path, workers: int, progress: bool,
              estimator: Optional[str], device: Optional[str]) -> list[dict]:  # fmt: skip
    from slvg_bench.console import make_progress

    rows: list[dict] = []
    if not jobs:
        return rows
    with make_progress(transient=not progress) as bar:
        task = bar.add_task(f"prepare {spec.dataset}", total=len(jobs), visible=progress)
        if workers <= 1:
            _init_worker(estimator, device)
            for s in jobs:
                rows.append(process_one(s, spec, str(folder)))
                bar.advance(task)
            return rows
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                   initializer=_init_worker, initargs=(estimator, device))  # fmt: skip
        try:
            futures = [pool.submit(process_one, s, spec, str(folder)) for s in jobs]
            for fut in as_completed(futures):
                rows.append(fut.result())
                bar.advance(task)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return rows


def _write_index(folder: Path, rows: list[dict], split_order: tuple[str, ...]) -> None:
    import pandas as pd

    df = pd.DataFrame(rows, columns=list(INDEX_COLUMNS))
    order = {s: i for i, s in enumerate(split_order)}
    df["_o"] = df["split"].map(order)
    df = df.sort_values(["_o", "id"]).drop(columns="_o").reset_index(drop=True)
    tmp = folder / f".{INDEX_FILE}.tmp"
    df.to_parquet(tmp, index=False)
    os.replace(tmp, folder / INDEX_FILE)


def prepare(
    name: str,
    *,
    data_root=None,
    resolution: int = 128,
    keypoints: Optional[str] = None,
    crop=None,
    codec: str = "png",
    workers: Optional[int] = None,
    device: Optional[str] = None,
    progress: bool = True,
    spec: Optional[CacheSpec] = None,
) -> PrepareReport:
    """Prepare (or finish preparing) the cache of dataset ``name``.

    Args:
        keypoints: an estimator id from ``slvg_bench.pose.estimators.ESTIMATORS`` to
            extract keypoints with; None uses the dataset's own (or none).
        crop: a :class:`~slvg_bench.data.crop.CropConfig` replacing the dataset's default.
        workers: processes (None: :func:`default_workers`; 1: in this process).
        spec: a ready :class:`~slvg_bench.data.cache.CacheSpec` (overrides the options above).
    """
    from slvg_bench.data.registry import get_adapter

    start = time.time()
    if crop is not None:
        crop.validate()
    adapter = get_adapter(name, data_root)
    if spec is None:
        kp = keypoints or (KP_DATASET if adapter.has_keypoints else KP_NONE)
        spec = spec_for(name, data_root=data_root, resolution=resolution, keypoints=kp, crop=crop, codec=codec)
    estimator = spec.keypoints if spec.keypoints not in (KP_DATASET, KP_NONE) else None
    if estimator:  # fail now, with the fix, rather than once per video
        from slvg_bench.data.keypoints import load_estimator

        load_estimator(estimator, device)
    scan = adapter.scan()
    check_ids(name, scan)
    adapter.check_counts(scan)
    folder = spec.folder()
    folder.mkdir(parents=True, exist_ok=True)
    with file_lock(folder / ".lock"):
        meta_path = folder / META_FILE
        old = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        ids = sorted(s.id for s in scan.samples)
        if (old.get("complete") and old.get("ids_sha") == _ids_sha(ids) and not old.get("failed")
                and old.get("file_naming") == FILE_NAMING):
            return PrepareReport(name, folder, len(ids), 0, len(ids), [], list(scan.missing), time.time() - start)
        write_json_atomic(meta_path, {"dataset": name, "key": spec.key(), "key_data": spec.key_data(),
                                      "complete": False})  # fmt: skip
        rows, jobs = [], []
        for s in scan.samples:
            row = _existing_row(folder, s)
            if row is not None:
                rows.append(row)
            else:
                jobs.append(s)
        reused = len(rows)
        if workers is None:  # a few videos are not worth starting processes; one model in memory
            n_workers = 1 if estimator or len(jobs) < SPAWN_MIN_JOBS else default_workers()
        else:
            n_workers = min(workers, max(1, len(jobs)))
        rows += _run_jobs(jobs, spec, folder, n_workers, progress, estimator, device)
        failed = [Failure(r["id"], r["split"], r["error"]) for r in rows if r["status"] != "ok"]
        _write_index(folder, rows, adapter.splits)
        counts: dict = {}
        for r in rows:
            if r["status"] == "ok":
                counts[r["split"]] = counts.get(r["split"], 0) + 1
        write_json_atomic(meta_path, {
            "dataset": name, "key": spec.key(), "key_data": spec.key_data(), "complete": True,
            "ids_sha": _ids_sha(ids), "file_naming": FILE_NAMING, "counts": counts, "failed": [f.__dict__ for f in failed],
            "missing": len(scan.missing), "data_root": str(adapter.root),
            "missing_videos": [{"id": m.id, "split": m.split, "reason": m.reason} for m in scan.missing], "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "slvg_bench": _version(),
        })  # fmt: skip
    prepared = len(rows) - reused - len(failed)
    return PrepareReport(name, folder, len(scan.samples), prepared, reused, failed, list(scan.missing),
                         time.time() - start)  # fmt: skip


def check_ids(name: str, scan) -> None:
    """Every video id of the dataset index is a non-empty string that names one video only.

    Results, clips and generated videos are keyed by id, so a repeated id would silently merge
    two videos; it is an error here, before anything is written."""
    seen: dict[str, str] = {}
    for item in [*scan.samples, *scan.missing]:
        vid = item.id
        if not isinstance(vid, str) or not vid.strip():
            raise DatasetError(f"{name}: a video of split {item.split!r} has an empty id; every video needs a unique id")
        if vid in seen:
            where = item.split if seen[vid] == item.split else f"{seen[vid]} and {item.split}"
            raise DatasetError(f"{name}: video id {vid!r} appears twice in the dataset index ({where}); "
                               f"ids must be unique (fix the index and prepare again)")
        seen[vid] = item.split


def _ids_sha(ids: list[str]) -> str:
    import hashlib

    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def _version() -> str:
    from slvg_bench import __version__

    return __version__


def frame_stats(folder: Path) -> dict:
    """Bytes on disk of a prepared set (for reports and benchmarks)."""
    total = sum(p.stat().st_size for p in Path(folder).rglob("*.sclip"))
    return {"bytes": total, "clips": sum(1 for _ in Path(folder).rglob("*.sclip"))}

