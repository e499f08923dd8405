"""Train a few variants of one preset with the same seed, steps and data, and score each on a split.

Each variant is a name and config overrides (``--set`` syntax); every variant trains from the same
seed for the same number of steps and is scored with ``slvg-bench run`` on the same videos (dev by
default: choices are made on dev, never on test). Prints one Markdown table; resumable (a variant whose
checkpoint and run exist is not redone).

    python bench/ablate.py --method pgmm --preset cpu --steps 300 --limit 8 \\
        --variant "default:" --variant "no-blend:model.output_blend=false" \\
        --variant "lpd-1:loss.pose_distance=1;model.variant=full" [--out /tmp/ablate] [--threads 2]

Short schedules resolve large effects only; the table says how many steps and videos it used.
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
METRICS = "l1,ssim,region-l1,region-ssim"
SHOWN = ["l1", "ssim", "l1-left-hand", "l1-right-hand", "ssim-left-hand", "ssim-right-hand"]


def cli(*args: str, threads: int) -> float:
    """Run ``python -m slvg_bench ARGS`` (wall seconds)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS=str(threads))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "slvg_bench", *args], check=True, env=env)
    return time.perf_counter() - t


def aggregate(run_dir: Path) -> dict:
    rows = json.loads((run_dir / "aggregate.json").read_text())["aggregate"]
    return {r["column"]: r["value"] for r in rows if r["primary"]}


def parse_variant(text: str) -> tuple[str, list[str]]:
    name, _, sets = text.partition(":")
    if not name:
        raise SystemExit(f"--variant needs NAME:KEY=VALUE[;KEY=VALUE…], got {text!r}")
    return name, [s for s in sets.split(";") if s]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--method", required=True)
    ap.add_argument("--dataset", default="synthsign")
    ap.add_argument("--preset", default=None)
    ap.add_argument("--variant", action="append", required=True, help="NAME:KEY=VALUE[;KEY=VALUE…]")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int, default=8, help="videos scored per variant")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="/tmp/ablate")
    args = ap.parse_args()

    out = Path(args.out)
    rows = []
    for name, sets in map(parse_variant, args.variant):
        train_dir, run_dir = out / f"train-{name}", out / f"run-{name}"
        ckpt = train_dir / "final.pt"
        timing = train_dir / "bench_timing.json"
        if not ckpt.is_file():
            cmd = ["train", "--method", args.method, "--dataset", args.dataset, "--max-steps", str(args.steps),
                   "--out", str(train_dir), "--no-progress"]
            cmd += ["--preset", args.preset] if args.preset else []
            for s in sets:
                cmd += ["--set", s]
            wall = cli(*cmd, threads=args.threads)
            timing.write_text(json.dumps({"wall_s": wall, "steps": args.steps}))
        if not (run_dir / "aggregate.json").is_file():
            cli("run", "--method", args.method, "--dataset", args.dataset, "--split", args.split, "--checkpoint",
                str(ckpt), "--limit", str(args.limit), "--metrics", METRICS, "--out", str(run_dir),
                "--no-save-videos", "--label", f"{args.method}-{name}", threads=args.threads)
        t = json.loads(timing.read_text()) if timing.is_file() else {}
        rows.append((name, sets, t, aggregate(run_dir)))

    print(f"\n{args.method} {args.preset or ''}: {args.steps} steps per variant (same seed and data), "
          f"{args.limit} {args.split} videos, {args.threads} threads\n")
    print("| variant | overrides | s/step | " + " | ".join(
        f"{m} {'↑' if m.startswith('ssim') else '↓'}" for m in SHOWN) + " |")
    print("|---|---|---:|" + "---:|" * len(SHOWN))
    for name, sets, t, values in rows:
        per_step = f"{t['wall_s'] / t['steps']:.2f}" if t else "–"
        cells = " | ".join("–" if values.get(m) is None else f"{values[m]:.4f}" for m in SHOWN)
        print(f"| {name} | {'; '.join(f'`{s}`' for s in sets) or '(preset)'} | {per_step} | {cells} |")


if __name__ == "__main__":
    main()
