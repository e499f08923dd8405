"""TPSMM speed at 128×128 on the CPU: training steps/s and inference frames/s.

Training: one optimizer step of the SLVG configuration (``configs/synthsign.yaml``: K = 20, the
official architecture, all four losses, random-feature VGG-19 for the perceptual loss — same cost as
ImageNet weights) vs the same batch's forward pass alone (reference, same run).

Inference: the ``tpsmm`` Animator (source keypoints, downsampled source and encoder maps computed once
per video, driving frames in batches) vs the official reconstruction loop's way (reference, same run):
one frame at a time, everything but the source keypoints recomputed per frame.

    PYTHONPATH=$PWD python bench/tpsmm.py [--frames 16] [--batch 8] [--train-batch 2] [--steps 3] [--threads 1]

Times are CPU seconds of this process (``time.process_time``): with one torch thread they measure the
work done and are far less disturbed by other jobs on a shared machine than wall time (which is printed
too); with more threads they include OpenMP spin-waiting, so use ``--threads 1`` on busy machines.
"""

from __future__ import annotations

import argparse
import time

clock = time.process_time

import torch


def _config():
    from pathlib import Path

    from baselines.tpsmm.config import TPSMMConfig
    from slvg_bench.config import load_config

    cfg = load_config(TPSMMConfig, Path(__file__).resolve().parents[1] / "baselines/tpsmm/configs/synthsign.yaml")
    cfg.loss.perceptual_weights = "random"
    return cfg


def bench_training(batch_size: int, steps: int) -> dict:
    from baselines.tpsmm.trainable import build
    from tests.baselines.tpsmm_helpers import smooth_frames

    torch.manual_seed(0)
    model = build(_config())
    model.set_epoch(50)
    opt = torch.optim.Adam(model.param_groups(), lr=2e-4, betas=(0.5, 0.999), weight_decay=1e-4)
    batch = {"source": smooth_frames(batch_size, 128), "driving": smooth_frames(batch_size, 128, seed=1, shift=0.1)}

    def step():
        _, losses = model(batch)
        opt.zero_grad()
        sum(losses.values()).backward()
        model.before_optimizer_step()
        opt.step()

    step()  # warm-up
    t = clock()
    for _ in range(steps):
        step()
    train_s = (clock() - t) / steps
    with torch.no_grad():
        model(batch)
        t = clock()
        for _ in range(steps):
            model(batch)
        fwd_s = (clock() - t) / steps
    return {"train_s": train_s, "forward_s": fwd_s, "batch": batch_size}


def bench_inference(frames: int, batch: int) -> dict:
    from baselines.tpsmm.animator import TPSMMAnimator
    from baselines.tpsmm.model import TPSMM
    from tests.baselines.tpsmm_helpers import smooth_frames

    cfg = _config()
    torch.manual_seed(0)
    model = TPSMM(cfg.model).eval()
    source, driving = smooth_frames(1, 128)[0], smooth_frames(frames, 128, seed=1, shift=0.02)
    anim = TPSMMAnimator(model, cfg, batch_size=batch)
    anim.animate(source, driving[:batch])  # warm-up
    out = {}
    for mode in ("standard", "relative"):
        t = clock()
        anim.animate(source, driving, mode=mode)
        out[mode] = (clock() - t) / frames
    with torch.no_grad():  # reference: the official reconstruction loop (per frame, bg on)
        src = source[None]
        t = clock()
        kp_s = model.kp_detector(src)
        for i in range(frames):
            d = driving[i:i + 1]
            model.generate(src, kp_s, model.kp_detector(d), model.bg_predictor(src, d))
        out["reference"] = (clock() - t) / frames
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--train-batch", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    wall = time.perf_counter()
    print(f"torch {torch.__version__}, {args.threads} thread(s), 128×128, K = 20, fp32 CPU")
    inf = bench_inference(args.frames, args.batch)
    print(f"| inference | ms/frame | frames/s | speed-up vs reference |\n|---|---:|---:|---:|")
    for name, label in (("reference", "official loop: per frame, features recomputed (reference)"),
                        ("standard", f"Animator standard (batch {args.batch}, source features once)"),
                        ("relative", f"Animator relative (batch {args.batch})")):
        s = inf[name]
        print(f"| {label} | {1000 * s:.0f} | {1 / s:.2f} | {inf['reference'] / s:.2f}× |")
    tr = bench_training(args.train_batch, args.steps)
    print(f"\n| training (batch {tr['batch']}) | s/step | steps/s | pairs/s | vs forward only |")
    print("|---|---:|---:|---:|---:|")
    print(f"| forward only, no grad (reference) | {tr['forward_s']:.2f} | {1 / tr['forward_s']:.3f} | "
          f"{tr['batch'] / tr['forward_s']:.2f} | 1.00× |")
    print(f"| full step: 4 losses, backward, clipping, Adam | {tr['train_s']:.2f} | {1 / tr['train_s']:.3f} | "
          f"{tr['batch'] / tr['train_s']:.2f} | {tr['train_s'] / tr['forward_s']:.2f}× |")
    print(f"\n(CPU seconds of this process; the whole benchmark took {time.perf_counter() - wall:.0f} s wall)")


if __name__ == "__main__":
    main()
