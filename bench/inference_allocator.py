"""Shipped-model inference on synthsign test videos: glibc malloc defaults vs large buffers kept in the heap
(:mod:`slvg_bench.allocator`), at batch 8 and 16.

Each setting runs in its own process (malloc settings are per process), in turn, ``--rounds`` times;
the first setting of the list is the reference of the ratios. Also checks that every setting writes the
same uint8 frames as the reference (the allocator and the batch size must not change a number).

    python bench/inference_allocator.py [--method pgmm] [--videos 3] [--rounds 2]

Needs the synthsign cache (``slvg-bench datasets prepare synthsign``). Numbers for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SETTINGS = (("malloc defaults, batch 8", "system", 8), ("heap, batch 8", "heap", 8), ("heap, batch 16", "heap", 16))

_CHILD = r"""
import hashlib, json, resource, sys, time
from slvg_bench.allocator import keep_large_allocations_in_heap
tuned = keep_large_allocations_in_heap()
import torch
from slvg_bench.harness.checkpoints import resolve_checkpoint
from slvg_bench.harness.jobs import reconstruction_jobs
from slvg_bench.harness.runner import generate, load_animator
from slvg_bench.video import to_uint8
method, batch, videos = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
animator = load_animator(method, resolve_checkpoint(method, "synthsign", None, train_if_missing=False), "cpu",
                         "reconstruction", batch)
jobs = list(reconstruction_jobs("synthsign", ["test"], resolution=128, limit=videos))
generate(animator, jobs[0])  # warm-up
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
digest, frames = hashlib.sha256(), 0
for job in jobs:
    video = to_uint8(generate(animator, job))
    digest.update(video.tobytes())
    frames += video.shape[0]
wall = time.perf_counter() - t0
r1 = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"tuned": tuned, "frames": frames, "wall": wall, "faults": r1.ru_minflt - r0.ru_minflt,
                  "sys": r1.ru_stime - r0.ru_stime, "peak_rss_mib": r1.ru_maxrss / 1024, "sha256": digest.hexdigest()}))
"""


def run_setting(method: str, malloc: str, batch: int, videos: int) -> dict:
    env = dict(os.environ, SLVG_BENCH_MALLOC=malloc)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(_CHILD)
    try:
        out = subprocess.run([sys.executable, f.name, method, str(batch), str(videos)], env=env, check=True,
                             capture_output=True, text=True).stdout
    finally:
        Path(f.name).unlink()
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", default="pgmm")
    ap.add_argument("--videos", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    results: dict[str, list[dict]] = {name: [] for name, _, _ in SETTINGS}
    for _ in range(args.rounds):
        for name, malloc, batch in SETTINGS:
            results[name].append(run_setting(args.method, malloc, batch, args.videos))
    ref = results[SETTINGS[0][0]]
    ref_fps = sum(r["frames"] / r["wall"] for r in ref) / len(ref)
    print(f"{args.method}, {ref[0]['frames']} frames ({args.videos} test videos), {args.rounds} rounds, "
          f"torch threads: default")
    print("| setting | frames/s | vs reference | minor faults | system s | peak RSS MiB | same frames |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, _, _ in SETTINGS:
        rs = results[name]
        fps = sum(r["frames"] / r["wall"] for r in rs) / len(rs)
        same = all(r["sha256"] == ref[0]["sha256"] for r in rs)
        print(f"| {name} | {fps:.2f} | {fps / ref_fps:.2f}× | {sum(r['faults'] for r in rs) // len(rs):,} | "
              f"{sum(r['sys'] for r in rs) / len(rs):.1f} | {max(r['peak_rss_mib'] for r in rs):.0f} | "
              f"{'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
