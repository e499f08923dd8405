"""Does the shared trainer's data loading starve the model? (issue 7, Performance)

Runs the real :class:`slvg_bench.training.Trainer` on a synthetic pair dataset
of 128×128 frames with ``num_workers`` 0 and 2 and reports, per setting, the
share of loop time spent blocked waiting for the next batch (``data_s``) and
its ratio to the compute time (transfer + forward + backward + Adam step)
measured in the same run.

Two datasets of 128×128 frames:

- ``synthsign``: the real training-pair dataset (``slvg_bench.data.build_pair_dataset``)
  on the built-in synthetic data, reading two frames from the preprocessing
  cache (generated and prepared under ``$SLVG_BENCH_HOME`` on first use);
- ``mp4``: a naive loader that decodes a whole lossless H.264 clip per pair
  (the worst case: what an uncached dataset costs).
The model is either a stand-in conv encoder-decoder at 128×128 (``--model
conv``, default) or any registered trainable method (``--model tpsmm`` once
it exists) built from its default config.

    PYTHONPATH=$PWD python bench/trainer.py [--steps 40] [--batch 8] [--model conv]

Also times the trainer's per-item seeding wrapper against plain item access.
"""

from __future__ import annotations

import argparse
import csv
import platform
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from slvg_bench.train_config import TrainConfig
from slvg_bench.training.loop import Trainer
from slvg_bench.training.sampling import item_seed, seeded_rng
from slvg_bench.video import read_video_uint8, to_float, write_mp4


class ClipPairs(torch.utils.data.Dataset):
    """``len(clips) * pairs_per_video`` items; each decodes one clip and returns two of its frames."""

    def __init__(self, clips: list[Path], pairs_per_video: int):
        self.clips, self.pairs_per_video = clips, pairs_per_video

    def __len__(self) -> int:
        return len(self.clips) * self.pairs_per_video

    def __getitem__(self, index: int) -> dict:
        path = self.clips[index % len(self.clips)]
        frames = read_video_uint8(path)
        i, j = np.random.choice(len(frames), size=2, replace=False)
        pair = to_float(frames[[i, j]])
        kp = torch.zeros(2, 133, 3)
        return {"source": pair[0], "driving": pair[1], "source_kp": kp[0], "driving_kp": kp[1], "id": path.stem}


