"""CPU training-step speed of a method's preset in fp32, bf16 autocast, channels-last, and both.

One process, one model per mode built from the same seed, the same random batch (B×3×128×128 frames
and keypoints); each mode runs ``--warmup`` steps, then the mean of ``--steps`` timed optimizer steps
(forward, backward, Adam). Prints seconds per step and the ratio to fp32 measured in the same run.
Quality is a separate question (``bench/ablate.py`` with ``train.amp=true`` vs ``false``).

    python bench/cpu_precision.py --method pgmm --preset cpu [--threads 2] [--steps 5]
"""

from __future__ import annotations

import argparse
import time

import torch

MODES = ("fp32", "bf16", "channels-last", "channels-last+bf16")


def step_seconds(method: str, preset: str, mode: str, steps: int, warmup: int) -> float:
    from slvg_bench.methods import METHODS
    from slvg_bench.training import resolve_config

    cfg = resolve_config(method, "synthsign", preset=preset).config
    b = cfg.train.batch_size
    torch.manual_seed(0)
    model = METHODS.get(method).build(cfg)
    model.train()
    g = torch.Generator().manual_seed(1)
    frames = torch.rand(2, b, 3, 128, 128, generator=g)
    kp = torch.rand(2, b, 133, 3, generator=g) * 127
    kp[..., 2] = 1
    if mode.startswith("channels-last"):
        model = model.to(memory_format=torch.channels_last)
    batch = {"source": frames[0], "driving": frames[1], "source_kp": kp[0], "driving_kp": kp[1],
             "id": [f"v{i}" for i in range(b)]}
    if mode.startswith("channels-last"):
        batch["source"] = batch["source"].contiguous(memory_format=torch.channels_last)
        batch["driving"] = batch["driving"].contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    bf16 = mode.endswith("bf16")

    def one() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            _, losses = model(batch)
        loss = sum(v.float() for v in losses.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        one()
    t = time.perf_counter()
    for _ in range(steps):
        one()
    return (time.perf_counter() - t) / steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--method", default="pgmm")
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    times = {m: step_seconds(args.method, args.preset, m, args.steps, args.warmup) for m in MODES}
    print(f"\n{args.method} --preset {args.preset}, {args.threads} threads, mean of {args.steps} steps "
          f"after {args.warmup} warm-up steps\n")
    print("| mode | s/step | speed vs fp32 |")
    print("|---|---:|---:|")
    for m, s in times.items():
        print(f"| {m} | {s:.3f} | {times['fp32'] / s:.2f}× |")


if __name__ == "__main__":
    main()
