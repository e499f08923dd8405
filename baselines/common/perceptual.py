"""VGG-19 multi-scale perceptual loss (FOMM/MRAA/TPSMM, methods.md §0.4), with selectable weights.

``loss = Σ_scales Σ_layers w_l · mean|φ_l(pred_s) − φ_l(target_s)|`` over an
anti-aliased image pyramid (scales ``[1, .5, .25, .125]``) and the VGG-19
activations relu1_1, relu2_1, relu3_1, relu4_1, relu5_1 (``features[0:2]``,
``[2:7]``, ``[7:12]``, ``[12:21]``, ``[21:30]``), target features detached,
ImageNet mean/std normalisation inside, inputs in [0, 1].

Weights (``perceptual_weights``):

- ``"imagenet"``: torchvision's ImageNet VGG-19 (weight id
  ``vgg19.imagenet-torchvision``); a missing file raises
  :class:`~slvg_bench.errors.WeightsUnavailableError` with the install command.
- ``"random"``: the same VGG-19 with a fixed, seeded initialisation (torchvision's
  scheme: Kaiming-normal fan-out, zero bias). A random-feature perceptual loss —
  a documented deviation from the official recipe, for machines without the file.
- ``"auto"``: ``imagenet`` when the file is installed, else ``random`` with a
  logged warning.

The resolved choice is :attr:`PerceptualPyramidLoss.weights_used` (plus
:meth:`provenance`) so run records can say what was used.

The frozen VGG is deliberately kept **outside** the module tree: it is not in
``state_dict()`` (checkpoints stay small and loadable without it), not in
``parameters()`` (DDP does not see it), yet ``.to(device)`` moves it.
"""

from __future__ import annotations

import logging
from typing import Literal, Optional, Sequence

import torch
from torch import nn

from baselines.common.downsample import ImagePyramid, pyramid_key

log = logging.getLogger(__name__)

PerceptualWeights = Literal["imagenet", "random", "auto"]
VGG19_WEIGHT_ID = "vgg19.imagenet-torchvision"
# torchvision "E" configuration up to relu5_1 (features indices 0..29)
_VGG19_LAYOUT = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512]
_SLICES = [(0, 2), (2, 7), (7, 12), (12, 21), (21, 30)]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _vgg19_features() -> nn.Sequential:
    """``features[0:30]`` of torchvision's VGG-19 with the same indices (so its keys load)."""
    layers: list[nn.Module] = []
    cin = 3
    for v in _VGG19_LAYOUT:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(cin, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            cin = v
    assert len(layers) == 30
    return nn.Sequential(*layers)


class Vgg19Features(nn.Module):
    """Frozen VGG-19 returning the 5 relu_k_1 activations of an image in [0, 1].

    Build it with :meth:`imagenet` or :meth:`random`.
    """

    def __init__(self, features: nn.Sequential, source: str, sha256: Optional[str] = None):
        super().__init__()
        self.slices = nn.ModuleList([features[a:b] for a, b in _SLICES])
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))
        self.source = source
        self.sha256 = sha256
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def imagenet(cls) -> "Vgg19Features":
        """torchvision ImageNet weights from the weights cache (raises when not installed)."""
        from slvg_bench import weights

        path = weights.require(VGG19_WEIGHT_ID)
        state = torch.load(path, map_location="cpu", weights_only=True)
        features = _vgg19_features()
        wanted = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
        wanted = {k: v for k, v in wanted.items() if int(k.split(".")[0]) < 30}
        features.load_state_dict(wanted, strict=True)
        return cls(features, "imagenet", weights.record_digest(weights.get_spec(VGG19_WEIGHT_ID), path))

    @classmethod
    def random(cls, seed: int = 0) -> "Vgg19Features":
        """Seeded random init (same scheme as torchvision); independent of the global RNG."""
        features = _vgg19_features()
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for m in features:
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=g)
                    nn.init.zeros_(m.bias)
        return cls(features, "random")

    def forward(self, x: torch.Tensor, num_layers: int = 5) -> list[torch.Tensor]:
        """The first ``num_layers`` of relu1_1 … relu5_1 (later slices are not computed)."""
        h = (x - self.mean) / self.std
        outs = []
        for s in self.slices[:num_layers]:
            h = s(h)
            outs.append(h)
        return outs


