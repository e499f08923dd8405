"""Small deterministic videos for metric tests (float32 T×3×H×W in [0, 1])."""

from __future__ import annotations

import math

import torch


def structured_video(t: int = 6, h: int = 32, w: int = 40, seed: int = 0) -> torch.Tensor:
    """Moving gradients, a moving bright square and flat areas: what real frames have and noise lacks."""
    g = torch.Generator().manual_seed(seed)
    phase = torch.rand(3, generator=g) * 2 * math.pi
    ys = torch.linspace(0, 1, h).view(h, 1)
    xs = torch.linspace(0, 1, w).view(1, w)
    frames = []
    for i in range(t):
        chans = [0.5 + 0.4 * torch.sin(6 * xs + 3 * ys + phase[c] + 0.3 * i) for c in range(3)]
        f = torch.stack([c.expand(h, w) for c in chans])
        top, left = 2 + i % max(1, h - 12), 3 + (2 * i) % max(1, w - 12)
        f[:, top : top + 8, left : left + 8] = torch.tensor([0.95, 0.9, 0.2]).view(3, 1, 1)
        f[:, : h // 4, : w // 4] = 0.25  # flat corner: SSIM's low-variance case
        frames.append(f)
    return torch.stack(frames).clamp(0, 1)


def noisy(video: torch.Tensor, sigma: float, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (video + sigma * torch.randn(video.shape, generator=g)).clamp(0, 1)


def random_video(t: int = 5, h: int = 24, w: int = 24, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(t, 3, h, w, generator=g)
