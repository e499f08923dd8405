"""What every dataset adapter provides: locating the release, scanning it, checking counts.

An adapter reads one dataset in its official release layout and turns it into
:class:`~slvg_bench.data.sample.Sample` records. It never decodes video while
scanning (only annotation files and directory listings), so ``verify`` on a full
download takes seconds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Optional

from slvg_bench.data.crop import CropConfig
from slvg_bench.data.sample import Sample
from slvg_bench.errors import DatasetError


class DatasetCountWarning(UserWarning):
    """The videos found differ from the published counts (the message lists what is missing)."""


@dataclass(frozen=True)
class Missing:
    """An annotated video whose files are absent or unusable (``signer`` when the annotation names it)."""

    id: str
    split: str
    reason: str
    signer: str = ""


@dataclass
class ScanResult:
    """What an adapter found: usable samples (sorted by split, id) and annotated-but-missing videos."""

    samples: list[Sample]
    missing: list[Missing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def split(self, name: str) -> list[Sample]:
        return [s for s in self.samples if s.split == name]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.samples:
            out[s.split] = out.get(s.split, 0) + 1
        return out

    def missing_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.missing:
            out[m.split] = out.get(m.split, 0) + 1
        return out


@dataclass(frozen=True)
class SplitCount:
    split: str
    expected: Optional[int]  # published number (None when the dataset has none)
    annotated: int  # videos the annotation files list for the split
    found: int  # of those, videos present on disk

    @property
    def missing(self) -> int:
        return self.annotated - self.found

    @property
    def ok(self) -> bool:
        return self.found == (self.expected if self.expected is not None else self.annotated)


@dataclass
class VerifyReport:
    dataset: str
    root: Path
    rows: list[SplitCount]
    missing: list[Missing]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def summary(self, max_ids: int = 10) -> str:
        """One paragraph naming the splits that fall short and the first missing ids."""
        parts = []
        for r in self.rows:
            if not r.ok:
                want = r.expected if r.expected is not None else r.annotated
                parts.append(f"{r.split}: found {r.found} of {want} (annotated {r.annotated})")
        if not parts:
            return f"{self.dataset}: all {sum(r.found for r in self.rows)} videos found"
        ids = ", ".join(f"{m.split}/{m.id}" for m in self.missing[:max_ids])
        more = f" and {len(self.missing) - max_ids} more" if len(self.missing) > max_ids else ""
        missing = f"; missing: {ids}{more}" if self.missing else ""
        return f"{self.dataset} at {self.root}: " + "; ".join(parts) + missing


class DatasetAdapter:
    """Base class; subclasses set the class attributes and implement :meth:`scan`.

    Class attributes:
        name: registry id. title: human name. version: bump when scanning/reading
            changes in a way that can move numbers (it is part of the cache key).
        splits: split names in order. eval_splits: splits used for reconstruction tests.
        expected_counts: published videos per split (paper §4.1 / release notes).
        has_keypoints, has_glosses: what the release provides.
        pose_estimator: the pose estimator (``slvg_bench.pose.estimators`` id) that metrics re-extracting
            keypoints from videos (``akd``, ``mpjpe``, ``dtw-mje``) use for this dataset when none is given.
        builtin: generated data, prepared automatically on first use.
        dir_names: folder names tried under the data root (first match wins).
        nested: sub-paths tried inside each candidate (the release's own nesting).
        anchor: relative path (file or folder) that proves a candidate is the release.
        download: where the data comes from (docs and error messages).
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    splits: ClassVar[tuple[str, ...]] = ("train", "test")
    eval_splits: ClassVar[tuple[str, ...]] = ("test",)
    expected_counts: ClassVar[dict[str, int]] = {}
    has_keypoints: ClassVar[bool] = False
    has_glosses: ClassVar[bool] = True
    pose_estimator: ClassVar[Optional[str]] = None
    builtin: ClassVar[bool] = False
    dir_names: ClassVar[tuple[str, ...]] = ()
    nested: ClassVar[tuple[str, ...]] = ("",)
    anchor: ClassVar[str] = ""
    download: ClassVar[str] = ""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    # --- locating -------------------------------------------------------------------------

    @classmethod
    def candidates(cls, data_root: Path) -> list[Path]:
        bases = [data_root / d for d in cls.dir_names] + [data_root]
        return [b / n if n else b for b in bases for n in cls.nested]

    @classmethod
    def locate(cls, data_root: Optional[str | Path], generate: bool = True) -> Path:
        """The folder holding the release under ``data_root`` (or ``SLVG_BENCH_DATA``).

        ``generate`` only matters for built-in synthetic data (generated when absent).
        """
        from slvg_bench import paths

        root = Path(data_root).expanduser() if data_root is not None else paths.data_root()
        if root is None:
            raise DatasetError(
                f"no data root for {cls.name}: pass --data-root DIR or set SLVG_BENCH_DATA "
                f"(expected DIR/{cls.dir_names[0]}/{cls.anchor})"
            )
        tried = cls.candidates(root)
        for cand in tried:
            if (cand / cls.anchor).exists():
                return cand
        dirs = "{" + ",".join(cls.dir_names) + "}"
        nests = [n for n in cls.nested if n]
        nest = ("[" + "|".join(f"{n}/" for n in nests) + "]") if nests else ""
        raise DatasetError(
            f"{cls.title} not found under {str(root)!r}: expected {str(root)}/{dirs}/{nest}{cls.anchor} "
            f"(or the release itself as the root; download: {cls.download})"
        )

    # --- scanning -------------------------------------------------------------------------

    def scan(self) -> ScanResult:  # pragma: no cover - every subclass overrides
        raise TypeError(f"{type(self).__name__} does not implement scan()")

    def expected(self) -> dict[str, Optional[int]]:
        """Published counts per split (None where no number is published)."""
        return {s: self.expected_counts.get(s) for s in self.splits}

    @classmethod
    def source_identity(cls, data_root: Optional[str | Path] = None, generate: bool = True) -> dict:
        """What identifies the source data in cache keys. Real releases are fixed, so their
        identity needs no data on disk (a prepared cache is usable without the download)."""
        return {"dataset": cls.name, "adapter_version": cls.version}

    @classmethod
    def default_crop(cls, resolution: int = 128) -> CropConfig:
        """The dataset's crop settings (see :mod:`slvg_bench.data.crop`)."""
        return CropConfig(resolution=resolution)

    def verify(self, scan: Optional[ScanResult] = None) -> VerifyReport:
        scan = scan or self.scan()
        found, missing = scan.counts(), scan.missing_counts()
        expected = self.expected()
        rows = [
            SplitCount(s, expected[s], found.get(s, 0) + missing.get(s, 0), found.get(s, 0)) for s in self.splits
        ]
        return VerifyReport(self.name, self.root, rows, list(scan.missing), list(scan.notes))

    def check_counts(self, scan: ScanResult) -> VerifyReport:
        """Verify and emit a :class:`DatasetCountWarning` listing what is missing when counts differ."""
        report = self.verify(scan)
        if not report.ok:
            warnings.warn(report.summary(), DatasetCountWarning, stacklevel=2)
        return report


def parse_split(adapter: DatasetAdapter, split: str) -> str:
    from slvg_bench.errors import UsageError

    if split not in adapter.splits:
        raise UsageError(f"dataset {adapter.name!r} has no split {split!r}; its splits: {', '.join(adapter.splits)}")
    return split