def resolve_perceptual_weights(choice: PerceptualWeights) -> str:
    """``imagenet``/``random`` as given; ``auto`` -> ``imagenet`` if installed else ``random`` (warns)."""
    if choice not in ("imagenet", "random", "auto"):
        from slvg_bench.errors import UsageError

        raise UsageError(f"perceptual_weights must be one of imagenet, random, auto; got {choice!r}")
    if choice != "auto":
        return choice
    from slvg_bench import weights

    if weights.status(VGG19_WEIGHT_ID) in ("present", "unverified"):
        return "imagenet"
    log.warning(
        "perceptual loss: ImageNet VGG-19 (%s) is not installed (or fails its checksum); "
        "using a seeded random-feature VGG-19 "
        "instead (a deviation from the official recipe). Install it with `slvg-bench weights download %s`.",
        VGG19_WEIGHT_ID, VGG19_WEIGHT_ID,
    )
    return "random"


class PerceptualPyramidLoss(nn.Module):
    """Multi-scale VGG-19 perceptual loss.

    Args:
        scales: pyramid scales (official ``[1, 0.5, 0.25, 0.125]``).
        layer_weights: one weight per VGG layer (official ``[10]*5``); all zero -> no VGG is built
            and the loss is 0.
        weights: ``imagenet`` | ``random`` | ``auto`` (module docstring).
        seed: seed of the random initialisation.
        subsample: pyramid subsampling (``interpolate`` TPSMM, ``slice`` FOMM/MRAA; equal for
            sizes divisible by 8).

    ``forward(prediction, target)`` takes ``B×3×H×W`` in [0, 1] and returns a scalar.
    """

    def __init__(self, scales: Sequence[float] = (1, 0.5, 0.25, 0.125),
                 layer_weights: Sequence[float] = (10, 10, 10, 10, 10), weights: PerceptualWeights = "imagenet",
                 seed: int = 0, subsample: Literal["interpolate", "slice"] = "interpolate"):
        super().__init__()
        if len(layer_weights) != 5:
            raise ValueError(f"layer_weights needs 5 values (relu1_1..relu5_1), got {list(layer_weights)}")
        self.pyramid = ImagePyramid(scales, 3, subsample=subsample)
        self.layer_weights = [float(w) for w in layer_weights]
        self.enabled = sum(self.layer_weights) != 0
        # layers after the last non-zero weight are never computed
        self.num_layers = max((i + 1 for i, w in enumerate(self.layer_weights) if w), default=0)
        self.weights_requested = weights
        self._frozen: list[Vgg19Features] = []  # a list, so the VGG is not a registered submodule
        self.weights_used: Optional[str] = None
        if self.enabled:
            used = resolve_perceptual_weights(weights)
            self._frozen.append(Vgg19Features.imagenet() if used == "imagenet" else Vgg19Features.random(seed))
            self.weights_used = used

    @property
    def vgg(self) -> Optional[Vgg19Features]:
        return self._frozen[0] if self._frozen else None

    def _apply(self, fn, *args, **kwargs):  # keep the hidden VGG on the module's device/dtype
        super()._apply(fn, *args, **kwargs)
        for m in self._frozen:
            m._apply(fn, *args, **kwargs)
        return self

    def provenance(self) -> dict:
        """What the run used: requested/resolved weights and the file's sha256 (None for random)."""
        vgg = self.vgg
        return {
            "perceptual_weights_requested": self.weights_requested,
            "perceptual_weights_used": self.weights_used,
            "vgg19_sha256": vgg.sha256 if vgg is not None else None,
        }

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return prediction.new_zeros(())
        vgg = self.vgg
        pred_pyr = self.pyramid(prediction)
        real_pyr = self.pyramid(target)
        total = prediction.new_zeros(())
        for key in pred_pyr:
            x_feats = vgg(pred_pyr[key], self.num_layers)
            with torch.no_grad():
                y_feats = vgg(real_pyr[key], self.num_layers)
            for w, xf, yf in zip(self.layer_weights, x_feats, y_feats):
                if w:
                    total = total + w * torch.abs(xf - yf).mean()
        return total


__all__ = [
    "PerceptualPyramidLoss", "Vgg19Features", "resolve_perceptual_weights", "pyramid_key", "VGG19_WEIGHT_ID",
]
