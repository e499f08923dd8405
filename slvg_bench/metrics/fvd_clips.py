"""FVD inputs: clip sampling and the two published preprocessing pipelines, exactly.

A clip is ``clip_length`` consecutive frames. ``clips="first"`` takes one clip
from frame 0 of every video (deterministic and identical for the generated and
the target video); ``clips="all"`` takes every non-overlapping clip from frame 0
on (more samples for short test sets).

Preprocessing turns uint8 clips ``N×T×3×H×W`` into the I3D input
``N×3×T×224×224`` in [-1, 1]:

- ``stretch`` (default; TATS ``preprocess``, also StyleGAN-V/cd-fvd in spirit):
  every frame resized directly to 224×224 (bilinear, align_corners=False, no
  antialias, aspect ratio not kept), then ``2·x/255 − 1``.
- ``short-side-crop`` (common_metrics / VideoGPT): ``x/255``, the short side
  resized to 224 (long side ``ceil(long·224/short)``, same bilinear settings),
  centre crop 224×224, then ``(x − 0.5)·2``.

Both are bit-identical to the official functions (fixture ``fixtures/i3d``:
SHA-256 of the preprocessed tensors). The resizes run on one CPU thread whatever torch's thread
count (:mod:`slvg_bench.threads`: the last bits of a bilinear resize depend on it). For square inputs they agree up to float
rounding (≤ 4e-7); for non-square inputs they differ (stretch vs crop).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F

from slvg_bench.threads import torch_threads

Resize = Literal["stretch", "short-side-crop"]
RESIZES = ("stretch", "short-side-crop")
CLIP_MODES = ("first", "all")
MIN_CLIP_LENGTH = 10  # the network needs 9; common_metrics enforces 10
I3D_SIZE = 224


def clip_starts(n_frames: int, clip_length: int, mode: str = "first") -> list[int]:
    """Start indices of the clips taken from a video of ``n_frames`` (empty when too short)."""
    if mode not in CLIP_MODES:
        raise ValueError(f"clip mode must be one of {CLIP_MODES}, got {mode!r}")
    if n_frames < clip_length:
        return []
    if mode == "first":
        return [0]
    return list(range(0, n_frames - clip_length + 1, clip_length))


def video_to_uint8_levels(video: torch.Tensor) -> torch.Tensor:
    """float ``T×3×H×W`` in [0, 1] -> uint8 ``T×3×H×W`` (round(255·x), what a video file stores)."""
    return video.float().clamp(0, 1).mul(255.0).round().to(torch.uint8)


def sample_clips(video: torch.Tensor, clip_length: int, mode: str = "first") -> torch.Tensor:
    """float video ``T×3×H×W`` in [0, 1] -> uint8 clips ``N×L×3×H×W`` (N may be 0)."""
    starts = clip_starts(video.shape[0], clip_length, mode)
    if not starts:
        return torch.empty((0, clip_length, *video.shape[1:]), dtype=torch.uint8)
    return torch.stack([video_to_uint8_levels(video[s : s + clip_length]) for s in starts])


def preprocess_stretch(clips: torch.Tensor, size: int = I3D_SIZE) -> torch.Tensor:
    """uint8 ``N×T×3×H×W`` -> float ``N×3×T×size×size`` in [-1, 1] (TATS op order)."""
    n, t, c, h, w = clips.shape
    frames = clips.reshape(n * t, c, h, w).float().contiguous()
    with torch_threads(1, frames.device):  # the last bits depend on the thread count (slvg_bench.threads)
        frames = F.interpolate(frames, size=(size, size), mode="bilinear", align_corners=False)
    video = frames.view(n, t, c, size, size).transpose(1, 2).contiguous()
    return 2.0 * video / 255.0 - 1


def _short_side_crop_one(clip: torch.Tensor, size: int) -> torch.Tensor:
    frames = clip.float() / 255.0  # T×C×H×W
    t, c, h, w = frames.shape
    scale = size / min(h, w)
    target = (size, math.ceil(w * scale)) if h < w else (math.ceil(h * scale), size)
    with torch_threads(1, frames.device):
        frames = F.interpolate(frames, size=target, mode="bilinear", align_corners=False)
    h2, w2 = frames.shape[-2:]
    top, left = (h2 - size) // 2, (w2 - size) // 2
    frames = frames[:, :, top : top + size, left : left + size]
    out = frames.permute(1, 0, 2, 3).contiguous()  # C×T×H×W
    out -= 0.5
    return out


def preprocess_short_side_crop(clips: torch.Tensor, size: int = I3D_SIZE) -> torch.Tensor:
    """uint8 ``N×T×3×H×W`` -> float ``N×3×T×size×size`` in [-1, 1] (common_metrics op order)."""
    return torch.stack([_short_side_crop_one(c, size) for c in clips]) * 2


PREPROCESS = {"stretch": preprocess_stretch, "short-side-crop": preprocess_short_side_crop}


def preprocess(clips: torch.Tensor, resize: str = "stretch") -> torch.Tensor:
    """Apply the named preprocessing (see module docstring)."""
    if resize not in PREPROCESS:
        raise ValueError(f"FVD resize must be one of {RESIZES}, got {resize!r}")
    if clips.dtype != torch.uint8 or clips.ndim != 5 or clips.shape[2] != 3:
        raise ValueError(f"FVD preprocessing expects uint8 N×T×3×H×W clips, got {clips.dtype} {tuple(clips.shape)}")
    return PREPROCESS[resize](clips)
