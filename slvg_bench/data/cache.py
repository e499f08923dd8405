"""The preprocessing cache: where prepared clips live and how a prepared set is opened.

``$SLVG_BENCH_HOME/cache/<dataset>/r<resolution>-<hash>/``::

    meta.json          key data (below), counts, failures, complete flag, versions
    index.parquet      one row per video (id, split, signer, glosses, n_frames, file, box, status, error, ...)
    clips/<split>/<id>.sclip     uint8 frames + keypoints (see :mod:`slvg_bench.data.clipstore`)

The hash is :func:`slvg_bench.config.config_hash` of the key data: cache and clip
format versions, the dataset's identity (adapter version; for synthsign the
generator's meta.json), the full :class:`~slvg_bench.data.crop.CropConfig`
(resolution, mode, margin, overflow, anchor, ...), the keypoint source and the
codec. Any change of crop or size therefore lands in a new folder and never
serves stale clips.

Keypoint sources: ``"dataset"`` (the release's own, synthsign), ``"none"``, or
the id of an estimator in ``slvg_bench.pose.estimators.ESTIMATORS``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from slvg_bench.config import config_hash
from slvg_bench.data import clipstore
from slvg_bench.data.crop import CropConfig
from slvg_bench.errors import DatasetError, UsageError

CACHE_FORMAT = 1
INDEX_FILE = "index.parquet"
META_FILE = "meta.json"
KP_DATASET, KP_NONE = "dataset", "none"


@dataclass(frozen=True)
class CacheSpec:
    """Everything that decides the content of a prepared set (and so its folder)."""

    dataset: str
    crop: CropConfig
    keypoints: str
    source: dict = field(default_factory=dict)
    codec: str = "png"

    def key_data(self) -> dict:
        return {
            "cache_format": CACHE_FORMAT,
            "clip_format": clipstore.FORMAT_VERSION,
            "dataset": self.dataset,
            "source": self.source,
            "crop": dataclasses.asdict(self.crop),
            "keypoints": self.keypoints,
            "codec": self.codec,
        }

    def key(self) -> str:
        return f"r{self.crop.resolution}-{config_hash(self.key_data())}"

    def folder(self) -> Path:
        from slvg_bench import paths

        return paths.cache_dir() / self.dataset / self.key()


# how clip file names are made from ids; caches of another naming are re-checked by prepare
FILE_NAMING = 2  # 1: "/" -> "_" (not injective: "a/b" and "a_b" shared a file); 2: paths.file_stem


def safe_name(video_id: str) -> str:
    """The clip file stem of a video id: :func:`slvg_bench.paths.file_stem` (safe and injective)."""
    from slvg_bench.paths import file_stem

    return file_stem(video_id)


def write_json_atomic(path: Path, data) -> None:
    from slvg_bench.outputs import write_text_atomic

    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str))


class PreparedCache:
    """A complete prepared set: its index and clip readers.

    The index is a pandas DataFrame (one row per video; ``status`` is ``ok`` or
    ``failed`` with the reason in ``error``).
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        meta_path = self.folder / META_FILE
        try:
            self.meta = json.loads(meta_path.read_text())
        except FileNotFoundError as e:
            raise DatasetError(f"no prepared cache at {str(self.folder)!r} (missing {META_FILE})") from e
        except (OSError, ValueError) as e:
            raise DatasetError(f"cache metadata {str(meta_path)!r} is unreadable: {e}") from e
        if not self.meta.get("complete"):
            raise DatasetError(
                f"the cache at {str(self.folder)!r} is incomplete (interrupted preparation): rerun "
                f"'slvg-bench datasets prepare {self.meta.get('dataset', 'NAME')}' to finish it"
            )
        self._index = None

    @property
    def dataset(self) -> str:
        return self.meta["dataset"]

    @property
    def resolution(self) -> int:
        return int(self.meta["key_data"]["crop"]["resolution"])

    @property
    def keypoint_source(self) -> str:
        return self.meta["key_data"]["keypoints"]

    @property
    def has_keypoints(self) -> bool:
        return self.keypoint_source != KP_NONE

    @property
    def index(self):
        if self._index is None:
            import pandas as pd

            path = self.folder / INDEX_FILE
            try:
                index = pd.read_parquet(path)
            except (OSError, ValueError) as e:
                raise DatasetError(f"cache index {str(path)!r} is unreadable: {e}") from e
            ok = index[index["status"] == "ok"]
            shared = ok[ok["file"].duplicated(keep=False)]
            if len(shared):
                first = shared[shared["file"] == shared["file"].iloc[0]]["id"].astype(str).tolist()
                raise DatasetError(
                    f"the cache at {str(self.folder)!r} stores {len(shared)} videos in shared clip files (e.g. "
                    f"{', '.join(map(repr, first))} share {shared['file'].iloc[0]!r}; made by an older slvg-bench): "
                    f"run 'slvg-bench datasets prepare {self.dataset}' to rebuild them"
                )
            self._index = index
        return self._index

    def rows(self, split: Optional[str] = None, ok_only: bool = True):
        """Index rows (sorted by split order, then id), optionally one split / usable clips only."""
        df = self.index
        if split is not None:
            df = df[df["split"] == split]
        if ok_only:
            df = df[df["status"] == "ok"]
        return df

    def clip_path(self, video_id: str) -> Path:
        rows = self.index[self.index["id"] == video_id]
        if rows.empty or rows.iloc[0]["status"] != "ok":
            raise DatasetError(f"video {video_id!r} is not in the prepared {self.dataset} cache at {str(self.folder)!r}")
        return self.folder / rows.iloc[0]["file"]

    def clip(self, video_id: str) -> clipstore.ClipReader:
        return clipstore.ClipReader(self.clip_path(video_id))


