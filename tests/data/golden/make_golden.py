"""Regenerate the golden regression set: tiny videos + keypoints + expected metric values.

    PYTHONPATH=. python tests/data/golden/make_golden.py          # rewrites expected.json only
    PYTHONPATH=. python tests/data/golden/make_golden.py --videos # also rewrites the videos (new pixels!)

The videos are drawn with NumPy only (a cartoon signer: gradient background,
torso, two moving "hands", a mouth that opens and closes) and stored as
lossless RGB H.264, so they decode to exactly these pixels anywhere. The
predictions are the targets with known distortions (noise, blur of the hands,
a one-pixel shift, temporal flicker). Expected values are computed by
``slvg_bench.evaluate`` at the code version recorded in expected.json; before
writing, SSIM is cross-checked against scikit-image and L1 against NumPy, and
the script refuses to write if they disagree beyond 1e-6. Only rerun it on purpose, when a
metric's definition changes (and bump that metric's version).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
T, H, W = 16, 40, 48
N_VIDEOS = 4
METRICS = ["l1", "ssim", "ssim-skimage-default", "tcd", "region-l1", "region-ssim"]
FVD_METRIC = "fvd-i3d-k400"


def draw_video(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 T×H×W×3 target and float32 T×133×3 keypoints of the hands and mouth."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    base = np.stack([60 + 80 * xx / W, 90 + 40 * yy / H, 140 - 60 * xx / W], axis=-1)
    frames = np.empty((T, H, W, 3), np.float32)
    kp = np.zeros((T, 133, 3), np.float32)
    phase = rng.uniform(0, 2 * np.pi, 2)
    for t in range(T):
        f = base.copy()
        f[14:40, 14:34] = [40, 60, 150]  # torso
        f[3:15, 18:30] = [210, 170, 140]  # face
        mouth_open = 1 + int(2 * (1 + np.sin(0.8 * t + phase[0])) / 2)
        f[10 : 10 + mouth_open, 21:27] = [120, 30, 40]
        for side, (cx0, cy0) in enumerate([(10, 26), (38, 26)]):  # person's left hand is image right
            cx = cx0 + 4 * np.sin(0.5 * t + phase[side]) if side == 0 else cx0 + 4 * np.cos(0.4 * t + phase[1])
            cy = cy0 - 6 * abs(np.sin(0.3 * t + side))
            x0, y0 = int(round(cx)) - 3, int(round(cy)) - 3
            f[max(y0, 0) : y0 + 7, max(x0, 0) : x0 + 7] = [230, 190, 160]
            f[max(y0, 0) : y0 + 2, max(x0, 0) : x0 + 7 : 2] = [180, 140, 120]  # "fingers"
            idx = list(range(112, 133)) if side == 0 else list(range(91, 112))
            kp[t, idx, 0] = cx + rng.uniform(-3, 3, 21)
            kp[t, idx, 1] = cy + rng.uniform(-3, 3, 21)
            kp[t, idx, 2] = 0.9
        kp[t, 71:91, 0] = np.linspace(21, 26, 20)
        kp[t, 71:91, 1] = 10 + mouth_open / 2
        kp[t, 71:91, 2] = 0.95
        frames[t] = f + rng.normal(0, 2.0, f.shape)  # sensor noise
    return np.clip(np.round(frames), 0, 255).astype(np.uint8), kp


def distort(video: np.ndarray, kind: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(100 + seed)
    v = video.astype(np.float32)
    if kind == 0:  # noise
        v = v + rng.normal(0, 6, v.shape)
    elif kind == 1:  # blur the lower half (where the hands are): 3×3 box
        pad = np.pad(v, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
        blur = sum(pad[:, dy : dy + H, dx : dx + W] for dy in range(3) for dx in range(3)) / 9
        v[:, H // 2 :] = blur[:, H // 2 :]
    elif kind == 2:  # one-pixel shift right
        v = np.concatenate([v[:, :, :1], v[:, :, :-1]], axis=2)
    else:  # temporal flicker: every other frame brighter
        v[1::2] += 12
    return np.clip(np.round(v), 0, 255).astype(np.uint8)


def write_videos() -> None:
    from slvg_bench.video import write_mp4

    for i in range(N_VIDEOS):
        target, kp = draw_video(i)
        write_mp4(HERE / "target" / f"clip{i}.mp4", target, lossless=True)
        write_mp4(HERE / "pred" / f"clip{i}.mp4", distort(target, i, i), lossless=True)
        (HERE / "keypoints").mkdir(exist_ok=True)
        np.save(HERE / "keypoints" / f"clip{i}.npy", kp)


def compute(metrics: list[str], out: Path, metric_kwargs=None):
    from slvg_bench.evaluate import EvaluateConfig, evaluate

    cfg = EvaluateConfig(pred=str(HERE / "pred"), target=str(HERE / "target"), metrics=tuple(metrics),
                         keypoints=str(HERE / "keypoints"))
    return evaluate(cfg, out, progress=False, metric_kwargs=metric_kwargs)


def cross_check(rows) -> None:
    from skimage.metrics import structural_similarity

    from slvg_bench.video import read_video_uint8

    for _, r in rows.iterrows():
        p = read_video_uint8(HERE / "pred" / f"{r.video_id}.mp4").astype(np.float64) / 255
        t = read_video_uint8(HERE / "target" / f"{r.video_id}.mp4").astype(np.float64) / 255
        l1 = np.abs(p - t).mean()
        ssim = np.mean([structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                              data_range=1.0, channel_axis=-1) for a, b in zip(p, t)])
        if abs(l1 - r["l1"]) > 1e-6 or abs(ssim - r["ssim"]) > 1e-6:
            sys.exit(f"cross-check failed for {r.video_id}: l1 {l1} vs {r['l1']}, ssim {ssim} vs {r['ssim']}")


def value_column(name: str) -> bool:
    """The metric value columns of the golden rows (not reasons, not identity columns)."""
    return not name.endswith("_reason") and (
        name in {"l1", "ssim", "ssim-skimage-default", "tcd", "tcd-target"} or name.startswith(("l1-", "ssim-"))
    )


def fvd_fixture_extractor():
    """The parity-fixture I3D (random weights, official layout), when the fixtures are present."""
    import os

    from slvg_bench.metrics.i3d_loading import load_extractor

    root = Path(os.environ.get("SLVG_PARITY_FIXTURES", HERE.parents[3] / "shared" / "fixtures"))
    ckpt = root / "i3d" / "checkpoint.pth"
    return load_extractor("tats", path=ckpt) if ckpt.is_file() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", action="store_true", help="also regenerate the videos and keypoints")
    args = parser.parse_args()
    if args.videos:
        write_videos()
    from slvg_bench.provenance import code_version

    with tempfile.TemporaryDirectory() as tmp:
        res = compute(METRICS, Path(tmp) / "golden.parquet")
        cross_check(res.rows)
        columns = [c for c in res.rows.columns if value_column(c)]
        values = {r.video_id: {c: float(r[c]) for c in columns} | {"n_frames": int(r.n_frames)}
                  for _, r in res.rows.iterrows()}
        aggregate = {e.name: e.value for e in res.aggregate}
        extractor = fvd_fixture_extractor()
        fvd = None
        if extractor is not None:
            fres = compute([FVD_METRIC], Path(tmp) / "fvd.parquet",
                           {FVD_METRIC: {"extractor": extractor, "cache_root": Path(tmp) / "cache"}})
            fvd = fres.aggregate[0].value
    expected = {
        "generated_by": "PYTHONPATH=. python tests/data/golden/make_golden.py",
        "code_version": code_version(),
        "how": "slvg_bench.evaluate on pred/ vs target/ with keypoints/; L1 and SSIM cross-checked against "
               "NumPy and skimage (Wang settings, float64) to 1e-6 before writing",
        "metrics": METRICS,
        "per_video": values,
        "aggregate": aggregate,
        "fvd_with_fixture_i3d": {
            "value": fvd,
            "how": "fvd-i3d-k400 defaults (16-frame clip from frame 0, stretch to 224, unbiased covariance) with the "
                   "random-weight I3D of fixtures/i3d/checkpoint.pth (official layout); not a real-weights FVD",
        },
    }
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(json.dumps(aggregate, indent=2))


if __name__ == "__main__":
    main()
