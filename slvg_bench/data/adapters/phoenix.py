"""RWTH-PHOENIX-Weather-2014T (Camgoz et al., CVPR 2018), release v3.

Layout (``<data_root>/phoenix/``, or the release's own
``PHOENIX-2014-T-release-v3/PHOENIX-2014-T/`` nesting)::

    features/fullFrame-210x260px/{train,dev,test}/<name>/images0001.png ...
    annotations/manual/PHOENIX-2014-T.{train,dev,test}.corpus.csv

The corpus files are ``|``-separated with the header
``name|video|start|end|speaker|orth|translation``; ``video`` reads
``<name>/1/*.png`` while the frames of the T release sit directly in ``<name>/``
(both places are tried), ``speaker`` is the signer (``Signer08``), ``orth`` the
space-separated gloss sequence and ``translation`` the German sentence (kept in
``meta``). Splits train/dev/test = 7,096 / 519 / 642. Frames are 210 wide × 260
high PNGs at 25 fps without keypoints: the crop pads them to a 260×260 square
(25 black columns each side) — see :mod:`slvg_bench.data.crop`.
"""

from __future__ import annotations

from pathlib import Path

from slvg_bench.data.adapters.bar_table import read_bar_table
from slvg_bench.data.adapters.base import DatasetAdapter, Missing, ScanResult
from slvg_bench.data.crop import CropConfig
from slvg_bench.data.sample import Sample

HEADER = ("name", "video", "start", "end", "speaker", "orth", "translation")
FRAMES_DIR = "features/fullFrame-210x260px"
CORPUS = "annotations/manual/PHOENIX-2014-T.{split}.corpus.csv"


def read_corpus(path: Path) -> list[dict]:
    """Rows of one ``|``-separated corpus file as dicts keyed by the header."""
    return read_bar_table(path, HEADER, "PHOENIX-2014T")


def frame_folder(split_dir: Path, row: dict) -> Path | None:
    """The folder holding the row's PNG frames: the ``video`` pattern's folder, else ``<name>/``."""
    pattern = row["video"].replace("\\", "/")
    folder = pattern.rsplit("/", 1)[0] if "/" in pattern else row["name"]
    for cand in (split_dir / folder, split_dir / row["name"]):
        if cand.is_dir() and any(p.suffix.lower() == ".png" for p in cand.iterdir()):
            return cand
    return None


class PhoenixAdapter(DatasetAdapter):
    name = "phoenix"
    title = "RWTH-PHOENIX-Weather-2014T"
    version = "1"
    splits = ("train", "dev", "test")
    eval_splits = ("dev", "test")
    expected_counts = {"train": 7096, "dev": 519, "test": 642}
    dir_names = ("phoenix", "phoenix2014t", "phoenix-2014-t", "PHOENIX-2014-T")
    nested = ("", "PHOENIX-2014-T", "PHOENIX-2014-T-release-v3/PHOENIX-2014-T")
    anchor = "annotations/manual"
    download = "https://www-i6.informatik.rwth-aachen.de/~koller/RWTH-PHOENIX-2014-T/ (PHOENIX-2014-T-release-v3.tar.gz)"

    @classmethod
    def default_crop(cls, resolution: int = 128) -> CropConfig:
        return CropConfig(resolution=resolution, overflow="pad")

    def scan(self) -> ScanResult:
        samples, missing = [], []
        for split in self.splits:
            split_dir = self.root / FRAMES_DIR / split
            for row in read_corpus(self.root / CORPUS.format(split=split)):
                folder = frame_folder(split_dir, row)
                if folder is None:
                    missing.append(Missing(
                        row["name"], split, f"{FRAMES_DIR}/{split}/{row['name']}/*.png not found", row["speaker"]
                    ))
                    continue
                samples.append(Sample(
                    dataset=self.name, id=row["name"], split=split, signer=row["speaker"], video=folder,
                    glosses=tuple(row["orth"].split()), fps=25.0, meta={"translation": row["translation"]},
                ))  # fmt: skip
        samples.sort(key=lambda s: (self.splits.index(s.split), s.id))
        return ScanResult(samples, missing)
