"""Training pairs: two frames of one video, ``pairs_per_video`` per video per epoch.

Item ``i`` is video ``i mod N`` (as FOMM's dataset repeater does) with two
distinct frames drawn by ``numpy.random.default_rng([seed, epoch, i])`` and
ordered in time (source first, as FOMM/TPSMM do; a one-frame video gives the
same frame twice). The draw depends only on ``(seed, epoch, i)``, never on the
process, so DataLoader workers, shuffling and restarts give identical pairs;
call :meth:`PairDataset.set_epoch` before each epoch for fresh pairs (like
``DistributedSampler.set_epoch``). Frames are read from the preprocessing
cache one at a time (no open file handles are kept, so the dataset is safe
to fork/spawn into workers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import torch

from slvg_bench.data.cache import PreparedCache, open_cache
from slvg_bench.data.clipstore import ClipReader
from slvg_bench.data.pair_augment import augment_pair
from slvg_bench.errors import DatasetError, UsageError
from slvg_bench.train_config import PairAugmentConfig

NUM_KP = 133


def draw_pair(n_frames: int, seed: int, epoch: int, index: int, max_gap: Optional[int] = None) -> tuple[int, int]:
    """The (source, driving) frame indices of item ``index`` (deterministic; source < driving when n > 1).

    ``max_gap``: at most this many frames apart (None: any two distinct frames, as FOMM/TPSMM); the
    pair is then drawn uniformly among all pairs within the gap.
    """
    if n_frames < 2:
        return 0, 0
    rng = np.random.default_rng([seed, epoch, index])
    if max_gap is None or max_gap >= n_frames - 1:
        a, b = rng.choice(n_frames, size=2, replace=False)
        return (int(a), int(b)) if a < b else (int(b), int(a))
    gap = max(int(max_gap), 1)
    # pairs (a, a + d), d in 1..gap: (n − d) of each d; pick one of them uniformly
    counts = np.array([n_frames - d for d in range(1, gap + 1)], dtype=np.float64)
    d = int(rng.choice(np.arange(1, gap + 1), p=counts / counts.sum()))
    a = int(rng.integers(0, n_frames - d))
    return a, a + d


class PairDataset(torch.utils.data.Dataset):
    """Items: ``source``, ``driving`` (``3×R×R`` float in [0,1]), ``source_kp``, ``driving_kp``
    (``133×3`` float: pixels of the ``R×R`` frame + confidence; zeros when the cache has no
    keypoints), ``id`` (video id).

    ``augment``: optional :class:`~slvg_bench.train_config.PairAugmentConfig`, applied to both
    frames (:mod:`slvg_bench.data.pair_augment`) with draws from ``default_rng([seed, epoch, index, 1])``.
    ``max_frame_gap``: source and driving at most this many frames apart (None: anywhere in the video),
    during the first ``max_frame_gap_epochs`` epochs (None: always) — a curriculum: small motions
    first, where warping gradients are informative, then the whole video.
    """

    def __init__(self, cache: PreparedCache, split: str, pairs_per_video: int = 5, seed: int = 0,
                 augment: Optional[PairAugmentConfig] = None, max_frame_gap: Optional[int] = None,
                 max_frame_gap_epochs: Optional[int] = None):
        if pairs_per_video < 1:
            raise UsageError(f"pairs_per_video must be >= 1, got {pairs_per_video}")
        rows = cache.rows(split)
        if rows.empty:
            raise DatasetError(f"the prepared {cache.dataset} cache has no usable videos in split {split!r}")
        self.dataset_name = cache.dataset
        self.split = split
        self.resolution = cache.resolution
        self.has_keypoints = cache.has_keypoints
        self.pairs_per_video = int(pairs_per_video)
        self.seed = int(seed)
        self.epoch = 0
        self.augment = augment if augment is not None and augment.enabled else None
        if max_frame_gap is not None and max_frame_gap < 1:
            raise UsageError(f"max_frame_gap must be >= 1 (or None), got {max_frame_gap}")
        self.max_frame_gap = max_frame_gap
        self.max_frame_gap_epochs = max_frame_gap_epochs
        self.ids = [str(v) for v in rows["id"]]
        self.files = [str(cache.folder / f) for f in rows["file"]]
        self.n_frames = [int(n) for n in rows["n_frames"]]

    def set_epoch(self, epoch: int) -> None:
        """Draw a different set of pairs (call before each epoch; the default epoch is 0)."""
        self.epoch = int(epoch)

    def frame_gap(self) -> Optional[int]:
        """The frame-gap limit of the current epoch (None: none)."""
        if self.max_frame_gap_epochs is not None and self.epoch >= self.max_frame_gap_epochs:
            return None
        return self.max_frame_gap

    def __len__(self) -> int:
        return len(self.ids) * self.pairs_per_video

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(f"pair index {index} out of range for {len(self)} pairs")
        v = index % len(self.ids)
        src, drv = draw_pair(self.n_frames[v], self.seed, self.epoch, index, self.frame_gap())
        clip = ClipReader(self.files[v])
        frames = torch.from_numpy(clip.frames([src, drv])).permute(0, 3, 1, 2).float().div_(255.0)
        kp = clip.keypoints([src, drv]) if clip.has_keypoints else np.zeros((2, NUM_KP, 3), np.float32)
        kp = torch.from_numpy(np.ascontiguousarray(kp))
        if self.augment is not None:
            frames, kp = augment_pair(frames, kp, self.augment, np.random.default_rng([self.seed, self.epoch, index, 1]))
        return {
            "source": frames[0],
            "driving": frames[1],
            "source_kp": kp[0],
            "driving_kp": kp[1],
            "id": self.ids[v],
        }


def build_pair_dataset(
    name: str,
    split: str = "train",
    *,
    data_root: Optional[str | Path] = None,
    resolution: int = 128,
    pairs_per_video: int = 5,
    seed: int = 0,
    keypoints: str = "auto",
    augment: Optional[PairAugmentConfig] = None,
    max_frame_gap: Optional[int] = None,
    max_frame_gap_epochs: Optional[int] = None,
) -> PairDataset:
    """The training-pair dataset of ``name``/``split`` from its preprocessing cache.

    Built-in data (synthsign) is generated and prepared on first use; a real
    dataset must have been prepared (``slvg-bench datasets prepare NAME``), else a
    :class:`~slvg_bench.errors.DatasetError` gives that command. ``keypoints``
    chooses among prepared caches (see :func:`slvg_bench.data.cache.open_cache`); ``augment``: see
    :class:`PairDataset`.
    """
    from slvg_bench.data.adapters.base import parse_split
    from slvg_bench.data.registry import adapter_class

    parse_split(adapter_class(name), split)
    cache = open_cache(name, data_root=data_root, resolution=resolution, keypoints=keypoints)
    return PairDataset(cache, split, pairs_per_video=pairs_per_video, seed=seed, augment=augment,
                       max_frame_gap=max_frame_gap, max_frame_gap_epochs=max_frame_gap_epochs)
