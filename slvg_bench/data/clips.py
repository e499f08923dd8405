"""Reconstruction test clips: every video of the evaluation splits, source = first frame, drivers = all frames.

:func:`iter_reconstruction_clips` yields lazy :class:`ReconstructionClip` objects
in a fixed order (split order, then id), so a harness can skip finished videos by
id without decoding them. Frames come from the preprocessing cache at the asked
resolution.

:func:`reconstruction_inventory` adds what the benchmark expects but cannot score: every video
the dataset index lists for a split, in the same order, as a clip or as an
:class:`UnavailableVideo` with the reason (failed to prepare, missing from the download, not in
a cache prepared before the index listed it). The expected set comes from the dataset index
(the adapter's scan), and only from the cache when the release itself is not on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

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


@dataclass(frozen=True)
class UnavailableVideo:
    """A video of the split that the benchmark expects but cannot score, and why."""

    id: str
    split: str
    reason: str
    glosses: tuple[str, ...] = ()
    n_frames: int = 0


def expected_videos(name: str, data_root=None, cache=None) -> tuple[Optional[dict[str, dict[str, str]]], str]:
    """``({split: {id: reason or ""}}, source)``: every video the dataset index lists, with the reason
    for those missing from the download (``""`` for present ones).

    From the adapter's scan when the release is on disk; else from the prepared ``cache``'s index
    and its record of missing videos (``source`` says which); ``(None, ...)`` when neither exists.
    """
    from slvg_bench.data.prepare import check_ids
    from slvg_bench.data.registry import adapter_class
    from slvg_bench.errors import DatasetError

    cls = adapter_class(name)
    try:
        root = cls.locate(data_root, generate=False)
    except DatasetError:
        root = None
    out: dict[str, dict[str, str]] = {}
    if root is not None:
        scan = cls(root).scan()
        check_ids(name, scan)
        for s in scan.samples:
            out.setdefault(s.split, {})[s.id] = ""
        for m in scan.missing:
            out.setdefault(m.split, {})[m.id] = m.reason or "not found"
        return out, f"the {name} index at {str(root)!r}"
    if cache is None:
        return None, "no dataset index"
    for r in cache.rows(ok_only=False).itertuples(index=False):
        out.setdefault(str(r.split), {})[str(r.id)] = ""
    for m in cache.meta.get("missing_videos") or []:
        out.setdefault(str(m.get("split")), {}).setdefault(str(m.get("id")), str(m.get("reason") or "not found"))
    return out, f"the index of the prepared cache {str(cache.folder)!r} ({name} itself is not on disk)"


def reconstruction_inventory(
    name: str,
    splits: Optional[Sequence[str]] = None,
    *,
    data_root=None,
    resolution: int = 128,
    keypoints: str = "auto",
    limit: Optional[int] = None,
) -> list[Union[ReconstructionClip, UnavailableVideo]]:
    """Every video the dataset index lists for ``splits`` (module docstring), in split order then id:
    a :class:`ReconstructionClip` when the cache holds it, else an :class:`UnavailableVideo`.

    ``limit``: the first N expected videos per split (missing ones count).
    """
    from slvg_bench.data.adapters.base import parse_split
    from slvg_bench.data.cache import open_cache
    from slvg_bench.data.registry import adapter_class
    from slvg_bench.errors import UsageError

    if limit is not None and limit < 1:
        raise UsageError(f"limit must be at least 1 video, got {limit}")
    cls = adapter_class(name)
    splits = tuple(splits) if splits is not None else cls.eval_splits
    for s in splits:
        parse_split(cls, s)
    cache = open_cache(name, data_root=data_root, resolution=resolution, keypoints=keypoints)
    expected, _ = expected_videos(name, data_root, cache)
    index = cache.rows(ok_only=False)
    out: list[Union[ReconstructionClip, UnavailableVideo]] = []
    for split in splits:
        rows = {str(r.id): r for r in index[index["split"] == split].itertuples(index=False)}
        wanted = expected.get(split, {}) if expected is not None else {i: "" for i in rows}
        ids = sorted(wanted)
        if limit is not None:
            ids = ids[:limit]
        for vid in ids:
            r = rows.get(vid)
            glosses = tuple(str(r.glosses).split()) if r is not None and isinstance(r.glosses, str) else ()
            if wanted[vid]:
                out.append(UnavailableVideo(vid, split, f"missing from the {name} download: {wanted[vid]}", glosses))
            elif r is None:
                out.append(UnavailableVideo(
                    vid, split, f"not in the prepared {name} cache at {str(cache.folder)!r}, which predates the "
                                f"dataset index that lists it: rerun 'slvg-bench datasets prepare {name}'"))
            elif r.status != "ok":
                out.append(UnavailableVideo(vid, split, f"failed to prepare: {r.error} (fix the video, then rerun "
                                                        f"'slvg-bench datasets prepare {name}')", glosses))
            else:
                out.append(ReconstructionClip(
                    id=vid, split=str(r.split), signer=str(r.signer), glosses=glosses, n_frames=int(r.n_frames),
                    path=cache.folder / str(r.file)))
    return out
