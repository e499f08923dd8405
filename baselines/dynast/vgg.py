"""Frozen VGG-19 features for DynaST's feature-matching and perceptual losses.

The official recipe uses CoCosNet's caffe-converted ``vgg19_conv.pth`` (BGR,
mean-subtracted, ×255 input). That file is not in the catalog; we use
torchvision's ImageNet VGG-19 (weight ``vgg19.imagenet-torchvision``) with its
own input normalisation, taking the same layers (relu1_2 … relu5_2).

``weights``: ``imagenet`` (requires the catalog file), ``random`` (fixed-seed
He init, a usable stand-in where the file cannot be had), or ``auto``
(imagenet when installed, else random with a logged warning). The choice made
is in :attr:`VGG19Features.weights_used`. The weights are non-persistent
buffers: they move with ``.to()`` but stay out of checkpoints, and get no gradients.
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F
from torch import nn

from slvg_bench import weights as weight_store
from slvg_bench.errors import UsageError

log = logging.getLogger(__name__)

WEIGHT_ID = "vgg19.imagenet-torchvision"
# torchvision vgg19.features indices of the convs up to conv5_2, and the relu outputs we return
_CONVS = ((0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256), (12, 256, 256), (14, 256, 256),
          (16, 256, 256), (19, 256, 512), (21, 512, 512), (23, 512, 512), (25, 512, 512), (28, 512, 512),
          (30, 512, 512))  # fmt: skip
_POOL_AFTER = {2, 7, 16, 25}  # max-pool after these convs (features indices 4, 9, 18, 27)
LAYERS = {"relu1_2": 2, "relu2_2": 7, "relu3_2": 12, "relu4_2": 21, "relu5_2": 30}
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


def _random_state(seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for idx, cin, cout in _CONVS:
        std = (2.0 / (cout * 9)) ** 0.5  # kaiming normal, fan_out, relu (torchvision's VGG init)
        state[f"features.{idx}.weight"] = torch.randn(cout, cin, 3, 3, generator=gen) * std
        state[f"features.{idx}.bias"] = torch.zeros(cout)
    return state


def resolve_weights(choice: str) -> tuple[str, dict[str, torch.Tensor]]:
    """``(weights_used, state)`` for ``imagenet | random | auto``."""
    if choice not in ("imagenet", "random", "auto"):
        raise UsageError(f"perceptual_weights must be imagenet, random or auto, got {choice!r}")
    if choice == "random":
        return "random", _random_state()
    if choice == "auto" and weight_store.status(WEIGHT_ID) not in ("present", "unverified"):
        log.warning(
            "VGG-19 ImageNet weights (%s) are not installed; the DynaST perceptual losses use a fixed-seed random "
            "VGG-19 instead (install them with `slvg-bench weights download %s`)", WEIGHT_ID, WEIGHT_ID,
        )
        return "random", _random_state()
    path = weight_store.require(WEIGHT_ID)
    full = torch.load(path, map_location="cpu", weights_only=True)
    keys = [f"features.{i}.{p}" for i, _, _ in _CONVS for p in ("weight", "bias")]
    return "imagenet", {k: full[k] for k in keys}


class VGG19Features(nn.Module):
    """``forward(x in [-1, 1]) -> [relu1_2, relu2_2, relu3_2, relu4_2, relu5_2]`` (or the ``layers`` asked for)."""

    def __init__(self, weights: str = "auto", layers: tuple[str, ...] = tuple(LAYERS)):
        super().__init__()
        self.weights_used, state = resolve_weights(weights)
        self.layers = layers
        self._last = max(LAYERS[name] for name in layers)
        for idx, _, _ in _CONVS:
            self.register_buffer(f"w{idx}", state[f"features.{idx}.weight"].float(), persistent=False)
            self.register_buffer(f"b{idx}", state[f"features.{idx}.bias"].float(), persistent=False)
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = ((x + 1) / 2 - self.mean) / self.std
        wanted = {LAYERS[name]: name for name in self.layers}
        out: dict[str, torch.Tensor] = {}
        for idx, _, _ in _CONVS:
            x = F.relu(F.conv2d(x, getattr(self, f"w{idx}"), getattr(self, f"b{idx}"), padding=1))
            if idx in wanted:
                out[wanted[idx]] = x
            if idx == self._last:
                break
            if idx in _POOL_AFTER:
                x = F.max_pool2d(x, 2, 2)
        return [out[name] for name in self.layers]
