"""Benchmark: the batched per-frame metric suite vs a naive per-frame loop, in the same run.

Suite = ``l1, ssim, tcd, lpips-alex`` through :class:`slvg_bench.scoring.Scorer`
(frames in batches of ``--batch-frames``); LPIPS on a random AlexNet trunk (no
weights can be downloaded here; the cost is the same as with real weights).
Naive reference = what evaluation scripts commonly do: for every frame, call
``skimage.metrics.structural_similarity`` (Wang settings) and ``lpips.LPIPS``
on one image pair, plus L1 and TCD in NumPy. Also timed: LPIPS alone (batched),
the floor of the suite. Prints frames/s and ratios as a Markdown table.

    PYTHONPATH=$PWD python bench/metrics.py [--videos 4] [--frames 32] [--size 128] [--repeats 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import time
import warnings

import numpy as np
import torch


def synthetic_pair(t: int, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A smooth moving pattern (target) and a noisy, slightly shifted copy (prediction), uint8 levels."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    frames = []
    for i in range(t):
        cx, cy = 0.5 + 0.2 * math.sin(i / 5 + seed), 0.5 + 0.15 * math.cos(i / 7)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 0.01)[..., None]
        img = np.stack([0.2 + 0.5 * xx, 0.3 + 0.4 * yy, 0.6 - 0.3 * xx], -1) * (1 - blob) + blob * [0.9, 0.7, 0.6]
        frames.append(img)
    target = np.clip(np.round(np.stack(frames) * 255), 0, 255) / 255
    pred = np.clip(np.round((np.roll(target, 1, axis=2) + rng.normal(0, 0.02, target.shape)) * 255), 0, 255) / 255
    as_video = lambda a: torch.from_numpy(a.astype(np.float32)).permute(0, 3, 1, 2).contiguous()  # noqa: E731
    return as_video(pred), as_video(target)


def naive_loop(pairs, lpips_model) -> None:
    """Per-frame calls, as in typical evaluation scripts."""
    from skimage.metrics import structural_similarity

    for pred, target in pairs:
        p = pred.permute(0, 2, 3, 1).numpy()
        t = target.permute(0, 2, 3, 1).numpy()
        for i in range(len(p)):
            np.abs(p[i] - t[i]).mean()
            structural_similarity(p[i], t[i], gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                  data_range=1.0, channel_axis=-1)
            with torch.no_grad():
                lpips_model(pred[i : i + 1] * 2 - 1, target[i : i + 1] * 2 - 1)
            if 0 < i < len(p) - 1:
                d = np.abs(np.round(p[i] * 255) - (np.round(t[i - 1] * 255) + np.round(t[i + 1] * 255)) / 2)
                (d > 0.5).mean()


def interleaved_times(fns: dict, repeats: int) -> dict[str, list[float]]:
    """Time every function once per round, round after round, so that load changes on a shared
    machine hit all of them alike; returns every measured time."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=4)
    ap.add_argument("--frames", type=int, default=32)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch-frames", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch intra-op threads (1 = stable timings on a shared, oversubscribed machine)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    import lpips

    from slvg_bench.metrics.base import VideoPair
    from slvg_bench.scoring import Scorer

    pairs = [synthetic_pair(args.frames, args.size, s) for s in range(args.videos)]
    n_frames = args.videos * args.frames
    random_lpips = {"lpips-alex": {"random_backbone": True}}
    suite = Scorer(["l1", "ssim", "tcd", "lpips-alex"], device=args.device, batch_frames=args.batch_frames,
                   metric_kwargs=random_lpips)
    lpips_only = Scorer(["lpips-alex"], device=args.device, batch_frames=args.batch_frames, metric_kwargs=random_lpips)
    no_lpips = Scorer(["l1", "ssim", "tcd"], device=args.device, batch_frames=args.batch_frames)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        naive_model = lpips.LPIPS(net="alex", pnet_rand=True, verbose=False).eval()
    naive_model.load_state_dict(suite.metrics["lpips-alex"].model.state_dict())  # same weights both sides

    def run(scorer):
        return lambda: [scorer.score(VideoPair(str(i), p.to(args.device), t.to(args.device))) for i, (p, t) in enumerate(pairs)]

    fns = {
        "naive per-frame loop (skimage SSIM + lpips + NumPy L1/TCD)": lambda: naive_loop(pairs, naive_model),
        "suite: l1 + ssim + tcd + lpips-alex (batched)": run(suite),
        "lpips-alex alone (batched)": run(lpips_only),
        "l1 + ssim + tcd (batched, no lpips)": run(no_lpips),
    }
    for fn in fns.values():  # warm-up (model construction, allocator)
        fn()
    times = interleaved_times(fns, args.repeats)
    best = {k: min(v) for k, v in times.items()}
    median = {k: float(np.median(v)) for k, v in times.items()}
    naive_key, floor_key = "naive per-frame loop (skimage SSIM + lpips + NumPy L1/TCD)", "lpips-alex alone (batched)"
    print(f"{args.videos} videos × {args.frames} frames at {args.size}×{args.size}, device {args.device}, "
          f"torch threads {torch.get_num_threads()}, {args.repeats} interleaved rounds (best; median in brackets)\n")
    print("| what | frames/s | speed-up vs naive | time vs lpips alone |")
    print("|---|---:|---:|---:|")
    for name in fns:
        print(f"| {name} | {n_frames / best[name]:.1f} ({n_frames / median[name]:.1f}) "
              f"| {best[naive_key] / best[name]:.2f}× ({median[naive_key] / median[name]:.2f}×) "
              f"| {best[name] / best[floor_key]:.2f}× ({median[name] / median[floor_key]:.2f}×) |")


if __name__ == "__main__":
    main()
