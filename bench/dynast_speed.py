"""Benchmark: DynaST inference per frame, with and without reusing the exemplar branch, and pose-map rendering.

Animating a video runs the exemplar branch (``encoder_kv`` and the ``*_kv*``
modules) once and shares it across frames (:meth:`DynaSTGenerator.encode_exemplar`);
the reference is the plain per-batch forward that recomputes it for every frame,
measured in the same run. Pose-map rendering (numpy rasters + torch distance
maps) is timed per frame for both encodings on synthsign keypoints.

    PYTHONPATH=$PWD python bench/dynast_speed.py [--ngf 16] [--frames 16] [--batch 8] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from baselines.dynast.generator import DynaSTGenerator, GeneratorConfig
from baselines.dynast.pose_maps import pose_maps
from slvg_bench.data.synthsign.generate import render_video
from slvg_bench.data.synthsign.vocabulary import GLOSS_NAMES


def timed(fn, repeats: int) -> float:
    fn()  # warm-up (allocator, oneDNN primitives)
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ngf", type=int, default=16)
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    frames, kp, _ = render_video(3, GLOSS_NAMES[:2], (0, 3, 0, 1))
    kp = kp[: args.frames]
    video = torch.from_numpy(frames[: args.frames]).permute(0, 3, 1, 2).float() / 255 * 2 - 1

    print(f"# pose maps, {len(kp)} synthsign frames (128x128 keypoints)")
    for enc, size in (("wholebody", 128), ("deepfashion20", 256)):
        sec = timed(lambda: pose_maps(kp, size, enc, frame_size=(128, 128), min_confidence=0.3), args.repeats)
        print(f"{enc:14s} at {size}: {1e3 * sec / len(kp):7.1f} ms/frame")

    torch.manual_seed(0)
    gen = DynaSTGenerator(GeneratorConfig(crop_size=128, ngf=args.ngf), 133).eval()
    seg = pose_maps(kp, 128, "wholebody", min_confidence=0.3)
    ref, ref_seg = video[:1], seg[:1]

    def per_batch(reuse: bool) -> None:
        with torch.no_grad():
            ex = gen.encode_exemplar(ref, ref_seg) if reuse else None
            for s in range(0, len(kp), args.batch):
                q = seg[s : s + args.batch]
                if reuse:
                    gen(ref, q, exemplar=ex)
                else:
                    n = q.shape[0]
                    gen(ref.expand(n, -1, -1, -1), q, ref_seg.expand(n, -1, -1, -1))

    base = timed(lambda: per_batch(False), args.repeats)
    fast = timed(lambda: per_batch(True), args.repeats)
    n = len(kp)
    print(f"\n# generator at 128x128, ngf {args.ngf}, 133-channel maps, batch {args.batch}, {args.threads} thread(s)")
    print("| path | ms/frame | speed-up vs reference |\n|---|---:|---:|")
    print(f"| full forward per batch (reference) | {1e3 * base / n:.1f} | 1.00 |")
    print(f"| exemplar encoded once | {1e3 * fast / n:.1f} | {base / fast:.2f} |")


if __name__ == "__main__":
    main()
