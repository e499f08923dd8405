"""Inception-v1 I3D (Carreira & Zisserman 2017) as used for FVD, in plain PyTorch.

This is the network of DeepMind's TF-Hub module ``i3d-kinetics-400/1`` in the
PyTorch form of piergiaj/pytorch-i3d and VideoGPT/TATS (``InceptionI3d``). The
parameter names are theirs, so the TATS state dict ``i3d_pretrained_400.pt``
loads with ``strict=True`` (its 287 keys; the 57 BatchNorm ``num_batches_tracked``
counters it lacks are filled by BatchNorm itself).

Details that decide the numbers (checked against the parity fixture
``fixtures/i3d``, see ``tests/metrics/test_i3d_parity.py``):

- TensorFlow "SAME" padding, computed per input size at run time, asymmetric
  (the odd pixel goes at the back); max-pool padding is with zeros, which equals
  -inf padding only because every pooled input follows a ReLU.
- BatchNorm eps 1e-5 (the TATS port; the TF original used 1e-3 — kept as the
  published PyTorch weights were converted for this value).
- The final average pool is ``(2, 7, 7)`` with stride 1 and no padding, so the
  input must be 224×224 and have at least 9 frames; the 400 logits are averaged
  over the remaining time steps (the FVD embedding).

Input: ``B×3×T×224×224`` float in [-1, 1] (RGB). Output of :meth:`forward`:
``B×400`` time-averaged pre-softmax logits.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

# (name, kind, args): the end points in order. Inception args: in_channels, the six branch widths
# [b0, b1a, b1b, b2a, b2b, b3b].
_ENDPOINTS: tuple[tuple[str, str, tuple], ...] = (
    ("Conv3d_1a_7x7", "conv", (None, 64, (7, 7, 7), (2, 2, 2))),
    ("MaxPool3d_2a_3x3", "pool", ((1, 3, 3), (1, 2, 2))),
    ("Conv3d_2b_1x1", "conv", (64, 64, (1, 1, 1), (1, 1, 1))),
    ("Conv3d_2c_3x3", "conv", (64, 192, (3, 3, 3), (1, 1, 1))),
    ("MaxPool3d_3a_3x3", "pool", ((1, 3, 3), (1, 2, 2))),
    ("Mixed_3b", "mixed", (192, (64, 96, 128, 16, 32, 32))),
    ("Mixed_3c", "mixed", (256, (128, 128, 192, 32, 96, 64))),
    ("MaxPool3d_4a_3x3", "pool", ((3, 3, 3), (2, 2, 2))),
    ("Mixed_4b", "mixed", (480, (192, 96, 208, 16, 48, 64))),
    ("Mixed_4c", "mixed", (512, (160, 112, 224, 24, 64, 64))),
    ("Mixed_4d", "mixed", (512, (128, 128, 256, 24, 64, 64))),
    ("Mixed_4e", "mixed", (512, (112, 144, 288, 32, 64, 64))),
    ("Mixed_4f", "mixed", (528, (256, 160, 320, 32, 128, 128))),
    ("MaxPool3d_5a_2x2", "pool", ((2, 2, 2), (2, 2, 2))),
    ("Mixed_5b", "mixed", (832, (256, 160, 320, 32, 128, 128))),
    ("Mixed_5c", "mixed", (832, (384, 192, 384, 48, 128, 128))),
)
ENDPOINT_NAMES = tuple(name for name, _, _ in _ENDPOINTS)
MIN_FRAMES = 9  # ceil(ceil(ceil(T/2)/2)/2) must be >= 2 for the (2,7,7) average pool


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF "SAME" padding of one dimension: (front, back), the extra pixel at the back."""
    if size % stride == 0:
        pad = max(kernel - stride, 0)
    else:
        pad = max(kernel - size % stride, 0)
    return pad // 2, pad - pad // 2


def _pad_same(x: torch.Tensor, kernel: tuple[int, int, int], stride: tuple[int, int, int]) -> torch.Tensor:
    t, h, w = x.shape[2:]
    (tf, tb), (hf, hb), (wf, wb) = (same_padding(n, k, s) for n, k, s in zip((t, h, w), kernel, stride))
    return F.pad(x, (wf, wb, hf, hb, tf, tb))  # zeros


