"""A small synthsign-layout dataset rendered with the synthsign renderer, over a chosen gloss subset.

The real ``tiny`` size has 16 training videos over the whole 48-gloss vocabulary: too few for a
recognizer trained inside a test to read the (unseen) test signers. Here every signer of each
split signs sentences and isolated signs of a few glosses, so a tiny recognizer trained for a
minute must read the test signers' real videos, and cannot read them with their frames shuffled.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from slvg_bench.data.synthsign.generate import INDEX_COLUMNS, random_sentence, render_video
from slvg_bench.data.synthsign.identities import SPLIT_OF_IDENTITY
from slvg_bench.video import write_mp4

# four signs that differ in location and movement (vocabulary.py)
GLOSSES = ("HOUSE", "SLEEP", "FAMILY", "SNOW")


def render_subset(root: Path, glosses=GLOSSES, sentences: dict | None = None, isolated: dict | None = None,
                  resolution: int = 64, seed: int = 0) -> Path:
    """``sentences``/``isolated``: videos per signer by split (defaults: train 3+4, dev 1+0, test 3+0)."""
    sentences = sentences or {"train": 3, "dev": 1, "test": 3}
    isolated = isolated or {"train": 4, "dev": 0, "test": 0}
    rng = np.random.default_rng(seed)
    rows = []
    for ident, split in SPLIT_OF_IDENTITY.items():
        items = [("iso", [glosses[k % len(glosses)]]) for k in range(isolated[split])]
        for _ in range(sentences[split]):
            items.append(("sen", list(random_sentence(rng, glosses, lengths=(2, 4)))))
        for k, (kind, seq) in enumerate(items):
            vid = f"signer{ident:02d}_{kind}_{k:04d}"
            frames, _, segments = render_video(ident, seq, (seed, ident, k), resolution)
            rel = f"videos/{split}/{vid}.mp4"
            write_mp4(root / rel, frames, fps=25, lossless=True)
            rows.append({"id": vid, "split": split, "signer": f"signer{ident:02d}",
                         "kind": "isolated" if kind == "iso" else "sentence", "glosses": " ".join(seq),
                         "n_frames": len(frames), "fps": 25, "video": rel, "keypoints": "",
                         "segments": " ".join(f"{a}:{b}" for a, b in segments)})
    with open(root / "index.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=INDEX_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return root
