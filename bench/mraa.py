"""Benchmark: MRAA training steps/s and inference frames/s at 128×128 on the CPU, against TPSMM in the same run.

Both methods use their SLVG configs (``configs/synthsign.yaml``: 128×128, K = 20 regions / 20 TPS, the
official architectures) with the perceptual loss on a random-feature VGG-19 (the same compute as the
ImageNet weights, which may be absent). Inputs are synthsign frames rendered in memory. One training
step = forward with every loss + backward + Adam step; inference = the Animator in ``standard`` mode
(reconstruction protocol: source encoded once, driving frames in batches). The MRAA quick preset
(``synthsign-quick.yaml``) is timed too.

Wall time is what a user waits; process CPU time (all threads) is reported as well because this
machine is shared: on a busy machine wall time inflates, CPU time much less.

    PYTHONPATH=$PWD python bench/mraa.py [--batch 4] [--steps 3] [--frames 32] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from slvg_bench.config import load_config


def synthsign_frames(n: int, identity: int = 0, seed: int = 0) -> torch.Tensor:
    """``n×3×128×128`` float frames of one synthetic signer (rendered in memory)."""
    from slvg_bench.data.synthsign.generate import render_video
    from slvg_bench.data.synthsign.vocabulary import GLOSS_NAMES

    frames, _, _ = render_video(identity, GLOSS_NAMES[:4], (seed, identity, 0, 0))
    idx = np.linspace(0, len(frames) - 1, n).round().astype(int)
    return torch.from_numpy(frames[idx]).permute(0, 3, 1, 2).float() / 255


def build_method(method: str, preset: str | None = None):
    if method == "mraa":
        from baselines.mraa.config import MRAAConfig as cls
        from baselines.mraa.trainable import build
    else:
        from baselines.tpsmm.config import TPSMMConfig as cls
        from baselines.tpsmm.trainable import build
    folder = f"baselines/{method}/configs"
    layers = [f"{folder}/synthsign.yaml"] + ([f"{folder}/synthsign-{preset}.yaml"] if preset else [])
    cfg = load_config(cls, *layers, overrides=["loss.perceptual_weights=random"])
    torch.manual_seed(0)
    return build(cfg), cfg


def time_training(model, frames: torch.Tensor, batch: int, steps: int, warmup: int) -> dict:
    model.train()
    params = [p for g in model.param_groups() for p in g["params"]]
    opt = torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))
    g = torch.Generator().manual_seed(0)
    walls, cpus = [], []
    for step in range(warmup + steps):
        i = torch.randint(0, len(frames), (2, batch), generator=g)
        b = {"source": frames[i[0]], "driving": frames[i[1]]}
        w0, c0 = time.perf_counter(), time.process_time()
        _, losses = model(b)
        opt.zero_grad()
        sum(losses.values()).backward()
        if hasattr(model, "before_optimizer_step"):
            model.before_optimizer_step()
        opt.step()
        if step >= warmup:
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
    return {"wall": float(np.median(walls)), "cpu": float(np.median(cpus))}


def time_inference(method: str, model, cfg, frames: torch.Tensor, batch: int) -> dict:
    if method == "mraa":
        from baselines.mraa.animator import MRAAAnimator as Animator
    else:
        from baselines.tpsmm.animator import TPSMMAnimator as Animator
    animator = Animator(model.eval(), cfg, batch_size=batch)
    animator.animate(frames[0], frames[:batch])  # warm-up
    w0, c0 = time.perf_counter(), time.process_time()
    out = animator.animate(frames[0], frames)
    assert out.shape == frames.shape
    return {"wall": time.perf_counter() - w0, "cpu": time.process_time() - c0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=4, help="training batch (official MRAA 14, TPSMM 28)")
    ap.add_argument("--steps", type=int, default=3, help="timed training steps (after 1 warm-up step)")
    ap.add_argument("--frames", type=int, default=32, help="driving frames animated")
    ap.add_argument("--infer-batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    frames = synthsign_frames(max(args.frames, 16))
    print(f"torch {torch.__version__}, {args.threads} threads, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs; batch {args.batch}; {args.frames} frames")
    rows = {}
    for method, preset in (("tpsmm", None), ("mraa", None), ("mraa", "quick")):
        model, cfg = build_method(method, preset)
        n_params = sum(p.numel() for p in model.parameters())
        size = tuple(cfg.model.image_size)
        train_frames = torch.nn.functional.interpolate(frames, size=size, mode="bilinear", antialias=True,
                                                       align_corners=False) if size != (128, 128) else frames
        tr = time_training(model, train_frames, args.batch, args.steps, warmup=1)
        inf = time_inference(method, model, cfg, frames[: args.frames], args.infer_batch) if preset is None else None
        rows[(method, preset)] = (n_params, tr, inf)
        print(f"  {method}{'-' + preset if preset else ''}: {n_params / 1e6:.2f} M params, "
              f"train {tr['wall']:.2f} s/step wall ({tr['cpu']:.2f} s CPU)"
              + (f", inference {args.frames / inf['wall']:.2f} frames/s wall "
                 f"({inf['cpu'] / args.frames:.3f} CPU-s/frame)" if inf else ""))
    ref = rows[("tpsmm", None)]
    print("\n| model (128×128 input) | params | train s/step (wall / CPU) | steps/s | samples/s | "
          "vs TPSMM | infer frames/s | vs TPSMM |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for (method, preset), (n, tr, inf) in rows.items():
        name = f"{method} synthsign" + (f"-{preset} (64×64 model)" if preset else " (K = 20)")
        fps = f"{args.frames / inf['wall']:.2f}" if inf else "—"
        fps_ratio = f"{(args.frames / inf['wall']) / (args.frames / ref[2]['wall']):.2f}×" if inf else "—"
        print(f"| {name} | {n / 1e6:.1f} M | {tr['wall']:.2f} / {tr['cpu']:.2f} | {1 / tr['wall']:.3f} | "
              f"{args.batch / tr['wall']:.2f} | {ref[1]['wall'] / tr['wall']:.2f}× | {fps} | {fps_ratio} |")


if __name__ == "__main__":
    main()
