"""LSA64 (Argentinian Sign Language; Ronchetti et al., CACIC 2016), the "cut" release.

Layout (``<data_root>/lsa64/``)::

    all_cut/XXX_YYY_ZZZ.mp4      XXX sign 001-064, YYY signer 001-010, ZZZ repetition 001-005
    LSA64-Classes.csv            optional class list (column ``Name``, optional ``ID``)

3,200 videos = 64 signs × 10 signers × 5 repetitions. Split of the PGMM paper
(§4.1): signs 001–056 train (2,800 videos), 057–064 test (400). The gloss is the
sign id (``"057"``); with the class list present, ``meta["gloss_name"]`` holds
its name. No keypoints are shipped; the crop falls back to the centred square of
the frame's height unless keypoints are extracted (``prepare --keypoints``).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from slvg_bench.data.adapters.base import DatasetAdapter, Missing, ScanResult
from slvg_bench.data.sample import Sample
from slvg_bench.errors import DatasetError

NAME_RE = re.compile(r"^(\d{3})_(\d{3})_(\d{3})\.mp4$")
N_SIGNS, N_SIGNERS, N_REPS = 64, 10, 5
FIRST_TEST_SIGN = 57
CLASS_FILE = "LSA64-Classes.csv"


def split_of_sign(sign: int) -> str:
    """The paper's split rule: signs 1–56 train, 57–64 test."""
    if not 1 <= sign <= N_SIGNS:
        raise ValueError(f"LSA64 sign ids are 1..{N_SIGNS}, got {sign}")
    return "train" if sign < FIRST_TEST_SIGN else "test"


def read_class_names(path: Path) -> dict[int, str]:
    """``LSA64-Classes.csv`` -> {sign id: name}; rows in sign order unless an ``ID`` column says otherwise."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DatasetError(f"LSA64 class list {str(path)!r} is unreadable: {e}") from e
    if not rows or "Name" not in rows[0]:
        cols = list(rows[0]) if rows else []
        raise DatasetError(f"LSA64 class list {str(path)!r} needs a 'Name' column, found columns {cols}")
    id_col = next((c for c in rows[0] if c.strip().lower() == "id"), None)
    names = {}
    for i, row in enumerate(rows, start=1):
        try:
            sign = int(row[id_col]) if id_col else i
        except (TypeError, ValueError) as e:
            raise DatasetError(f"LSA64 class list {str(path)!r} row {i + 1}: ID {row[id_col]!r} is not a number") from e
        names[sign] = (row["Name"] or "").strip()
    return names


class LSA64Adapter(DatasetAdapter):
    name = "lsa64"
    title = "LSA64"
    version = "1"
    splits = ("train", "test")
    eval_splits = ("test",)
    expected_counts = {"train": 2800, "test": 400}
    dir_names = ("lsa64", "LSA64")
    anchor = "all_cut"
    download = "http://facundoq.github.io/datasets/lsa64/ (the 'cut' version, folder all_cut/)"

    def scan(self) -> ScanResult:
        folder = self.root / "all_cut"
        names = read_class_names(self.root / CLASS_FILE) if (self.root / CLASS_FILE).is_file() else {}
        found: dict[str, Path] = {}
        notes, missing = [], []
        for path in sorted(folder.iterdir()):
            m = NAME_RE.match(path.name)
            if not m:
                if not path.name.startswith("."):
                    notes.append(f"ignored {path.name!r} (not XXX_YYY_ZZZ.mp4)")
                continue
            sign, signer, rep = (int(g) for g in m.groups())
            if not (1 <= sign <= N_SIGNS and 1 <= signer <= N_SIGNERS and 1 <= rep <= N_REPS):
                notes.append(f"ignored {path.name!r} (ids out of range)")
                continue
            if path.stat().st_size == 0:
                missing.append(Missing(path.stem, split_of_sign(sign), "empty file", f"{signer:03d}"))
                continue
            found[path.stem] = path
        empty = {m.id for m in missing}
        samples = []
        for sign in range(1, N_SIGNS + 1):
            for signer in range(1, N_SIGNERS + 1):
                for rep in range(1, N_REPS + 1):
                    vid = f"{sign:03d}_{signer:03d}_{rep:03d}"
                    split = split_of_sign(sign)
                    if vid not in found:
                        if vid not in empty:
                            missing.append(Missing(vid, split, f"all_cut/{vid}.mp4 not found", f"{signer:03d}"))
                        continue
                    meta = {"sign": sign, "repetition": rep}
                    if sign in names:
                        meta["gloss_name"] = names[sign]
                    samples.append(Sample(
                        dataset=self.name, id=vid, split=split, signer=f"{signer:03d}",
                        video=found[vid], glosses=(f"{sign:03d}",), meta=meta,
                    ))  # fmt: skip
        samples.sort(key=lambda s: (self.splits.index(s.split), s.id))
        return ScanResult(samples, missing, notes)
