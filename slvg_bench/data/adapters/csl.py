"""CSL-Daily (Zhou et al., CVPR 2021), the sentence-level release.

Layout (``<data_root>/csl-daily/``)::

    sentence/frames_512x512/<name>/*.jpg      512×512 JPEG frames, 30 fps
    sentence_label/split_1.txt                header ``name|split``; split train/dev/test
    sentence_label/video_map.txt              header ``index|name|length|gloss|char|word|postag``
    sentence_label/csl2020ct_v2.pkl           the same labels as a pickle (used when video_map.txt is absent)

Names read ``S<sentence>_P<person>_T<take>``; the signer id is the ``P....``
part. Splits follow ``split_1.txt`` exactly: 18,401 / 1,077 / 1,176 (videos
present in the label file but absent from the split file are reported, not
added to train as some recognition loaders do). Glosses are the
space-separated ``gloss`` column. The pickle is read with a restricted
unpickler that only builds plain containers, strings and numbers.
"""

from __future__ import annotations

import io
import pickle
import re
from pathlib import Path

from slvg_bench.data.adapters.bar_table import read_bar_table
from slvg_bench.data.adapters.base import DatasetAdapter, Missing, ScanResult
from slvg_bench.data.sample import Sample
from slvg_bench.errors import DatasetError

SPLIT_FILE = "sentence_label/split_1.txt"
MAP_FILE = "sentence_label/video_map.txt"
PKL_FILE = "sentence_label/csl2020ct_v2.pkl"
MAP_HEADER = ("index", "name", "length", "gloss", "char", "word", "postag")
FRAME_DIRS = ("sentence/frames_512x512", "sentence_frames-512x512/frames_512x512", "frames_512x512")
NAME_RE = re.compile(r"^S\d+_(P\d+)_T\d+$")
FRAME_SUFFIXES = (".jpg", ".jpeg", ".png")


def _read_bar_file(path: Path, header: tuple[str, ...]) -> list[dict]:
    """A ``|``-separated text file with a fixed header -> row dicts (errors name file and line)."""
    return read_bar_table(path, header, "CSL-Daily", encoding="utf-8-sig")


class _PlainUnpickler(pickle.Unpickler):
    """Builds only builtin containers/scalars (and numpy arrays); anything else is refused."""

    _ALLOWED = {
        ("builtins", n) for n in ("dict", "list", "tuple", "set", "frozenset", "str", "int", "float", "bool", "bytes")
    } | {
        ("collections", "OrderedDict"), ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    }  # fmt: skip

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def read_label_pickle(path: Path) -> dict[str, list[str]]:
    """``csl2020ct_v2.pkl`` -> {name: gloss list} from its ``info`` records."""
    try:
        data = _PlainUnpickler(io.BytesIO(path.read_bytes())).load()
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as e:
        raise DatasetError(f"CSL-Daily label file {str(path)!r} is unreadable: {e}") from e
    info = data.get("info") if isinstance(data, dict) else None
    if not isinstance(info, list):
        raise DatasetError(f"CSL-Daily label file {str(path)!r} has no 'info' list")
    out = {}
    for rec in info:
        if not isinstance(rec, dict) or "name" not in rec or "label_gloss" not in rec:
            raise DatasetError(f"CSL-Daily label file {str(path)!r}: an 'info' record lacks 'name' or 'label_gloss'")
        gloss = rec["label_gloss"]
        out[str(rec["name"])] = gloss.split() if isinstance(gloss, str) else [str(g) for g in gloss]
    return out


class CSLDailyAdapter(DatasetAdapter):
    name = "csl"
    title = "CSL-Daily"
    version = "1"
    splits = ("train", "dev", "test")
    eval_splits = ("dev", "test")
    expected_counts = {"train": 18401, "dev": 1077, "test": 1176}
    dir_names = ("csl-daily", "csl", "CSL-Daily", "csl_daily")
    anchor = SPLIT_FILE
    download = "http://home.ustc.edu.cn/~zhouh156/dataset/csl-daily/ (request form; sentence frames + sentence_label)"

    def _frames_root(self) -> Path:
        for d in FRAME_DIRS:
            if (self.root / d).is_dir():
                return self.root / d
        return self.root / FRAME_DIRS[0]

    def _labels(self) -> tuple[dict[str, list[str]], str]:
        if (self.root / MAP_FILE).is_file():
            return {r["name"]: r["gloss"].split() for r in _read_bar_file(self.root / MAP_FILE, MAP_HEADER)}, MAP_FILE
        if (self.root / PKL_FILE).is_file():
            return read_label_pickle(self.root / PKL_FILE), PKL_FILE
        raise DatasetError(
            f"CSL-Daily labels not found: neither {str(self.root / MAP_FILE)!r} nor {str(self.root / PKL_FILE)!r} exists"
        )

    def scan(self) -> ScanResult:
        split_rows = _read_bar_file(self.root / SPLIT_FILE, ("name", "split"))
        labels, label_file = self._labels()
        frames_root = self._frames_root()
        samples, missing, notes = [], [], []
        listed = set()
        for i, row in enumerate(split_rows, start=2):
            name, split = row["name"], row["split"]
            if split not in self.splits:
                raise DatasetError(
                    f"CSL-Daily split file {str(self.root / SPLIT_FILE)!r} line {i}: split {split!r} "
                    f"is not one of {self.splits}"
                )
            listed.add(name)
            m = NAME_RE.match(name)
            if not m:
                raise DatasetError(
                    f"CSL-Daily split file {str(self.root / SPLIT_FILE)!r} line {i}: name {name!r} "
                    "is not S<sentence>_P<person>_T<take>"
                )
            if name not in labels:
                notes.append(f"{name}: no label in {label_file} (glosses left empty)")
            folder = frames_root / name
            if not folder.is_dir() or not any(p.suffix.lower() in FRAME_SUFFIXES for p in folder.iterdir()):
                rel = folder.relative_to(self.root) if folder.is_relative_to(self.root) else folder
                missing.append(Missing(name, split, f"{rel}/*.jpg not found", m.group(1)))
                continue
            samples.append(Sample(
                dataset=self.name, id=name, split=split, signer=m.group(1), video=folder,
                glosses=tuple(labels.get(name, ())), fps=30.0,
            ))  # fmt: skip
        extra = sorted(set(labels) - listed)
        if extra:
            notes.append(f"{len(extra)} labelled videos are not in {SPLIT_FILE} and are not used: {', '.join(extra[:10])}")
        samples.sort(key=lambda s: (self.splits.index(s.split), s.id))
        return ScanResult(samples, missing, notes)
