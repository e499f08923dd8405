"""The FID Inception-v3 (TF ``inception-2015-12-05``), as pytorch-fid ports it, returning pool3 features.

FID (Heusel et al. 2017) is defined on the 2048-d ``pool_3`` features of the TensorFlow Inception
graph of 2015-12-05. pytorch-fid (mseitzer/pytorch-fid 0.3.0) ported its weights into a torchvision
Inception-v3 layout, ``pt_inception-2015-12-05-6726825d.pth`` (weight ``inception-v3.pytorch-fid``),
and patched the blocks where TensorFlow's graph differs from torchvision's network:

- the average pools inside Mixed_5b–5d (block A), Mixed_6b–6e (block C) and Mixed_7b (block E) do
  not count the zero padding (``count_include_pad=False``);
- Mixed_7c's pool branch is a 3×3 *max* pool (stride 1, padding 1);
- the classifier has 1008 classes (unused for FID, kept so the file loads strictly).

This module builds that network from scratch with pytorch-fid's parameter names
(``Conv2d_1a_3x3.conv.weight``, ``Mixed_5b.branch_pool.bn.running_var``, ``fc.weight`` …), so the
real file loads with ``strict=True`` (``num_batches_tracked`` buffers are optional: they do not
take part in an eval-mode forward pass). Input handling is pytorch-fid's ``InceptionV3`` with
``resize_input=True, normalize_input=True``: frames in [0, 1] are resized bilinearly
(``align_corners=False``, no antialias) to 299×299 and mapped to [-1, 1] by ``2x − 1``; the
features are the global average pool after Mixed_7c (pytorch-fid's block index 3).
Tested equal to pytorch-fid's own model built on the same state dict.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from slvg_bench.errors import CheckpointError

INPUT_SIZE = 299
FEATURE_DIM = 2048
NUM_CLASSES = 1008


class BasicConv2d(nn.Module):
    """conv (no bias) → BatchNorm (eps 1e-3, TF's) → ReLU."""

    def __init__(self, cin: int, cout: int, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)), inplace=True)


def _avg_pool_tf(x: torch.Tensor) -> torch.Tensor:
    """3×3 average pool, stride 1, padding 1, padding not counted (TensorFlow's average pool)."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class InceptionA(nn.Module):
    """Mixed_5b–5d: 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avg pool→1×1; out 224 + pool_features channels."""

    def __init__(self, cin: int, pool_features: int):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, 1)
        self.branch5x5_1 = BasicConv2d(cin, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch1x1(x), b5, b3, self.branch_pool(_avg_pool_tf(x))], 1)


class InceptionB(nn.Module):
    """Mixed_6a (35 → 17): 3×3/2 | 1×1→3×3→3×3/2 | max pool/2."""

    def __init__(self, cin: int):
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), b3, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionC(nn.Module):
    """Mixed_6b–6e: 1×1 | 1×1→1×7→7×1 | 1×1→7×1→1×7→7×1→1×7 | avg pool→1×1; out 768."""

    def __init__(self, cin: int, c7: int):
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, 1)
        self.branch7x7_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                      self.branch7x7dbl_5):
            d = layer(d)
        return torch.cat([self.branch1x1(x), b7, d, self.branch_pool(_avg_pool_tf(x))], 1)


class InceptionD(nn.Module):
    """Mixed_7a (17 → 8): 1×1→3×3/2 | 1×1→1×7→7×1→3×3/2 | max pool/2."""

    def __init__(self, cin: int):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([b3, b7, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(nn.Module):
    """Mixed_7b/7c: 1×1 | 1×1→(1×3, 3×1) | 1×1→3×3→(1×3, 3×1) | pool→1×1; out 2048.

    ``max_pool``: Mixed_7c's pool branch is a max pool in the FID graph (Mixed_7b's an average pool).
    """

    def __init__(self, cin: int, max_pool: bool = False):
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = BasicConv2d(cin, 320, 1)
        self.branch3x3_1 = BasicConv2d(cin, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1) if self.max_pool else _avg_pool_tf(x)
        return torch.cat([self.branch1x1(x), b3, d, self.branch_pool(pooled)], 1)


class FIDInceptionV3(nn.Module):
    """Frames ``N×3×H×W`` in [0, 1] → ``N×2048`` pool3 features (float32); see the module docstring."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = InceptionA(192, 32)
        self.Mixed_5c = InceptionA(256, 64)
        self.Mixed_5d = InceptionA(288, 64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, 128)
        self.Mixed_6c = InceptionC(768, 160)
        self.Mixed_6d = InceptionC(768, 160)
        self.Mixed_6e = InceptionC(768, 192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048, max_pool=True)
        self.fc = nn.Linear(FEATURE_DIM, NUM_CLASSES)  # in the file; not used for FID

    @staticmethod
    def preprocess(frames: torch.Tensor) -> torch.Tensor:
        """[0, 1] frames → 299×299 bilinear (align_corners=False) → [-1, 1] (pytorch-fid's InceptionV3)."""
        x = frames.float()
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)
        return 2 * x - 1

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Preprocessed ``N×3×299×299`` → ``N×2048``."""
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, kernel_size=3, stride=2)
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c):
            x = block(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.features(self.preprocess(frames))


def _is_optional(key: str) -> bool:
    return key.endswith("num_batches_tracked")


def load_fid_inception(path: str | Path, device: "str | torch.device" = "cpu") -> FIDInceptionV3:
    """The network with the state dict at ``path`` (pytorch-fid's layout), strictly: every parameter
    and running statistic present with its shape, nothing else (``num_batches_tracked`` optional).

    Raises:
        CheckpointError: not a dict of tensors, or missing / unexpected / mis-shaped keys (named).
    """
    from slvg_bench.safe_load import torch_load

    state = torch_load(path, "FID Inception state dict")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{str(path)!r} is not a plain state dict of tensors (pytorch-fid's "
                              f"pt_inception-2015-12-05-6726825d.pth layout)")
    model = FIDInceptionV3()
    own = model.state_dict()
    missing = sorted(k for k in own if k not in state and not _is_optional(k))
    unexpected = sorted(k for k in state if k not in own)
    if missing or unexpected:
        parts = ([f"missing {len(missing)} keys, e.g. {missing[:3]}"] if missing else []) + \
                ([f"unexpected {len(unexpected)} keys, e.g. {unexpected[:3]}"] if unexpected else [])
        raise CheckpointError(f"{str(path)!r} is not the FID Inception state dict: {'; '.join(parts)}")
    for key, value in state.items():
        if tuple(value.shape) != tuple(own[key].shape):
            raise CheckpointError(f"{str(path)!r}: {key!r} has shape {tuple(value.shape)}, expected {tuple(own[key].shape)}")
    full = {k: state.get(k, own[k]) for k in own}  # absent num_batches_tracked keep their 0
    model.load_state_dict(full, strict=True)
    return model.eval().requires_grad_(False).to(device)