class Unit3D(nn.Module):
    """Conv3d (SAME padding) -> BatchNorm3d -> ReLU, or a biased conv alone (the logits layer)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: tuple[int, int, int] = (1, 1, 1),
        stride: tuple[int, int, int] = (1, 1, 1),
        *,
        batch_norm: bool = True,
        relu: bool = True,
        bias: bool = False,
    ):
        super().__init__()
        self.kernel, self.stride, self.relu = kernel, stride, relu
        self.conv3d = nn.Conv3d(in_channels, out_channels, kernel, stride=stride, padding=0, bias=bias)
        self.bn = nn.BatchNorm3d(out_channels, eps=1e-5, momentum=0.01) if batch_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv3d(_pad_same(x, self.kernel, self.stride))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.relu else x


class MaxPool3dSame(nn.Module):
    """3-D max pooling with TF "SAME" zero padding (no parameters)."""

    def __init__(self, kernel: tuple[int, int, int], stride: tuple[int, int, int]):
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool3d(_pad_same(x, self.kernel, self.stride), self.kernel, self.stride)


class InceptionBlock(nn.Module):
    """Four branches concatenated on channels: 1×1 | 1×1→3×3 | 1×1→3×3 | maxpool 3×3→1×1."""

    def __init__(self, in_channels: int, widths: tuple[int, int, int, int, int, int]):
        super().__init__()
        w0, w1a, w1b, w2a, w2b, w3b = widths
        self.b0 = Unit3D(in_channels, w0)
        self.b1a = Unit3D(in_channels, w1a)
        self.b1b = Unit3D(w1a, w1b, (3, 3, 3))
        self.b2a = Unit3D(in_channels, w2a)
        self.b2b = Unit3D(w2a, w2b, (3, 3, 3))
        self.b3a = MaxPool3dSame((3, 3, 3), (1, 1, 1))
        self.b3b = Unit3D(in_channels, w3b)
        self.out_channels = w0 + w1b + w2b + w3b

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], dim=1)


class InceptionI3d(nn.Module):
    """Inception-I3D with the parameter names of piergiaj/TATS ``InceptionI3d``.

    Args:
        num_classes: logits size (400 for Kinetics-400).
        in_channels: 3 for RGB.
    """

    def __init__(self, num_classes: int = 400, in_channels: int = 3):
        super().__init__()
        self.num_classes = num_classes
        # Assigned first so that state_dict() starts with logits.* like the official module.
        self.logits = Unit3D(1024, num_classes, batch_norm=False, relu=False, bias=True)
        for name, kind, args in _ENDPOINTS:
            if kind == "conv":
                cin, cout, kernel, stride = args
                self.add_module(name, Unit3D(in_channels if cin is None else cin, cout, kernel, stride))
            elif kind == "pool":
                self.add_module(name, MaxPool3dSame(*args))
            else:
                self.add_module(name, InceptionBlock(*args))
        self.avg_pool = nn.AvgPool3d((2, 7, 7), stride=(1, 1, 1))
        self.dropout = nn.Dropout(0.5)

    def endpoints(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every end point's output (for parity checks): the 16 trunk points, ``avg_pool``, ``logits``."""
        out = {}
        for name in ENDPOINT_NAMES:
            x = getattr(self, name)(x)
            out[name] = x
        x = self.avg_pool(x)
        out["avg_pool"] = x
        out["logits"] = self.logits(self.dropout(x))
        return out

    def logits_per_time(self, x: torch.Tensor) -> torch.Tensor:
        """``B×num_classes×T'`` logits before the time average."""
        check_i3d_input(x)
        for name in ENDPOINT_NAMES:
            x = getattr(self, name)(x)
        x = self.logits(self.dropout(self.avg_pool(x)))
        return x.squeeze(4).squeeze(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``B×3×T×224×224`` in [-1, 1] -> ``B×num_classes`` time-averaged logits (the FVD embedding)."""
        return self.logits_per_time(x).mean(dim=2)


def check_i3d_input(x: torch.Tensor) -> None:
    """Shape check with a message that says what the network needs."""
    if x.ndim != 5 or x.shape[1] != 3 or x.shape[3:] != (224, 224) or x.shape[2] < MIN_FRAMES:
        raise ValueError(
            f"I3D expects B×3×T×224×224 clips with T >= {MIN_FRAMES}, got shape {tuple(x.shape)}"
        )


def remaining_time_steps(num_frames: int) -> int:
    """Logit time steps averaged for a clip of ``num_frames`` (1 for 16 frames, 2 for 17)."""
    t = num_frames
    for _ in range(3):
        t = math.ceil(t / 2)
    return t - 1
