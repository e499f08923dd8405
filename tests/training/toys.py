"""A tiny real trainable method and pair dataset for the trainer tests.

ToyPairs draws its frame pair from python's, numpy's AND torch's global RNGs (as
a naive dataset would), so exact resume and worker-count invariance are only
possible if the trainer seeds every item. ToyNet has dropout (global torch RNG
in the model), a ``set_epoch`` hook and a switchable NaN loss.
"""

from __future__ import annotations

import os
import random
import socket
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from slvg_bench.errors import UnknownNameError
from slvg_bench.methods import MethodSpec
from slvg_bench.train_config import TrainConfig

# Test switches outside the config (so they do not change the config hash).
SWITCHES = {"interrupt_at_call": None, "nan_at_call": None}


@dataclass
class ToyConfig:
    channels: int = 4
    dropout: float = 0.2
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        epochs=3, batch_size=3, pairs_per_video=2, num_workers=0, checkpoint_every=2, log_every=1,
        milestones=(2,), resolution=8, lr=1e-2))


class ToyPairs(torch.utils.data.Dataset):
    """``n_videos * pairs_per_video`` items; item i is a pair from video ``i % n_videos``."""

    def __init__(self, n_videos: int = 5, pairs_per_video: int = 2, resolution: int = 8):
        self.n_videos, self.pairs_per_video, self.resolution = n_videos, pairs_per_video, resolution

    def __len__(self) -> int:
        return self.n_videos * self.pairs_per_video

    def __getitem__(self, index: int) -> dict:
        video = index % self.n_videos
        g = torch.Generator().manual_seed(video)
        base = torch.rand(3, self.resolution, self.resolution, generator=g)
        shift = int(np.random.randint(0, self.resolution))  # numpy RNG
        gain = 0.5 + random.random() / 2  # python RNG
        noise = 0.05 * torch.rand(3, self.resolution, self.resolution)  # torch RNG
        driving = (torch.roll(base, shift, dims=2) * gain + noise).clamp(0, 1)
        kp = torch.zeros(133, 3)
        return {"source": base, "driving": driving, "source_kp": kp, "driving_kp": kp.clone(),
                "id": f"v{video}-{index}"}


def load_pair_dataset(name, *, data_root, resolution, pairs_per_video, seed, augment=None, max_frame_gap=None, max_frame_gap_epochs=None):
    if name != "toyset":
        raise UnknownNameError(f"unknown dataset {name!r}. Valid datasets: toyset")
    return ToyPairs(pairs_per_video=pairs_per_video, resolution=resolution)


class ToyNet(nn.Module):
    def __init__(self, config: ToyConfig):
        super().__init__()
        c = config.channels
        self.body = nn.Sequential(nn.Conv2d(6, c, 3, padding=1), nn.ReLU(), nn.Dropout(config.dropout),
                                  nn.Conv2d(c, 3, 3, padding=1))
        self.calls = 0
        self.epochs_seen: list[int] = []
        self.last_ids: list[str] = []

    def set_epoch(self, epoch: int) -> None:
        self.epochs_seen.append(epoch)

    def forward(self, batch: dict):
        self.calls += 1
        self.last_ids = list(batch["id"])
        if SWITCHES["interrupt_at_call"] == self.calls:
            raise KeyboardInterrupt
        x = torch.cat([batch["source"], batch["driving"]], dim=1)
        generated = torch.sigmoid(self.body(x))
        l1 = (generated - batch["driving"]).abs().mean()
        losses = {"l1": l1, "l2": 0.5 * ((generated - batch["driving"]) ** 2).mean()}
        if SWITCHES["nan_at_call"] == self.calls:
            losses["l2"] = losses["l2"] * float("nan")
        return generated, losses


def build(config: ToyConfig) -> ToyNet:
    return ToyNet(config)


def make_spec(config_dir=None) -> MethodSpec:
    return MethodSpec(id="toy", summary="test method", load=lambda checkpoint=None, device="cpu": None,
                      trainable=True, build=build, config_cls="tests.training.toys:ToyConfig",
                      config_dir=str(config_dir) if config_dir else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ddp_worker(rank: int, world: int, port: int, jobs: list) -> None:
    """One process of CPU/gloo DDP runs (entry for torch.multiprocessing.spawn).

    ``jobs``: ``[(out_dir, overrides, resume), ...]`` run one after the other in one process group.
    """
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    from slvg_bench.config import load_config
    from slvg_bench.training import checkpoint as ckpt_io
    from slvg_bench.training import distributed as D
    from slvg_bench.training.loop import Trainer

    ctx = D.init_distributed("cpu")
    try:
        for out_dir, overrides, resume in jobs:
            config = load_config(ToyConfig, overrides=overrides)
            ckpt_io.seed_everything(config.train.seed)
            model = build(config)
            data = ToyPairs(pairs_per_video=config.train.pairs_per_video, resolution=config.train.resolution)
            Trainer(model, data, config, method="toy", out_dir=out_dir, ctx=ctx, progress=False,
                    tensorboard=False).fit(resume=resume)
    finally:
        D.shutdown(ctx)
