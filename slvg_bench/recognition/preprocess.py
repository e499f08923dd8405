"""The recognizer's input path: frames -> model input, and the official temporal padding.

Official evaluation (``dataset/dataloader_video.py``, test transform): frames stored as
8-bit 256×256 images (resized offline from the originals with cv2 Lanczos), centre crop
224, ``x / 127.5 - 1`` -> [-1, 1]. Then ``collate_fn``: sort the batch longest first,
put 6 copies of each clip's first frame in front, pad its end with copies of its last
frame up to ``ceil(L_max/4)·4 + 12`` frames, and report ``ceil(L/4)·4 + 12`` as its length
(so the temporal conv yields ``ceil(L/4)`` valid steps).

Videos of any other size — the toolkit's 128×128 generated and real clips — are first
resized to the frame size (bicubic, ``align_corners=False``, antialiased when shrinking)
and rounded to 8-bit levels, standing in for the offline resize + image file of the
official pipeline. Real and generated clips go through this identical path, so their
WERs are comparable. :class:`InputSpec` holds the three numbers; the synthsign
recognizer records its own in its checkpoint.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from slvg_bench.recognition.corrnet import temporal_receptive_padding


@dataclass(frozen=True)
class InputSpec:
    """How frames become model input: resize to ``frame_size``², centre crop ``crop``², [-1, 1].

    ``quantize``: round the resized frames to 1/255 steps (the official frames are 8-bit files).
    ``frame_stride``: keep every ``frame_stride``-th frame from the first (1 = all, official);
    the synthsign recognizer reads its 25 fps clips at 12.5 fps (2).
    ``subtract_median``: subtract the clip's per-pixel temporal median from every frame (after the
    crop, clamped to [-1, 1]): what stays still — background, clothes, face — cancels, the moving
    arms and hands remain. Off officially; the synthsign recognizer uses it so that eight training
    signers suffice to read unseen ones.
    """

    frame_size: int = 256
    crop: int = 224
    quantize: bool = True
    frame_stride: int = 1
    subtract_median: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


OFFICIAL_INPUT = InputSpec()


def resize_frames(video: torch.Tensor, size: int) -> torch.Tensor:
    """``T×3×H×W`` in [0,1] -> ``T×3×size×size`` (bicubic; unchanged when already that size)."""
    if video.shape[-2:] == (size, size):
        return video
    shrinking = video.shape[-1] > size or video.shape[-2] > size
    out = F.interpolate(video, size=(size, size), mode="bicubic", align_corners=False, antialias=shrinking)
    return out.clamp_(0.0, 1.0)


def center_crop(video: torch.Tensor, size: int) -> torch.Tensor:
    """Official ``CenterCrop``: offsets ``round((H - size) / 2)``; a side shorter than ``size`` is kept."""
    h, w = video.shape[-2:]
    nh, nw = min(size, h), min(size, w)
    top, left = int(round((h - nh) / 2.0)), int(round((w - nw) / 2.0))
    return video[..., top:top + nh, left:left + nw]


def prepare_video(video: torch.Tensor, spec: InputSpec = OFFICIAL_INPUT) -> torch.Tensor:
    """One clip ``T×3×H×W`` float in [0,1] -> model frames ``ceil(T/frame_stride)×3×crop×crop`` in [-1,1]."""
    if video.dim() != 4 or video.shape[1] != 3:
        raise ValueError(f"expected a T×3×H×W video, got shape {tuple(video.shape)}")
    if video.shape[0] == 0:
        raise ValueError("cannot recognise an empty video (0 frames)")
    x = resize_frames(video[:: spec.frame_stride].float(), spec.frame_size)
    if spec.quantize:
        x = torch.round(x * 255.0)
        x = x / 127.5 - 1.0  # exactly BaseFeeder.normalize on the 8-bit values
    else:
        x = x * 2.0 - 1.0
    x = center_crop(x, spec.crop)
    return subtract_temporal_median(x) if spec.subtract_median else x


def subtract_temporal_median(clip: torch.Tensor) -> torch.Tensor:
    """``T×3×H×W`` in [-1, 1] minus its per-pixel median over time, clamped to [-1, 1]."""
    return (clip - clip.median(dim=0).values).clamp_(-1.0, 1.0)


def uint8_to_input(frames_uint8: torch.Tensor) -> torch.Tensor:
    """Official normalisation of uint8 frames (any layout): ``x / 127.5 - 1``."""
    return frames_uint8.float() / 127.5 - 1.0


def pad_batch(clips: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """Official ``collate_fn`` padding of prepared clips (each ``T_i×3×H×W``).

    Returns ``(batch B×T×3×H×W, lengths int64 B, order)`` where the batch is sorted
    longest first and ``order[j]`` is the index in ``clips`` of batch row ``j``.
    """
    if not clips:
        raise ValueError("pad_batch needs at least one clip")
    left_pad, stride = temporal_receptive_padding()
    order = sorted(range(len(clips)), key=lambda i: len(clips[i]), reverse=True)  # stable, like sorted()
    max_len = len(clips[order[0]])
    target = -(-max_len // stride) * stride + 2 * left_pad
    rows, lengths = [], []
    for i in order:
        clip = clips[i]
        n = len(clip)
        rows.append(torch.cat([clip[:1].expand(left_pad, *clip.shape[1:]), clip,
                               clip[-1:].expand(target - n - left_pad, *clip.shape[1:])]))
        lengths.append(-(-n // stride) * stride + 2 * left_pad)
    return torch.stack(rows), torch.tensor(lengths, dtype=torch.long), order


def pad_features(feats: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """Official feature collate: ``C×T_i`` clips sorted longest first, tails repeat the last frame.

    Returns ``(B×C×T_max, lengths = T_i, order)``.
    """
    order = sorted(range(len(feats)), key=lambda i: feats[i].shape[-1], reverse=True)
    t_max = feats[order[0]].shape[-1]
    rows = [torch.cat([feats[i], feats[i][:, -1:].expand(-1, t_max - feats[i].shape[-1])], dim=1) for i in order]
    lengths = torch.tensor([feats[i].shape[-1] for i in order], dtype=torch.long)
    return torch.stack(rows), lengths, order
