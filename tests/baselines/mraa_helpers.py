"""Tiny MRAA configs and smooth synthetic frames shared by the MRAA tests."""

from __future__ import annotations

import math

import torch

from baselines.mraa.config import (
    AVDParams,
    BGPredictorParams,
    GeneratorParams,
    MRAAConfig,
    MRAALossConfig,
    MRAAModelConfig,
    PixelwiseFlowParams,
    RegionPredictorParams,
)
from slvg_bench.train_config import TrainConfig


def tiny_model_config(num_regions: int = 4, size: int = 64, bg_type: str = "affine", pad: int = 3) -> MRAAModelConfig:
    """The parity-fixture architecture (narrow, 3 hourglass blocks at 1/4 scale: multiples of 32)."""
    return MRAAModelConfig(
        num_regions=num_regions, image_size=(size, size),
        region_predictor=RegionPredictorParams(block_expansion=8, max_features=32, num_blocks=3, pad=pad),
        bg_predictor=BGPredictorParams(8, 32, 3, bg_type),
        generator=GeneratorParams(8, 32, 2, 2, True, PixelwiseFlowParams(8, 32, 3, 0.25)),
        avd=AVDParams(16, 16),
    )


def tiny_config(size: int = 32, **model_kw) -> MRAAConfig:
    """A trainable tiny config: 32×32 frames, random-feature VGG on the full-resolution level only."""
    return MRAAConfig(
        model=tiny_model_config(size=size, **model_kw),
        loss=MRAALossConfig(scales=(1,), perceptual_weights="random"),
        train=TrainConfig(batch_size=2, max_steps=4),
    )


def smooth_frames(n: int, size: int = 64, seed: int = 0, shift: float | None = None) -> torch.Tensor:
    """``n×3×size×size`` smooth images in (0, 1) (sums of sinusoids).

    ``shift=None``: n independent scenes. A float: one scene, frame i shifted right by ``i·shift``
    (in [-1, 1] units) — a driving sequence with known motion.
    """
    g = torch.Generator().manual_seed(seed)
    lin = torch.linspace(-1, 1, size)
    yy, xx = torch.meshgrid(lin, lin, indexing="ij")
    out = torch.zeros(n, 3, size, size)
    params_by_channel: dict = {}
    for i in range(n):
        for c in range(3):
            if shift is None or i == 0:
                f = torch.rand(3, generator=g) * 3 + 0.5
                ph = torch.rand(3, generator=g) * 2 * math.pi
                params = (f, ph) if shift is None else params_by_channel.setdefault(c, (f, ph))
            else:
                params = params_by_channel[c]
            f, ph = params
            x = xx - (shift or 0.0) * i
            v = (torch.sin(f[0] * x * math.pi + ph[0]) + torch.cos(f[1] * yy * math.pi + ph[1])
                 + torch.sin(f[2] * (x + yy) * math.pi + ph[2]))
            out[i, c] = 0.5 + 0.4 * torch.tanh(v / 2)
    return out
