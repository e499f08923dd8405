"""Reconstruction test clips: every video of the evaluation splits, source = first frame, drivers = all frames.

:func:`iter_reconstruction_clips` yields lazy :class:`ReconstructionClip` objects
in a fixed order (split order, then id), so a harness can skip finished videos by
id without decoding them. Frames come from the preprocessing cache at the asked
resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator, Optional, Sequence

from slvg_bench.data.clipstore import ClipReader


@dataclass(eq=False)
class ReconstructionClip:
    """One test video. ``frames``: float32 ``T×3×R×R`` in [0, 1]; ``keypoints``: float32
    ``T×133×3`` in pixels of the ``R×R`` frames + confidence, or None when the cache has no
    keypoints (run a pose estimator then); both read on first access."""

    id: str
    split: str
    signer: str
    glosses: tuple[str, ...]
    n_frames: int
    path: Path = field(repr=False)

    @cached_property
    def frames(self):
        from slvg_bench.video import to_float

        return to_float(ClipReader(self.path).frames())

    @cached_property
    def keypoints(self):
        import torch

        kp = ClipReader(self.path).keypoints()
        return None if kp is None else torch.from_numpy(kp)

    @property
    def source(self):
        """The source image ``3×R×R``: the first frame (decodes only that frame when frames are not loaded)."""
        if "frames" in self.__dict__:
            return self.frames[0]
        from slvg_bench.video import to_float

        return to_float(ClipReader(self.path).frames([0]))[0]

    @property
    def driving(self):
        """The driving video: all frames (the reconstruction target is the same video)."""
        return self.frames


def iter_reconstruction_clips(
    name: str,
    splits: Optional[Sequence[str]] = None,
    *,
    data_root=None,
    resolution: int = 128,
    keypoints: str = "auto",
    limit: Optional[int] = None,
) -> Iterator[ReconstructionClip]:
    """Clips of ``splits`` (default: the dataset's evaluation splits, test and dev where it exists).

    ``limit``: at most this many clips per split (quick looks).
    """
    from slvg_bench.data.adapters.base import parse_split
    from slvg_bench.data.cache import open_cache
    from slvg_bench.data.registry import adapter_class

    cls = adapter_class(name)
    splits = tuple(splits) if splits is not None else cls.eval_splits
    for s in splits:
        parse_split(cls, s)
    cache = open_cache(name, data_root=data_root, resolution=resolution, keypoints=keypoints)
    for split in splits:
        rows = cache.rows(split)
        if limit is not None:
            rows = rows.head(limit)
        for r in rows.itertuples(index=False):
            yield ReconstructionClip(
                id=str(r.id), split=str(r.split), signer=str(r.signer), glosses=tuple(str(r.glosses).split()),
                n_frames=int(r.n_frames), path=cache.folder / str(r.file),
            )  # fmt: skip
