"""synthsign: the built-in synthetic dataset, read from the generator's on-disk layout.

Layout (``$SLVG_BENCH_HOME/data/synthsign/`` by default, or ``<data_root>/synthsign/``)::

    meta.json          {"name": "synthsign", "version", "seed", "size", "resolution": 128, "fps": 25, ...}
    index.csv          id,split,signer,kind,glosses,n_frames,fps,video,keypoints
                       (glosses space-separated; video/keypoints relative to the root)
    videos/{train,dev,test}/<id>.mp4       lossless RGB H.264, 128×128
    keypoints/{train,dev,test}/<id>.npy    float32 T×133×3, exact ground truth

When no generated copy exists, the generator (``slvg_bench.data.synthsign``) makes
one on first use. Splits train/dev/test have disjoint signers; counts are the
index's own (there are no published numbers). The frames are already
signer-centred squares, so the crop uses the whole frame (``mode="frame"``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Optional

from slvg_bench.data.adapters.base import DatasetAdapter, Missing, ScanResult
from slvg_bench.data.crop import CropConfig
from slvg_bench.data.sample import Sample
from slvg_bench.errors import DatasetError

COLUMNS = ("id", "split", "signer", "kind", "glosses", "n_frames", "fps", "video", "keypoints")


def _meta_problem(folder: Path) -> str | None:
    """Why ``folder`` is not a synthsign copy (None when its meta.json says it is one)."""
    meta = folder / "meta.json"
    if not meta.is_file():
        return f"{str(meta)!r} does not exist"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return f"{str(meta)!r} is not readable JSON ({type(e).__name__}: {e})"
    if not isinstance(data, dict):
        return f"{str(meta)!r} holds {type(data).__name__}, not an object with name: synthsign"
    if data.get("name") != "synthsign":
        return f"{str(meta)!r} names dataset {data.get('name')!r}, not 'synthsign'"
    return None


def _is_synthsign(folder: Path) -> bool:
    return _meta_problem(folder) is None


def generated_root(data_root: Optional[str | Path] = None) -> Optional[Path]:
    """An existing generated copy (``<data_root>/synthsign``, ``<data_root>``, then the home cache), or None."""
    from slvg_bench import paths

    cands = []
    root = Path(data_root).expanduser() if data_root is not None else paths.data_root()
    if root is not None:
        cands += [root / "synthsign", root]
    cands.append(paths.synthsign_dir())
    return next((c for c in cands if _is_synthsign(c)), None)


def _generate() -> Path:
    """Generate the default copy through the generator package, under a lock (parallel ranks)."""
    from slvg_bench import paths
    from slvg_bench.data.locking import file_lock

    from slvg_bench.data import synthsign as generator

    with file_lock(paths.home() / "data" / ".synthsign.lock"):
        return Path(generator.ensure())


class SynthSignAdapter(DatasetAdapter):
    name = "synthsign"
    title = "synthsign (built-in synthetic)"
    version = "1"
    splits = ("train", "dev", "test")
    eval_splits = ("dev", "test")
    expected_counts: dict = {}
    has_keypoints = True
    pose_estimator = "posenet-synthsign"  # trained here on synthsign's exact keypoints
    builtin = True
    dir_names = ("synthsign",)
    anchor = "meta.json"
    download = "built in: generated on first use (slvg_bench.data.synthsign)"

    @classmethod
    def locate(cls, data_root=None, generate: bool = True) -> Path:
        if data_root is not None:
            # an explicit --data-root is never swapped for the default copy (nor generated): a typo or a
            # damaged copy would otherwise be scored silently on other data
            root = Path(data_root).expanduser()
            cands = (root / "synthsign", root)
            found = next((c for c in cands if _is_synthsign(c)), None)
            if found is None:
                damaged = next((c for c in cands if (c / "meta.json").exists()), None)
                why = f": {_meta_problem(damaged)}" if damaged is not None else ""
                raise DatasetError(
                    f"synthsign not found under --data-root {str(root)!r}{why}; expected "
                    f"{str(root / 'synthsign')}/meta.json (name: synthsign) or {str(root)}/meta.json; leave "
                    f"--data-root out to use the default copy (generated on first use)")
            return found
        found = generated_root(data_root)
        if found is not None:
            return found
        if not generate:
            raise DatasetError("synthsign has not been generated yet (any 'slvg-bench datasets prepare synthsign' makes it)")
        return _generate()

    @classmethod
    def default_crop(cls, resolution: int = 128) -> CropConfig:
        return CropConfig(resolution=resolution, mode="frame")

    def meta(self) -> dict:
        problem = _meta_problem(self.root)
        if problem:
            raise DatasetError(f"synthsign meta file unusable: {problem}")
        return json.loads((self.root / "meta.json").read_text(encoding="utf-8"))

    @classmethod
    def source_identity(cls, data_root=None, generate: bool = True) -> dict:
        """The generator's meta.json (version, seed, size, ...) identifies the data."""
        return {**super().source_identity(), "meta": cls(cls.locate(data_root, generate=generate)).meta()}

    def _rows(self) -> list[dict]:
        path = self.root / "index.csv"
        if not path.is_file():
            raise DatasetError(f"synthsign index {str(path)!r} does not exist (regenerate the dataset)")
        try:
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                lacking = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
                if lacking:
                    raise DatasetError(
                        f"synthsign index {str(path)!r} lacks columns {lacking} (expected {','.join(COLUMNS)})"
                    )
                return list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            raise DatasetError(f"synthsign index {str(path)!r} is unreadable: {e}") from e

    def expected(self) -> dict:
        counts: dict = {s: 0 for s in self.splits}
        for r in self._rows():
            counts[r["split"]] = counts.get(r["split"], 0) + 1
        return counts

    def scan(self) -> ScanResult:
        samples, missing = [], []
        for i, r in enumerate(self._rows(), start=2):
            if r["split"] not in self.splits:
                raise DatasetError(f"synthsign index line {i}: split {r['split']!r} is not one of {self.splits}")
            video = self.root / r["video"]
            if not video.is_file():
                missing.append(Missing(r["id"], r["split"], f"{r['video']} not found", r["signer"]))
                continue
            kp = self.root / r["keypoints"] if r.get("keypoints") else None
            samples.append(Sample(
                dataset=self.name, id=r["id"], split=r["split"], signer=r["signer"], video=video,
                glosses=tuple(r["glosses"].split()), keypoints_file=kp,
                fps=float(r["fps"]) if r.get("fps") else None, meta={"kind": r["kind"]},
            ))  # fmt: skip
        samples.sort(key=lambda s: (self.splits.index(s.split), s.id))
        return ScanResult(samples, missing)