def spec_for(
    name: str,
    *,
    data_root=None,
    resolution: int = 128,
    keypoints: str = KP_NONE,
    crop: Optional[CropConfig] = None,
    codec: str = "png",
    generate: bool = True,
) -> CacheSpec:
    """The cache spec of dataset ``name`` with its default crop at ``resolution`` (or ``crop``)."""
    from slvg_bench.data.registry import adapter_class

    cls = adapter_class(name)
    crop = (crop or cls.default_crop(resolution)).validate()
    if keypoints == KP_DATASET and not cls.has_keypoints:
        raise UsageError(f"dataset {name!r} ships no keypoints; use an estimator id or 'none'")
    if codec not in clipstore.CODECS:
        raise UsageError(f"cache codec must be one of {clipstore.CODECS}, got {codec!r}")
    return CacheSpec(name, crop, keypoints, cls.source_identity(data_root, generate=generate), codec)


def _without_keypoints(key_data: dict) -> dict:
    return {k: v for k, v in key_data.items() if k != "keypoints"}


def find_complete(spec: CacheSpec) -> list[PreparedCache]:
    """Complete caches that match ``spec`` in everything except the keypoint source."""
    base = spec.folder().parent
    if not base.is_dir():
        return []
    want = _without_keypoints(spec.key_data())
    found = []
    for folder in sorted(base.iterdir()):
        try:
            meta = json.loads((folder / META_FILE).read_text())
        except (OSError, ValueError):
            continue
        if meta.get("complete") and _without_keypoints(meta.get("key_data", {})) == json.loads(json.dumps(want)):
            found.append(PreparedCache(folder))
    return found


def _preference(cache: PreparedCache) -> tuple:
    src = cache.keypoint_source
    return (0 if src == KP_DATASET else 2 if src == KP_NONE else 1, src)


def open_cache(
    name: str,
    *,
    data_root=None,
    resolution: int = 128,
    keypoints: str = "auto",
    crop: Optional[CropConfig] = None,
    codec: str = "png",
    prepare_missing: Optional[bool] = None,
    workers: Optional[int] = None,
) -> PreparedCache:
    """The prepared set of ``name`` at ``resolution``, preparing built-in data on first use.

    keypoints: ``"auto"`` takes the complete cache whose keypoints are best
        (the dataset's own, then an estimator's, then none); an explicit source
        (``"dataset"``, ``"none"``, an estimator id) asks for exactly that one.
    prepare_missing: prepare when absent (default: only for built-in datasets like synthsign).
    """
    from slvg_bench.data.registry import adapter_class

    cls = adapter_class(name)
    default_kp = KP_DATASET if cls.has_keypoints else KP_NONE
    spec = spec_for(name, data_root=data_root, resolution=resolution,
                    keypoints=default_kp if keypoints == "auto" else keypoints, crop=crop, codec=codec)  # fmt: skip
    if keypoints == "auto":
        found = find_complete(spec)
        if found:
            return min(found, key=_preference)
    elif (spec.folder() / META_FILE).is_file():
        meta = json.loads((spec.folder() / META_FILE).read_text())
        if meta.get("complete"):
            return PreparedCache(spec.folder())
    if prepare_missing if prepare_missing is not None else cls.builtin:
        from slvg_bench.data.prepare import prepare

        report = prepare(name, data_root=data_root, spec=spec, workers=workers, progress=False)
        return PreparedCache(report.folder)
    kp_opt = "" if spec.keypoints in (KP_NONE, KP_DATASET) else f" --keypoints {spec.keypoints}"
    res_opt = "" if resolution == 128 else f" --resolution {resolution}"
    raise DatasetError(
        f"{name} is not prepared at {resolution}px (no cache at {str(spec.folder())!r}): run "
        f"'slvg-bench datasets prepare {name}{res_opt}{kp_opt}' first"
    )
