"""The generation jobs of each task, read lazily from the dataset's preprocessing cache.

A job is one video to generate: ``source`` ``3×R×R``, ``driving`` ``T×3×R×R`` (float in
[0, 1]), ``target`` (what the generated video is scored against), keypoints of the
driving and source frames (``T×133×3`` / ``133×3`` or None) and reference glosses.

- reconstruction (paper §4.2; FOMM/TPSMM protocol): every video of the split, source =
  its first frame, drivers = all its frames, target = the video itself;
- cross-person: the dataset's fixed pair list (source image of signer A, driving video of
  signer B ≠ A); the target is the driving video (for FVD, WER and keypoint distance only).

With ``with_unavailable=True`` the expected videos (pairs) that cannot be generated are jobs too,
with ``unavailable`` set to the reason (failed to prepare, missing from the download, ...), so a
run reports them instead of dropping them (:func:`slvg_bench.data.clips.reconstruction_inventory`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional


@dataclass(eq=False)
class Job:
    video_id: str
    split: str
    glosses: tuple[str, ...]
    n_frames: int
    _source: Callable
    _driving: Callable
    _driving_kp: Callable
    _source_kp: Callable
    unavailable: Optional[str] = None  # why this expected video cannot be generated (None: it can)

    @property
    def source(self):
        return self._source()

    @property
    def driving(self):
        return self._driving()

    @property
    def driving_keypoints(self):
        return self._driving_kp()

    @property
    def source_keypoints(self):
        return self._source_kp()

    @property
    def target(self):
        return self._driving()


def _unavailable_job(video_id: str, split: str, glosses, n_frames: int, reason: str) -> Job:
    def fail():
        from slvg_bench.errors import DatasetError

        raise DatasetError(f"video {video_id!r} is unavailable: {reason}")

    return Job(video_id=video_id, split=split, glosses=tuple(glosses), n_frames=n_frames, _source=fail,
               _driving=fail, _driving_kp=fail, _source_kp=fail, unavailable=reason)


def reconstruction_jobs(dataset: str, splits, *, data_root=None, resolution: int = 128,
                        limit: Optional[int] = None, with_unavailable: bool = False) -> Iterator[Job]:
    from slvg_bench.data.clips import UnavailableVideo, reconstruction_inventory

    for clip in reconstruction_inventory(dataset, splits, data_root=data_root, resolution=resolution, limit=limit):
        if isinstance(clip, UnavailableVideo):
            if with_unavailable:
                yield _unavailable_job(clip.id, clip.split, clip.glosses, clip.n_frames, clip.reason)
            continue
        yield Job(
            video_id=clip.id, split=clip.split, glosses=clip.glosses, n_frames=clip.n_frames,
            _source=lambda c=clip: c.frames[0], _driving=lambda c=clip: c.frames,
            _driving_kp=lambda c=clip: c.keypoints,
            _source_kp=lambda c=clip: None if c.keypoints is None else c.keypoints[0],
        )  # fmt: skip


def cross_person_jobs(dataset: str, split: Optional[str], *, data_root=None, resolution: int = 128,
                      limit: Optional[int] = None, seed: int = 0, with_unavailable: bool = False) -> Iterator[Job]:
    from slvg_bench.data import cross_person_pairs
    from slvg_bench.data.cache import open_cache
    from slvg_bench.data.clipstore import ClipReader
    from slvg_bench.data.cross_person import CrossPersonItem
    from slvg_bench.errors import DatasetError, UsageError

    if limit is not None and limit < 1:
        raise UsageError(f"limit must be at least 1 video, got {limit}")
    pairs, _ = cross_person_pairs(dataset, split, data_root=data_root, seed=seed)
    cache = open_cache(dataset, data_root=data_root, resolution=resolution)
    index = cache.rows(ok_only=False)
    rows = index[index["status"] == "ok"]
    glosses = dict(zip(rows["id"].astype(str), rows["glosses"].astype(str)))
    files = dict(zip(rows["id"].astype(str), rows["file"].astype(str)))
    errors = {str(i): str(e) for i, e, st in zip(index["id"], index["error"], index["status"]) if st != "ok"}
    if limit is not None:
        pairs = pairs[:limit]
    for p in pairs:
        lacking = [(what, vid) for what, vid in (("source", p.source_id), ("driving", p.driving_id)) if vid not in files]
        if lacking:
            if with_unavailable:
                what, vid = lacking[0]
                why = (f"failed to prepare: {errors[vid]}" if vid in errors else
                       f"not in the prepared {dataset} cache (missing from the download or prepared before it "
                       f"was listed; rerun 'slvg-bench datasets prepare {dataset}')")
                yield _unavailable_job(p.pair_id, p.split, glosses.get(p.driving_id, "").split(), 0,
                                       f"{what} video {vid!r} {why}")
            continue
        item = CrossPersonItem(p, cache.folder / files[p.source_id], cache.folder / files[p.driving_id])

        def source_kp(path: Path = item.source_path, frame: int = p.source_frame):
            import torch

            kp = ClipReader(path).keypoints()
            return None if kp is None else torch.from_numpy(kp[frame])

        try:
            n_frames = ClipReader(item.driving_path).n_frames
        except DatasetError as e:
            if not with_unavailable:
                raise
            yield _unavailable_job(p.pair_id, p.split, glosses.get(p.driving_id, "").split(), 0, str(e))
            continue
        yield Job(
            video_id=p.pair_id, split=p.split, glosses=tuple(glosses.get(p.driving_id, "").split()),
            n_frames=n_frames, _source=lambda i=item: i.source, _driving=lambda i=item: i.driving,
            _driving_kp=lambda i=item: i.driving_kp, _source_kp=source_kp,
        )  # fmt: skip


def find_job(jobs, video_id: str, dataset: str, split: str, task: str = "reconstruction") -> Job:
    """The job of ``video_id`` (one of ``jobs``, made ``with_unavailable=True``), or one clear error:
    an unavailable video says why, an unknown id suggests the closest ids."""
    import difflib

    from slvg_bench.errors import DatasetError, UsageError

    ids = []
    for job in jobs:
        if job.video_id == video_id:
            if job.unavailable is not None:
                raise DatasetError(f"video {video_id!r} of {dataset}/{split} is unavailable: {job.unavailable}")
            return job
        ids.append(job.video_id)
    if not ids:
        raise UsageError(f"{dataset} has no videos in split {split!r}; run `slvg-bench datasets prepare {dataset}` first")
    close = difflib.get_close_matches(video_id, ids, n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else f" (e.g. {', '.join(map(repr, ids[:3]))})"
    what = f"{dataset}/{split}" + ("" if task == "reconstruction" else f" ({task} pair ids)")
    raise UsageError(f"video {video_id!r} is not in {what}{hint}")
