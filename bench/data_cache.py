"""Benchmark: random training-pair reads from the clip cache vs decoding the source video.

Makes N synthetic 128×128 videos (smooth shading, a moving "signer" blob, sensor
noise), stores each as a lossless H.264 mp4 (what a naive loader would decode)
and as clip files with the ``png`` and ``raw`` codecs, then times reading two
random frames per video, as the pair dataset does. Prints bytes per frame and
pair-read time, with ratios against the mp4 reference measured in the same run.

    PYTHONPATH=$PWD python bench/data_cache.py [--videos 20] [--frames 100] [--pairs 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from slvg_bench.data.clipstore import ClipReader, write_clip
from slvg_bench.data.pairs import draw_pair
from slvg_bench.video import read_video_uint8, write_mp4


def synthetic_video(t: int, size: int, rng) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    frames = np.empty((t, size, size, 3), np.uint8)
    for i in range(t):
        cx, cy = 0.5 + 0.2 * np.sin(i / 9), 0.45 + 0.1 * np.cos(i / 7)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 0.02)
        img = np.stack([0.3 + 0.4 * xx, 0.3 + 0.3 * yy, 0.5 + 0 * xx], -1) * (1 - blob[..., None])
        img += blob[..., None] * np.array([0.9, 0.7, 0.6])
        img += rng.normal(0, 0.01, img.shape)
        frames[i] = np.clip(img * 255, 0, 255).astype(np.uint8)
    return frames


def time_pairs(read_two, n_frames: list[int], pairs: int) -> float:
    start = time.perf_counter()
    for i in range(pairs):
        v = i % len(n_frames)
        read_two(v, *draw_pair(n_frames[v], 0, 0, i))
    return (time.perf_counter() - start) / pairs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=20)
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--pairs", type=int, default=200)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mp4s, clips = [], {"png": [], "raw": []}
        for v in range(args.videos):
            frames = synthetic_video(args.frames, args.size, rng)
            mp4s.append(write_mp4(tmp / f"{v}.mp4", frames, lossless=True))
            for codec in clips:
                clips[codec].append(write_clip(tmp / f"{v}.{codec}.sclip", frames, {"id": str(v)}, codec=codec))
        n = [args.frames] * args.videos
        total_frames = args.videos * args.frames

        def size(paths):
            return sum(p.stat().st_size for p in paths) / total_frames

        ref = time_pairs(lambda v, a, b: read_video_uint8(mp4s[v])[[a, b]], n, max(10, args.pairs // 10))
        rows = [("mp4 lossless, decode all (reference)", size(mp4s), ref)]
        for codec, paths in clips.items():
            t = time_pairs(lambda v, a, b, p=paths: ClipReader(p[v]).frames([a, b]), n, args.pairs)
            rows.append((f"clip {codec}, two frames", size(paths), t))
        raw_frame = args.size * args.size * 3
        print(f"{args.videos} videos × {args.frames} frames of {args.size}², {args.pairs} random pairs")
        print(f"{'storage':40s} {'bytes/frame':>12s} {'vs raw':>7s} {'ms/pair':>9s} {'speed-up vs ref':>16s}")
        for name, bpf, t in rows:
            print(f"{name:40s} {bpf:12.0f} {bpf / raw_frame:7.2f} {t * 1e3:9.3f} {ref / t:16.1f}")


if __name__ == "__main__":
    main()
