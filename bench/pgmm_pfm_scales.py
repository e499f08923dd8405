"""PGMM's ``model.pfm_scales`` speed/quality trade-off on synthsign, after the same quick training.

For every choice of generator scales that carry a Pose Fusion Module, this trains the
``quick`` preset with only ``model.pfm_scales`` changed (same seed, same steps, same
data), evaluates it with ``slvg-bench run`` on the synthsign test split
(reconstruction; L1, SSIM and the hand/mouth-region metrics), and times inference
of the trained model in the same process on the same driving frames. Everything runs
in one invocation so the rows are comparable; read the ratios, not the absolute times.

    python bench/pgmm_pfm_scales.py [--variants none,0,0-1,0-1-2,all] [--steps 300]
                                    [--limit 6] [--threads 2] [--out /tmp/pgmm_pfm_scales]

``none`` = no PFM at all (pose features unused: TPSMM plus PGMM's CMM generator),
``0-1`` = the two coarsest scales (the quick preset's default), ``all`` = every scale
(the paper). Needs the synthsign pose network (``slvg-bench pose train --dataset
synthsign``) because L_pd is on, as in the preset. Resumable: a variant whose
checkpoint and run exist is not retrained or re-evaluated.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

METRICS = "l1,ssim,region-l1,region-ssim"
SHOWN = ["l1", "ssim", "l1-left-hand", "l1-right-hand", "ssim-left-hand", "ssim-right-hand"]


def pfm_override(variant: str) -> str:
    """``none`` -> ``[]``, ``all`` -> ``null``, ``0-1`` -> ``[0,1]``."""
    if variant == "none":
        return "[]"
    if variant == "all":
        return "null"
    return "[" + ",".join(variant.split("-")) + "]"


def cli(*args: str, threads: int) -> tuple[float, float]:
    """Run ``python -m slvg_bench ARGS``; returns (wall seconds, child CPU seconds)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS=str(threads))
    before = os.times()
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "slvg_bench", *args], check=True, env=env)
    after = os.times()
    return time.perf_counter() - t, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def inference_fps(checkpoint: Path, frames: int, repeats: int) -> float:
    """Driving frames/s of the trained model's Animator (source encoded once), best of ``repeats``."""
    import torch

    from pgmm.animator import load
    from slvg_bench.harness.jobs import reconstruction_jobs

    job = next(iter(reconstruction_jobs("synthsign", ["test"])))
    animator = load(str(checkpoint), batch_size=8)
    drv = job.target[:frames]  # the Animator resizes to the model's image size, as in `run`
    kp = None if job.driving_keypoints is None else job.driving_keypoints[:frames]
    with torch.no_grad():
        animator.animate(drv[0], drv[:8], None if kp is None else kp[:8])
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            animator.animate(drv[0], drv, kp)
            best = min(best, time.perf_counter() - t)
    return drv.shape[0] / best


def trained_steps(train_dir: Path) -> int:
    """Optimizer steps the run actually made (the preset's epoch cap can stop it before --steps)."""
    import csv

    with open(train_dir / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return int(rows[-1]["step"]) if rows else 0


def aggregate(run_dir: Path) -> dict[str, float]:
    data = json.loads((run_dir / "aggregate.json").read_text())
    return {row["name"]: row["value"] for row in data["aggregate"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", default="none,0,0-1,0-1-2,all")
    ap.add_argument("--steps", type=int, default=300, help="at most this many optimizer steps per variant "
                    "(the preset's epoch cap stops it at 272)")
    ap.add_argument("--limit", type=int, default=6, help="test videos evaluated per variant")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frames", type=int, default=32, help="driving frames timed for inference")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="/tmp/pgmm_pfm_scales")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    rows = []
    for variant in args.variants.split(","):
        train_dir, run_dir = out / f"train-{variant}", out / f"run-{variant}"
        ckpt = train_dir / "final.pt"
        timing_file = train_dir / "bench_timing.json"
        if not ckpt.is_file():
            wall, cpu = cli("train", "--method", "pgmm", "--dataset", "synthsign", "--preset", "quick",
                            "--set", f"model.pfm_scales={pfm_override(variant)}", "--max-steps", str(args.steps),
                            "--out", str(train_dir), "--no-progress", threads=args.threads)
            timing_file.write_text(json.dumps({"wall_s": wall, "cpu_s": cpu, "steps": args.steps}))
        timing = json.loads(timing_file.read_text()) if timing_file.is_file() else {}
        if not (run_dir / "aggregate.json").is_file():
            cli("run", "--method", "pgmm", "--dataset", "synthsign", "--checkpoint", str(ckpt), "--limit",
                str(args.limit), "--metrics", METRICS, "--out", str(run_dir), "--no-save-videos",
                "--label", f"pgmm-pfm-{variant}", threads=args.threads)
        values = aggregate(run_dir)
        rows.append((variant, timing, inference_fps(ckpt, args.frames, args.repeats), values))

    base = next((fps for v, _, fps, _ in rows if v == "none"), rows[0][2])
    print(f"\ntorch threads {args.threads}; the same steps per variant; {args.limit} test videos; "
          f"inference on {args.frames} driving frames (128×128 in, the preset's 64×64 inside)\n")
    print("| pfm_scales | train s/step (wall) | train CPU s/step | inference frames/s | vs none | "
          + " | ".join(f"{m} {'↑' if m.startswith('ssim') else '↓'}" for m in SHOWN) + " |")
    print("|---|---:|---:|---:|---:|" + "---:|" * len(SHOWN))
    for variant, timing, fps, values in rows:
        steps = trained_steps(out / f"train-{variant}") or args.steps
        wall = f"{timing['wall_s'] / steps:.2f}" if timing else "–"
        cpu = f"{timing['cpu_s'] / steps:.2f}" if timing else "–"
        cells = " | ".join("–" if values.get(m) is None else f"{values[m]:.4f}" for m in SHOWN)
        print(f"| {pfm_override(variant)} | {wall} | {cpu} | {fps:.1f} | {fps / base:.2f}× | {cells} |")


if __name__ == "__main__":
    main()
