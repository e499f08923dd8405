"""Augmentation of a training pair, the FOMM/MRAA/TPSMM way (their ``augmentation_params``).

Applied identically to both frames of a (source, driving) pair, as the official
``AllAugmentationTransform`` applies it to the whole video:

1. with probability ``time_flip`` the pair is reversed (source <-> driving) and no
   horizontal flip follows (the official ``RandomFlip`` returns after a time flip, so a
   horizontal flip happens with probability ``(1 − time_flip) · horizontal_flip``);
2. otherwise, with probability ``horizontal_flip``, both frames are mirrored; keypoints move
   to ``x' = W − 1 − x`` (pixel-centre convention) and swap left/right names
   (:data:`~slvg_bench.pose.layout.FLIP_PERMUTATION`);
3. colour jitter with factors drawn once for the pair: brightness, contrast, saturation in
   ``[1 − v, 1 + v]`` and hue in ``[−v, v]`` (torchvision ``ColorJitter`` semantics), applied
   in a random order.

All draws come from the ``numpy.random.Generator`` passed in, so a pair is augmented the
same way in any worker, process or run (see :mod:`slvg_bench.data.pairs`).
"""

from __future__ import annotations

import numpy as np
import torch
from torchvision.transforms.v2 import functional as TF

from slvg_bench.errors import UsageError
from slvg_bench.pose.layout import FLIP_PERMUTATION
from slvg_bench.train_config import PairAugmentConfig


def check_pair_augment(cfg: PairAugmentConfig, key: str = "train.augment") -> None:
    """Raise :class:`UsageError` naming ``key`` unless the settings are usable."""
    for name in ("time_flip", "horizontal_flip"):
        p = getattr(cfg, name)
        if not 0 <= p <= 1:
            raise UsageError(f"config key '{key}.{name}' must be a probability in [0, 1], got {p!r}")
    jitter = list(cfg.jitter)
    if len(jitter) != 4 or any(v < 0 for v in jitter) or jitter[3] > 0.5:
        raise UsageError(f"config key '{key}.jitter' needs 4 values ≥ 0 (brightness, contrast, saturation, "
                         f"hue ≤ 0.5), got {jitter!r}")


def flip_keypoints(keypoints: torch.Tensor, width: int) -> torch.Tensor:
    """``…×133×3`` keypoints in pixels of a ``width``-wide frame -> those of the mirrored frame."""
    out = keypoints[..., list(FLIP_PERMUTATION), :].clone()
    known = out[..., 2] > 0
    out[..., 0] = torch.where(known, (width - 1) - out[..., 0], out[..., 0])
    return out


def color_jitter(frames: torch.Tensor, jitter, rng: np.random.Generator) -> torch.Tensor:
    """``N×3×H×W`` in [0, 1], one set of factors for all N frames, in a random order."""
    b, c, s, h = (float(v) for v in jitter)
    ops = []
    if b:
        f = rng.uniform(1 - b, 1 + b)
        ops.append(lambda x, f=f: TF.adjust_brightness(x, f))
    if c:
        f = rng.uniform(1 - c, 1 + c)
        ops.append(lambda x, f=f: TF.adjust_contrast(x, f))
    if s:
        f = rng.uniform(1 - s, 1 + s)
        ops.append(lambda x, f=f: TF.adjust_saturation(x, f))
    if h:
        f = rng.uniform(-h, h)
        ops.append(lambda x, f=f: TF.adjust_hue(x, f))
    for i in rng.permutation(len(ops)):
        frames = ops[i](frames)
    return frames.clamp(0, 1)


def augment_pair(frames: torch.Tensor, keypoints: torch.Tensor, cfg: PairAugmentConfig,
                 rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Augment a pair: ``frames`` ``2×3×H×W`` in [0, 1] (source, driving), ``keypoints`` ``2×133×3``.

    Returns new tensors (the inputs are not modified). The draws are made in a fixed order
    whatever the settings, so enabling one option does not change the others' draws.
    """
    u_time, u_flip = rng.random(), rng.random()
    if u_time < cfg.time_flip:
        frames, keypoints = frames.flip(0), keypoints.flip(0)
    elif u_flip < cfg.horizontal_flip:
        frames, keypoints = frames.flip(-1), flip_keypoints(keypoints, frames.shape[-1])
    if any(cfg.jitter):
        frames = color_jitter(frames, cfg.jitter, rng)
    return frames.contiguous(), keypoints.contiguous()