def make_clips(folder: Path, n: int, frames: int, size: int = 128) -> list[Path]:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size]
    clips = []
    for c in range(n):
        colour = rng.integers(0, 255, 3)
        video = np.empty((frames, size, size, 3), np.uint8)
        for t in range(frames):  # a moving blob on a textured background: not trivially compressible
            cx, cy = size / 2 + 30 * np.sin(t / 5 + c), size / 2 + 30 * np.cos(t / 7 + c)
            blob = ((xx - cx) ** 2 + (yy - cy) ** 2 < 300)[..., None]
            bg = ((xx + t) // 8 + (yy // 8)) % 2 * 60 + 40
            video[t] = np.where(blob, colour, bg[..., None]).astype(np.uint8)
        clips.append(write_mp4(folder / f"clip{c:03d}.mp4", video, lossless=True))
    return clips


class ConvNet(nn.Module):
    """Stand-in generator at 128×128: 2 stride-2 downs, 4 convs at 32×32, 2 ups (32 base channels)."""

    def __init__(self, width: int = 32):
        super().__init__()
        act = nn.ReLU()
        self.net = nn.Sequential(
            nn.Conv2d(6, width, 7, padding=3), act,
            nn.Conv2d(width, 2 * width, 4, 2, 1), act, nn.Conv2d(2 * width, 4 * width, 4, 2, 1), act,
            *[nn.Sequential(nn.Conv2d(4 * width, 4 * width, 3, padding=1), act) for _ in range(4)],
            nn.ConvTranspose2d(4 * width, 2 * width, 4, 2, 1), act, nn.ConvTranspose2d(2 * width, width, 4, 2, 1),
            act, nn.Conv2d(width, 3, 7, padding=3), nn.Sigmoid(),
        )

    def forward(self, batch: dict):
        generated = self.net(torch.cat([batch["source"], batch["driving"]], 1))
        return generated, {"l1": (generated - batch["driving"]).abs().mean()}


@dataclass
class BenchConfig:
    train: TrainConfig = field(default_factory=TrainConfig)


def build_model(name: str, tc: TrainConfig, width: int = 32):
    if name == "conv":
        return ConvNet(width), BenchConfig(train=tc)
    import dataclasses

    from slvg_bench.training.resolve import config_class, trainable_spec

    spec = trainable_spec(name)
    config = config_class(spec)()
    config = dataclasses.replace(config, train=tc)
    return spec.build(config), config


def run(model_name: str, data, workers: int, steps: int, batch: int, out: Path, width: int = 32) -> dict:
    tc = TrainConfig(epochs=10_000, batch_size=batch, pairs_per_video=data.pairs_per_video, num_workers=workers,
                     max_steps=steps, log_every=1, checkpoint_every=10**9, amp=False)
    torch.manual_seed(0)
    model, config = build_model(model_name, tc, width)
    res = Trainer(model, data, config, method=model_name, out_dir=out, progress=False, tensorboard=False).fit()
    with open(out / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    data_s = np.array([float(r["data_s"]) for r in rows])
    compute_s = np.array([float(r["compute_s"]) for r in rows])
    steady = slice(1, None)  # first step also starts the workers and warms up
    return {
        "workers": workers, "steps": len(rows), "epochs": res.epoch,
        "data_ms": 1e3 * data_s.mean(), "compute_ms": 1e3 * compute_s.mean(),
        "wait_frac": data_s.sum() / (data_s.sum() + compute_s.sum()),
        "wait_frac_steady": data_s[steady].sum() / (data_s[steady].sum() + compute_s[steady].sum()),
        "data_per_compute": data_s.sum() / compute_s.sum(),
    }


def seeding_overhead(data, n: int = 40) -> tuple[float, float]:
    """Seconds per item: loading one item, and the seeding wrapper alone (around a no-op)."""
    for i in range(3):  # warm up the decoder
        data[i]
    t0 = time.perf_counter()
    for i in range(n):
        data[i % len(data)]
    t1 = time.perf_counter()
    for i in range(20 * n):
        with seeded_rng(item_seed(0, 0, i)):
            pass
    t2 = time.perf_counter()
    return (t1 - t0) / n, (t2 - t1) / (20 * n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--clips", type=int, default=24)
    ap.add_argument("--frames", type=int, default=48, help="frames per clip (synthsign isolated signs: ~40-60)")
    ap.add_argument("--model", default="conv", help="'conv' or a registered trainable method id")
    ap.add_argument("--width", type=int, default=32, help="base channels of the 'conv' stand-in model")
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    ap.add_argument("--data", nargs="+", default=["synthsign", "mp4"], choices=["synthsign", "mp4"])
    args = ap.parse_args()

    print(f"# machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; model={args.model} (width {args.width}), batch={args.batch}, 128x128")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for source in args.data:
            if source == "synthsign":
                from slvg_bench.data import build_pair_dataset

                data = build_pair_dataset("synthsign", "train", resolution=128, pairs_per_video=5, seed=0)
            else:
                data = ClipPairs(make_clips(tmp / "clips", args.clips, args.frames), pairs_per_video=5)
            plain, seeded = seeding_overhead(data)
            print(f"\n## data: {source} ({len(data)} pairs/epoch)\n")
            print(f"per item: loading {1e3 * plain:.2f} ms, the trainer's per-item seeding (main process) "
                  f"{1e6 * seeded:.1f} us (ratio {seeded / plain:.4f})\n")
            print("| num_workers | steps | data wait ms/step | compute ms/step | wait share "
                  "| wait share after step 1 | data/compute |")
            print("|---|---|---|---|---|---|---|")
            for w in args.workers:
                r = run(args.model, data, w, args.steps, args.batch, tmp / f"run-{source}-{w}", args.width)
                print(f"| {w} | {r['steps']} | {r['data_ms']:.1f} | {r['compute_ms']:.1f} "
                      f"| {100 * r['wait_frac']:.1f}% | {100 * r['wait_frac_steady']:.1f}% "
                      f"| {r['data_per_compute']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
