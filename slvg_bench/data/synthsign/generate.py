"""Generate the synthsign dataset on disk, deterministically from a seed.

Layout (paths relative to the dataset root)::

    meta.json                     name, version, generator version, seed, size, resolution, fps, counts
    index.csv                     id,split,signer,kind,glosses,n_frames,fps,video,keypoints,segments
    vocabulary.json               the 48 gloss definitions (see vocabulary.py)
    signers.json                  the 12 identities (appearance, proportions, split)
    videos/<split>/<id>.mp4       lossless RGB H.264 (libx264rgb, qp 0), 128×128, 25 fps
    keypoints/<split>/<id>.npy    float32 T×133×3: x, y in pixels (centre of the top-left pixel
                                  = (0, 0)), confidence 1, or 0 for points outside the frame
                                  (hips, knees, ankles, feet)

``kind`` is ``isolated`` (one gloss, like LSA64/WLASL) or ``sentence`` (2–6
glosses, like PHOENIX/CSL-Daily); ``glosses`` is space-separated; ``segments``
gives each gloss's ``start:end`` frames. Splits are by signer identity
(train: signer00–07, dev: signer08–09, test: signer10–11). The same seed, size
and package version produce byte-identical files.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from slvg_bench import paths
from slvg_bench.errors import DatasetError, UsageError

GENERATOR_VERSION = "1"
RESOLUTION = 128
FPS = 25
SPLITS = ("train", "dev", "test")

# size -> (isolated, sentence) videos per signer, for (train signers, dev/test signers)
SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "tiny": {"train": (1, 1), "eval": (1, 1)},
    "small": {"train": (12, 5), "eval": (8, 4)},
    "medium": {"train": (60, 30), "eval": (24, 16)},
    "large": {"train": (200, 120), "eval": (60, 50)},
}
# isolated and sentence videos of each extra training signer (identities 12+, see identities.py)
EXTRA_SIGNER_VIDEOS = (12, 5)
INDEX_COLUMNS = ("id", "split", "signer", "kind", "glosses", "n_frames", "fps", "video", "keypoints", "segments")


@dataclass(frozen=True)
class VideoJob:
    id: str
    split: str
    identity_index: int
    kind: str
    glosses: tuple[str, ...]
    seed: tuple[int, ...]


def plan_jobs(seed: int, size: str, extra_signers: int = 0) -> list[VideoJob]:
    """Which videos to make: ids, signers, glosses and per-video seeds. ``extra_signers`` appends
    :data:`EXTRA_SIGNER_VIDEOS` training videos for each of that many extra identities (12, 13, …)."""
    from slvg_bench.data.synthsign.identities import NUM_IDENTITIES, SPLIT_OF_IDENTITY
    from slvg_bench.data.synthsign.vocabulary import GLOSS_NAMES

    if size not in SIZES:
        raise UsageError(f"unknown synthsign size {size!r}; valid sizes: {', '.join(SIZES)}")
    rng = np.random.default_rng([seed, 1])
    jobs = []
    cycle = list(rng.permutation(len(GLOSS_NAMES)))  # train isolated signs cover the whole vocabulary
    pos = 0
    for ident in range(NUM_IDENTITIES):
        split = SPLIT_OF_IDENTITY[ident]
        n_iso, n_sen = SIZES[size]["train" if split == "train" else "eval"]
        for k in range(n_iso):
            if split == "train":
                gloss = GLOSS_NAMES[cycle[pos % len(cycle)]]
                pos += 1
            else:
                gloss = GLOSS_NAMES[int(rng.integers(len(GLOSS_NAMES)))]
            jobs.append(VideoJob(f"signer{ident:02d}_iso_{k:04d}", split, ident, "isolated", (gloss,), (seed, ident, 0, k)))
        for k in range(n_sen):
            jobs.append(VideoJob(f"signer{ident:02d}_sen_{k:04d}", split, ident, "sentence", random_sentence(rng),
                                 (seed, ident, 1, k)))
    extra_rng = np.random.default_rng([seed, 2])  # a stream of its own: the benchmark's jobs stay as they are
    for ident in range(NUM_IDENTITIES, NUM_IDENTITIES + extra_signers):
        n_iso, n_sen = EXTRA_SIGNER_VIDEOS
        for k in range(n_iso):
            gloss = GLOSS_NAMES[int(extra_rng.integers(len(GLOSS_NAMES)))]
            jobs.append(VideoJob(f"signer{ident:02d}_iso_{k:04d}", "train", ident, "isolated", (gloss,), (seed, ident, 0, k)))
        for k in range(n_sen):
            jobs.append(VideoJob(f"signer{ident:02d}_sen_{k:04d}", "train", ident, "sentence",
                                 random_sentence(extra_rng), (seed, ident, 1, k)))
    return jobs


def random_sentence(rng: np.random.Generator, vocabulary=None, lengths: tuple[int, int] = (2, 6)) -> tuple[str, ...]:
    """A sentence of ``lengths[0]``–``lengths[1]`` glosses drawn uniformly from ``vocabulary`` (default: all
    48), no gloss twice in a row."""
    from slvg_bench.data.synthsign.vocabulary import GLOSS_NAMES

    vocabulary = GLOSS_NAMES if vocabulary is None else vocabulary
    n = int(rng.integers(lengths[0], lengths[1] + 1))
    glosses: list[str] = []
    while len(glosses) < n:
        g = vocabulary[int(rng.integers(len(vocabulary)))]
        if not glosses or glosses[-1] != g:
            glosses.append(g)
    return tuple(glosses)


def render_video(identity_index: int, glosses, seed, resolution: int = RESOLUTION):
    """Render one video: (uint8 frames T×H×W×3, keypoints T×133×3 in pixels, gloss segments)."""
    from slvg_bench.data.synthsign.identities import make_identity
    from slvg_bench.data.synthsign.motion import plan_video
    from slvg_bench.data.synthsign.render import render_frame
    from slvg_bench.data.synthsign.skeleton import body_geometry, keypoints_133, keypoints_pixels, video_geometry

    ident = make_identity(identity_index)
    geo = body_geometry(ident)
    plan = plan_video(ident, list(glosses), np.random.default_rng(list(seed)))
    frames, kps = [], []
    for fg in video_geometry(geo, plan):
        frames.append(render_frame(ident, geo, fg, resolution))
        kps.append(keypoints_133(geo, fg))
    return np.stack(frames), keypoints_pixels(np.stack(kps), resolution), plan.segments


def _make_one(args) -> dict:
    job, root, resolution = args
    from slvg_bench.video import write_mp4

    frames, kp, segments = render_video(job.identity_index, job.glosses, job.seed, resolution)
    video_rel = f"videos/{job.split}/{job.id}.mp4"
    kp_rel = f"keypoints/{job.split}/{job.id}.npy"
    write_mp4(Path(root) / video_rel, frames, fps=FPS, lossless=True)
    np.save(Path(root) / kp_rel, kp)
    return {
        "id": job.id, "split": job.split, "signer": f"signer{job.identity_index:02d}", "kind": job.kind,
        "glosses": " ".join(job.glosses), "n_frames": len(frames), "fps": FPS, "video": video_rel,
        "keypoints": kp_rel, "segments": " ".join(f"{a}:{b}" for a, b in segments),
    }  # fmt: skip


def generate(out_dir: str | Path, seed: int = 0, size: str = "small", workers: int | None = None,
             resolution: int = RESOLUTION, progress: bool = True, extra_signers: int = 0) -> Path:
    """Generate synthsign into ``out_dir`` (written to a temp folder, then moved into place).

    ``extra_signers``: add that many extra training signers (identities 12+; the recognizer's copy).

    Returns the dataset root. An existing complete dataset with the same
    settings is left untouched; a different one is an error (delete it first).
    """
    from slvg_bench import __version__
    from slvg_bench.console import track
    from slvg_bench.data.synthsign.identities import all_identities
    from slvg_bench.data.synthsign.vocabulary import VOCABULARY

    out = Path(out_dir)
    meta_expected = {"name": "synthsign", "generator_version": GENERATOR_VERSION, "seed": seed, "size": size,
                     "resolution": resolution, "fps": FPS}  # fmt: skip
    if extra_signers:
        meta_expected["extra_signers"] = extra_signers
    if (out / "meta.json").is_file():
        meta = json.loads((out / "meta.json").read_text())
        if all(meta.get(k) == v for k, v in meta_expected.items()):
            return out
        raise UsageError(
            f"{out} already holds a synthsign dataset with other settings "
            f"({ {k: meta.get(k) for k in meta_expected} }); remove it or choose another --out"
        )
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} exists and is not empty; choose an empty or new folder")
    jobs = plan_jobs(seed, size, extra_signers)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".synthsign-", dir=out.parent))
    try:
        for split in SPLITS:
            (tmp / "videos" / split).mkdir(parents=True)
            (tmp / "keypoints" / split).mkdir(parents=True)
        workers = workers or min(os.cpu_count() or 1, 8)
        args = [(job, str(tmp), resolution) for job in jobs]
        if workers > 1:
            with get_context("spawn").Pool(workers) as pool:
                rows = list(track(pool.imap(_make_one, args, chunksize=2), "synthsign", total=len(args), enabled=progress))
        else:
            rows = [_make_one(a) for a in track(args, "synthsign", enabled=progress)]
        rows.sort(key=lambda r: r["id"])
        with open(tmp / "index.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=INDEX_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        (tmp / "vocabulary.json").write_text(json.dumps([s.to_dict() for s in VOCABULARY], indent=1))
        (tmp / "signers.json").write_text(json.dumps([i.to_dict() for i in all_identities(extra_signers)], indent=1))
        counts = {s: sum(r["split"] == s for r in rows) for s in SPLITS}
        meta = {**meta_expected, "version": f"synthsign-{GENERATOR_VERSION}", "package_version": __version__,
                "counts": counts, "frames": int(sum(r["n_frames"] for r in rows))}  # fmt: skip
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def ensure(root: str | Path | None = None, seed: int = 0, size: str = "small", progress: bool = True) -> Path:
    """The synthsign root, generated on first use (default ``$SLVG_BENCH_HOME/data/synthsign``)."""
    root = Path(root) if root is not None else paths.synthsign_dir()
    if (root / "meta.json").is_file():
        return root
    return generate(root, seed=seed, size=size, progress=progress)


def load_index(root: str | Path) -> list[dict]:
    """Rows of ``index.csv`` with ``n_frames`` as int and ``glosses`` as a list."""
    root = Path(root)
    path = root / "index.csv"
    if not path.is_file():
        raise DatasetError(f"{path} not found: {root} is not a synthsign dataset (generate one with `slvg-bench synth --out {root}`)")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    missing = set(INDEX_COLUMNS) - set(rows[0] if rows else INDEX_COLUMNS)
    if missing:
        raise DatasetError(f"{path} lacks columns {sorted(missing)}")
    for r in rows:
        r["n_frames"] = int(r["n_frames"])
        r["fps"] = float(r["fps"])
        r["glosses"] = r["glosses"].split()
    return rows


def preview_grid(out_png: str | Path, identities=(0, 3, 5, 8, 10), n_frames: int = 6, seed: int = 0,
                 resolution: int = RESOLUTION) -> Path:
    """A PNG grid: one row per identity, ``n_frames`` frames across a short sentence."""
    from PIL import Image

    rows = []
    for k, ident in enumerate(identities):
        glosses = ("HELLO", "WATER", "THINK") if k % 2 == 0 else ("FRIEND", "SNOW", "GO")
        frames, _, segs = render_video(ident, glosses, (seed, ident, 9, 0), resolution)
        picks = np.linspace(segs[0][0], segs[-1][1] - 1, n_frames).round().astype(int)
        rows.append(np.concatenate(list(frames[picks]), axis=1))
    grid = np.concatenate(rows, axis=0)
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(out_png, optimize=True)
    return out_png
