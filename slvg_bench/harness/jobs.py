"""The generation jobs of each task, read lazily from the dataset's preprocessing cache.

A job is one video to generate: ``source`` ``3×R×R``, ``driving`` ``T×3×R×R`` (float in
[0, 1]), ``target`` (what the generated video is scored against), keypoints of the
driving and source frames (``T×133×3`` / ``133×3`` or None) and reference glosses.

- reconstruction (paper §4.2; FOMM/TPSMM protocol): every video of the split, source =
  its first frame, drivers = all its frames, target = the video itself;
- cross-person: the dataset's fixed pair list (source image of signer A, driving video of
  signer B ≠ A); the target is the driving video (for FVD, WER and keypoint distance only).
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


def reconstruction_jobs(dataset: str, splits, *, data_root=None, resolution: int = 128,
                        limit: Optional[int] = None) -> Iterator[Job]:
    from slvg_bench.data import iter_reconstruction_clips

    for clip in iter_reconstruction_clips(dataset, splits, data_root=data_root, resolution=resolution, limit=limit):
        yield Job(
            video_id=clip.id, split=clip.split, glosses=clip.glosses, n_frames=clip.n_frames,
            _source=lambda c=clip: c.frames[0], _driving=lambda c=clip: c.frames,
            _driving_kp=lambda c=clip: c.keypoints,
            _source_kp=lambda c=clip: None if c.keypoints is None else c.keypoints[0],
        )  # fmt: skip


def cross_person_jobs(dataset: str, split: Optional[str], *, data_root=None, resolution: int = 128,
                      limit: Optional[int] = None, seed: int = 0) -> Iterator[Job]:
    from slvg_bench.data import cross_person_pairs, iter_cross_person
    from slvg_bench.data.cache import open_cache
    from slvg_bench.data.clipstore import ClipReader

    pairs, _ = cross_person_pairs(dataset, split, data_root=data_root, seed=seed)
    rows = open_cache(dataset, data_root=data_root, resolution=resolution).rows()
    glosses = dict(zip(rows["id"].astype(str), rows["glosses"].astype(str)))
    if limit is not None:
        pairs = pairs[:limit]
    for item in iter_cross_person(dataset, pairs, data_root=data_root, resolution=resolution):
        p = item.pair

        def source_kp(path: Path = item.source_path, frame: int = p.source_frame):
            import torch

            kp = ClipReader(path).keypoints()
            return None if kp is None else torch.from_numpy(kp[frame])

        reader = ClipReader(item.driving_path)
        yield Job(
            video_id=p.pair_id, split=p.split, glosses=tuple(glosses.get(p.driving_id, "").split()),
            n_frames=reader.n_frames, _source=lambda i=item: i.source, _driving=lambda i=item: i.driving,
            _driving_kp=lambda i=item: i.driving_kp, _source_kp=source_kp,
        )  # fmt: skip
