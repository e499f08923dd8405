"""Tiny TPSMM configs and smooth synthetic frames shared by the TPSMM tests."""

from __future__ import annotations

import math

import torch

from baselines.tpsmm.config import (
    AVDParams,
    DenseMotionParams,
    GeneratorParams,
    ScheduleConfig,
    TPSMMConfig,
    TPSMMLossConfig,
    TPSMMModelConfig,
)
from slvg_bench.train_config import TrainConfig


def tiny_model_config(num_tps: int = 3, size: int = 64, bg: bool = True) -> TPSMMModelConfig:
    """The parity-fixture architecture (64×64, narrow, 3 hourglass blocks)."""
    return TPSMMModelConfig(num_tps=num_tps, bg=bg, image_size=(size, size),
                            generator=GeneratorParams(8, 32, 3), dense_motion=DenseMotionParams(8, 32, 3, 0.25),
                            avd=AVDParams(16, 16))


def tiny_config(**model_kw) -> TPSMMConfig:
    """Tiny training config: 64×64 frames, random-feature VGG up to relu3_1 at two scales (fast on CPU).

    64 px is the smallest size at which the ResNet-18 keypoint detector trains sanely with batch 2 (its last
    BatchNorm then sees 2×2 maps; at 32 px it normalises two values and the gradients explode).
    """
    return TPSMMConfig(
        model=tiny_model_config(**model_kw),
        loss=TPSMMLossConfig(scales=(1, 0.5), perceptual=(10, 10, 10, 0, 0), perceptual_weights="random"),
        schedule=ScheduleConfig(dropout_epoch=1, dropout_startp=0.2, dropout_maxp=0.2, dropout_inc_epoch=1,
                                bg_start=0),
        train=TrainConfig(batch_size=2, max_steps=4),
    )


def smooth_frames(n: int, size: int = 64, seed: int = 0, shift: float = 0.0) -> torch.Tensor:
    """``n×3×size×size`` smooth images in (0, 1): sums of sinusoids, frame i shifted by ``i·shift`` in x."""
    g = torch.Generator().manual_seed(seed)
    lin = torch.linspace(-1, 1, size)
    yy, xx = torch.meshgrid(lin, lin, indexing="ij")
    out = torch.zeros(n, 3, size, size)
    for i in range(n):
        for c in range(3):
            f = torch.rand(4, generator=g) * 3 + 0.5
            ph = torch.rand(4, generator=g) * 2 * math.pi
            x = xx - shift * i
            v = (torch.sin(f[0] * x * math.pi + ph[0]) + torch.cos(f[1] * yy * math.pi + ph[1])
                 + torch.sin(f[2] * (x + yy) * math.pi + ph[2]))
            out[i, c] = 0.5 + 0.4 * torch.tanh(v / 2)
    return out
