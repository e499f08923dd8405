"""Batched augmentation of frames with their keypoints (for training heatmap networks).

Geometric: a random similarity transform per sample (scale, rotation about the
frame centre, translation) and a horizontal flip that also swaps left/right
keypoint names (:data:`~slvg_bench.pose.layout.FLIP_PERMUTATION`); frames are
resampled with ``grid_sample`` (zeros outside) and the keypoints moved by the
same transform. Points that leave the frame get confidence 0.
Photometric: brightness, contrast, saturation, and a random permutation of the
colour channels (new skin/clothing/background colours, since test signers are
identities never seen in training).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from slvg_bench.pose.layout import FLIP_PERMUTATION


@dataclass
class AugmentConfig:
    scale: tuple[float, float] = (0.8, 1.2)
    rotate_deg: float = 15.0
    translate: float = 0.08  # fraction of the frame size
    flip: float = 0.5  # probability
    brightness: float = 0.25
    contrast: float = 0.25
    saturation: float = 0.3
    channel_shuffle: float = 0.3  # probability


def _uniform(n: int, lo: float, hi: float, g: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=g)


def geometric(
    frames: torch.Tensor, keypoints: torch.Tensor, cfg: AugmentConfig, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Frames ``B×3×H×W``, keypoints ``B×K×3`` (pixels) -> transformed copies."""
    b, _, h, w = frames.shape
    s = _uniform(b, *cfg.scale, g)
    theta = _uniform(b, -cfg.rotate_deg, cfg.rotate_deg, g) * math.pi / 180
    t = torch.stack([_uniform(b, -cfg.translate, cfg.translate, g) * w, _uniform(b, -cfg.translate, cfg.translate, g) * h], 1)
    flip = torch.rand(b, generator=g) < cfg.flip
    cos, sin = torch.cos(theta), torch.sin(theta)
    # forward map (input -> output pixels) about the centre c: p_out = c + s·R·F·(p_in - c) + t
    fwd = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1) * s[:, None, None]
    fwd[:, :, 0] = fwd[:, :, 0] * torch.where(flip, -1.0, 1.0)[:, None]  # F = diag(±1, 1) acts first
    c = torch.tensor([(w - 1) / 2, (h - 1) / 2])
    inv = torch.linalg.inv(fwd)
    # grid_sample needs output -> input in normalised units (align_corners=False): u = (p - c) / (size/2)
    d = torch.tensor([w / 2, h / 2])
    a = inv * (d[None, None, :] / d[None, :, None])  # D^-1 · inv · D
    offset = -(inv @ t[:, :, None])[..., 0] / d
    grid = F.affine_grid(torch.cat([a, offset[:, :, None]], 2).to(frames), list(frames.shape), align_corners=False)
    out = F.grid_sample(frames, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    xy = keypoints[..., :2] - c
    xy = (fwd.to(keypoints)[:, None] @ xy[..., None])[..., 0] + c + t[:, None].to(keypoints)
    kp = torch.cat([xy, keypoints[..., 2:]], -1)
    perm = torch.tensor(FLIP_PERMUTATION)
    kp = torch.where(flip[:, None, None].to(kp.device), kp[:, perm], kp)
    inside = (kp[..., 0] >= 0) & (kp[..., 0] <= w - 1) & (kp[..., 1] >= 0) & (kp[..., 1] <= h - 1)
    kp[..., 2] = kp[..., 2] * inside
    return out, kp


def photometric(frames: torch.Tensor, cfg: AugmentConfig, g: torch.Generator) -> torch.Tensor:
    """Colour jitter of frames ``B×3×H×W`` in [0, 1] (result clipped to [0, 1])."""
    b = len(frames)
    shape = (b, 1, 1, 1)
    x = frames * _uniform(b, 1 - cfg.brightness, 1 + cfg.brightness, g).view(shape).to(frames)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * _uniform(b, 1 - cfg.contrast, 1 + cfg.contrast, g).view(shape).to(frames) + mean
    grey = x.mean(dim=1, keepdim=True)
    x = (x - grey) * _uniform(b, 1 - cfg.saturation, 1 + cfg.saturation, g).view(shape).to(frames) + grey
    shuffle = torch.rand(b, generator=g) < cfg.channel_shuffle
    perms = torch.stack([torch.randperm(3, generator=g) for _ in range(b)])
    perms[~shuffle] = torch.arange(3)
    x = torch.gather(x, 1, perms.to(x.device)[:, :, None, None].expand_as(x))
    return x.clamp(0, 1)


def random_crop(
    frames: torch.Tensor, keypoints: torch.Tensor, size: int, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """One random ``size×size`` window per sample; keypoints shifted, those outside get confidence 0."""
    b, _, h, w = frames.shape
    if size >= h and size >= w:
        return frames, keypoints
    size_h, size_w = min(size, h), min(size, w)
    y0 = torch.randint(0, h - size_h + 1, (b,), generator=g)
    x0 = torch.randint(0, w - size_w + 1, (b,), generator=g)
    rows = (y0[:, None] + torch.arange(size_h))[:, None, :, None].expand(b, frames.shape[1], size_h, w)
    out = frames.gather(2, rows.to(frames.device))
    cols = (x0[:, None] + torch.arange(size_w))[:, None, None, :].expand(b, frames.shape[1], size_h, size_w)
    out = out.gather(3, cols.to(frames.device))
    kp = keypoints.clone()
    kp[..., 0] -= x0[:, None].to(kp)
    kp[..., 1] -= y0[:, None].to(kp)
    inside = (kp[..., 0] >= 0) & (kp[..., 0] <= size_w - 1) & (kp[..., 1] >= 0) & (kp[..., 1] <= size_h - 1)
    kp[..., 2] = kp[..., 2] * inside
    return out, kp


def augment(
    frames: torch.Tensor, keypoints: torch.Tensor, cfg: AugmentConfig, g: torch.Generator, crop: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Geometric augmentation, an optional random ``crop×crop`` window, then photometric; see the module docstring."""
    frames, keypoints = geometric(frames, keypoints, cfg, g)
    if crop is not None:
        frames, keypoints = random_crop(frames, keypoints, crop, g)
    return photometric(frames, cfg, g), keypoints
