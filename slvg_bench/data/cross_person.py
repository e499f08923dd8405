"""The cross-person pair list: a source image of signer A driven by a video of signer B ≠ A.

Rule (version 1), a pure function of the dataset's *annotations* and the seed,
so every user gets the same list whatever part of the videos they have:

1. Take every annotated video of the split (present or missing), sorted by id.
2. For each of them, in that order, as the driving video ``d``: the candidates
   are the videos of the split whose signer differs from ``d``'s, sorted by id;
   the source is candidate number
   ``int(sha256(f"{seed}:{d.id}").hexdigest()[:16], 16) mod len(candidates)``.
   A video whose split has no other signer gets no pair.
3. The source image is frame 0 of the source video (after the cache's crop).

The file (CSV, UTF-8, comma-separated, one header line)::

    pair_id,split,driving_id,driving_signer,source_id,source_signer,source_frame
    test-00000,test,057_001_001,001,061_007_004,007,0

``pair_id`` = ``<split>-<5-digit position>``. Default location:
``$SLVG_BENCH_HOME/pairs/<dataset>/cross_person-v1-seed<seed>-<split>.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence

from slvg_bench.errors import DatasetError

RULE_VERSION = 1
COLUMNS = ("pair_id", "split", "driving_id", "driving_signer", "source_id", "source_signer", "source_frame")


@dataclass(frozen=True)
class CrossPair:
    pair_id: str
    split: str
    driving_id: str
    driving_signer: str
    source_id: str
    source_signer: str
    source_frame: int = 0


def _pick(seed: int, video_id: str, n: int) -> int:
    return int(hashlib.sha256(f"{seed}:{video_id}".encode()).hexdigest()[:16], 16) % n


def make_pairs(videos: Sequence[tuple[str, str]], split: str, seed: int = 0) -> list[CrossPair]:
    """Pairs for one split from ``(id, signer)`` of its annotated videos (rule above)."""
    vids = sorted(set(videos))
    others: dict[str, list[tuple[str, str]]] = {}
    pairs = []
    for vid, signer in vids:
        if signer not in others:
            others[signer] = [v for v in vids if v[1] != signer]
        cands = others[signer]
        if not cands:
            continue
        src_id, src_signer = cands[_pick(seed, vid, len(cands))]
        pairs.append(CrossPair(f"{split}-{len(pairs):05d}", split, vid, signer, src_id, src_signer, 0))
    return pairs


def default_path(name: str, split: str, seed: int = 0) -> Path:
    from slvg_bench import paths

    return paths.home() / "pairs" / name / f"cross_person-v{RULE_VERSION}-seed{seed}-{split}.csv"


def write_pairs(path: str | Path, pairs: Sequence[CrossPair]) -> Path:
    path = Path(path)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for p in pairs:
        w.writerow([getattr(p, c) for c in COLUMNS])
    from slvg_bench.outputs import write_text_atomic

    write_text_atomic(path, buf.getvalue())  # a full or read-only disk: one line naming the file
    return path


def read_pairs(path: str | Path) -> list[CrossPair]:
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise DatasetError(f"pair list {str(path)!r} must have the header {','.join(COLUMNS)}")
            return [CrossPair(**{**r, "source_frame": int(r["source_frame"])}) for r in reader]
    except OSError as e:
        raise DatasetError(f"pair list {str(path)!r} is unreadable: {e}") from e


def cross_person_pairs(
    name: str,
    split: Optional[str] = None,
    *,
    data_root=None,
    seed: int = 0,
    out: Optional[str | Path] = None,
) -> tuple[list[CrossPair], Path]:
    """Build the pair list of ``name``/``split`` (default: the first evaluation split, test) and write it.

    Returns the pairs and the file written (``out`` or :func:`default_path`). Needs the
    dataset's annotations (``--data-root``); synthsign is generated when absent.
    """
    from slvg_bench.data.adapters.base import parse_split
    from slvg_bench.data.registry import get_adapter

    adapter = get_adapter(name, data_root)
    split = parse_split(adapter, split or adapter.eval_splits[-1])
    scan = adapter.scan()
    videos = [(s.id, s.signer) for s in scan.samples if s.split == split]
    videos += [(m.id, m.signer) for m in scan.missing if m.split == split]
    if len({s for _, s in videos}) < 2:
        raise DatasetError(f"{name}/{split} has fewer than two signers, so no cross-person pairs exist")
    pairs = make_pairs(videos, split, seed)
    return pairs, write_pairs(out or default_path(name, split, seed), pairs)


@dataclass(eq=False)
class CrossPersonItem:
    """A pair with its inputs read from the cache: ``source`` ``3×R×R``, ``driving`` ``T×3×R×R``
    (float in [0, 1]) and ``driving_kp`` ``T×133×3`` or None; read on access."""

    pair: CrossPair
    source_path: Path
    driving_path: Path

    @property
    def source(self):
        from slvg_bench.data.clipstore import ClipReader
        from slvg_bench.video import to_float

        return to_float(ClipReader(self.source_path).frames([self.pair.source_frame]))[0]

    @property
    def driving(self):
        from slvg_bench.data.clipstore import ClipReader
        from slvg_bench.video import to_float

        return to_float(ClipReader(self.driving_path).frames())

    @property
    def driving_kp(self):
        import torch

        from slvg_bench.data.clipstore import ClipReader

        kp = ClipReader(self.driving_path).keypoints()
        return None if kp is None else torch.from_numpy(kp)


def iter_cross_person(
    name: str,
    pairs: Sequence[CrossPair] | str | Path,
    *,
    data_root=None,
    resolution: int = 128,
    keypoints: str = "auto",
) -> Iterator[CrossPersonItem]:
    """The pairs (a list or a pair-list file) whose two videos are in the prepared cache.

    Pairs with a video the cache lacks (missing download, corrupt file) are skipped;
    a warning gives their number and first ids.
    """
    from slvg_bench.data.cache import open_cache

    if isinstance(pairs, (str, Path)):
        pairs = read_pairs(pairs)
    cache = open_cache(name, data_root=data_root, resolution=resolution, keypoints=keypoints)
    ok = cache.rows()
    files = dict(zip(ok["id"].astype(str), ok["file"].astype(str)))
    skipped = [p.pair_id for p in pairs if p.source_id not in files or p.driving_id not in files]
    if skipped:
        warnings.warn(
            f"{len(skipped)} of {len(pairs)} cross-person pairs skipped (a video is not in the {name} cache): "
            + ", ".join(skipped[:10]),
            stacklevel=2,
        )
    for p in pairs:
        if p.source_id in files and p.driving_id in files:
            yield CrossPersonItem(p, cache.folder / files[p.source_id], cache.folder / files[p.driving_id])

