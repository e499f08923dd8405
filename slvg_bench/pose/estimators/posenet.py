"""A small heatmap network trained here on synthsign's exact keypoints (no downloads needed).

``PoseNet`` is a light U-Net: a stride-2 stem, three stride-2 encoder stages with
residual blocks (down to 1/16), a decoder that upsamples and adds the skip
features back to 1/``heatmap_stride`` of the input, and a 1×1 conv to 133
heatmaps. Frames are resized to ``input_size``² first, so heatmaps cover the whole
frame (no person box: synthsign clips are already cropped to the signer).
Trained with MSE against Gaussian targets (σ in heatmap pixels, as MMPose), see
:mod:`slvg_bench.pose.train`; decoded with a local soft-argmax around the maximum.

The checkpoint (``slvg-bench pose train --dataset synthsign``) is the weight
``posenet.synthsign``: ``{"config": {...}, "state_dict": {...}, "meta": {...}}``.
"""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from slvg_bench.errors import CheckpointError
from slvg_bench.pose.estimators.base import PoseEstimator, check_frames, resolve_device
from slvg_bench.pose.heatmaps import local_soft_argmax, rescale_coords, resize_heatmaps

WEIGHT_ID = "posenet.synthsign"


@dataclass(frozen=True)
class PoseNetConfig:
    input_size: int = 128
    widths: tuple[int, ...] = (32, 48, 96, 128)  # channels at strides 2, 4, 8, 16
    heatmap_stride: int = 2
    num_keypoints: int = 133
    activation: str = "none"  # applied to the head's output by the estimator: "none" | "sigmoid"

    @property
    def heatmap_size(self) -> int:
        return self.input_size // self.heatmap_stride


def _cbr(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv1 = _cbr(c, c)
        self.conv2 = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.conv2(self.conv1(x)))


class PoseNet(nn.Module):
    """Frames ``B×3×S×S`` in [0, 1] (S = input_size) -> heatmaps ``B×K×S/stride×S/stride``.

    ``forward`` returns the head's raw output (logits when ``activation="sigmoid"``);
    :meth:`heatmaps` applies the activation.
    """

    def __init__(self, cfg: PoseNetConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or PoseNetConfig()
        w = cfg.widths
        if cfg.heatmap_stride not in (2 ** i for i in range(1, len(w) + 1)):
            raise ValueError(f"heatmap_stride must be a power of 2 between 2 and {2 ** len(w)}, got {cfg.heatmap_stride}")
        self.stem = nn.Sequential(_cbr(3, w[0], 2), _cbr(w[0], w[0]))
        self.down = nn.ModuleList(nn.Sequential(_cbr(w[i - 1], w[i], 2), ResBlock(w[i])) for i in range(1, len(w)))
        n_up = len(w) - cfg.heatmap_stride.bit_length() + 1  # decoder stages back to the heatmap stride
        self.skip = nn.ModuleList(nn.Conv2d(w[-2 - i], w[-1 - i], 1) for i in range(n_up))
        self.up = nn.ModuleList(_cbr(w[-1 - i], w[-2 - i]) for i in range(n_up))
        self.head = nn.Conv2d(w[-1 - n_up], cfg.num_keypoints, 1)
        if cfg.activation not in ("none", "sigmoid"):
            raise ValueError(f"activation must be 'none' or 'sigmoid', got {cfg.activation!r}")
        if cfg.activation == "sigmoid":  # start near "no keypoint here" (CenterNet's prior)
            nn.init.constant_(self.head.bias, -4.0)
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [self.stem(x - self.mean)]
        for stage in self.down:
            feats.append(stage(feats[-1]))
        y = feats[-1]
        for i, (skip, up) in enumerate(zip(self.skip, self.up)):
            y = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=False)
            y = up(y + skip(feats[-2 - i]))
        return self.head(y)

    def heatmaps(self, x: torch.Tensor) -> torch.Tensor:
        out = self(x)
        return torch.sigmoid(out) if self.cfg.activation == "sigmoid" else out


def load_posenet(path: str | Path) -> tuple[PoseNet, dict]:
    """Build a PoseNet from a checkpoint written by ``slvg-bench pose train`` (weights_only)."""
    from slvg_bench.safe_load import torch_load

    path = Path(path)
    ckpt = torch_load(path, "PoseNet checkpoint")
    try:
        cfg = PoseNetConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in ckpt["config"].items()})
        model = PoseNet(cfg)
        model.load_state_dict(ckpt["state_dict"], strict=True)
    except (OSError, KeyError, TypeError, AttributeError, RuntimeError, ValueError, pickle.UnpicklingError) as e:
        what = f"missing key {e}" if isinstance(e, KeyError) else " ".join(str(e).split())[:300]
        raise CheckpointError(f"{str(path)!r} is not a PoseNet checkpoint written by `slvg-bench pose train`: "
                              f"{what}") from e
    return model, ckpt.get("meta", {})


def posenet_checkpoint(model: PoseNet, meta: dict) -> dict:
    """The dict ``load_posenet`` reads."""
    return {"config": dataclasses.asdict(model.cfg), "state_dict": model.state_dict(), "meta": meta}


class PoseNetSynthsign(PoseEstimator):
    """The synthsign-trained PoseNet as an estimator (differentiable, frozen, heatmaps).

    Args:
        device: torch device (default CUDA when available).
        checkpoint: a checkpoint file; default the weight ``posenet.synthsign``.
        model: an already-built :class:`PoseNet` (training, tests).
        batch_size: frames per forward pass in :meth:`estimate`.
    """

    name: ClassVar[str] = "posenet-synthsign"
    differentiable: ClassVar[bool] = True
    has_heatmaps: ClassVar[bool] = True
    weight_id: ClassVar[str | None] = WEIGHT_ID

    def __init__(
        self,
        device=None,
        checkpoint: str | Path | None = None,
        model: PoseNet | None = None,
        batch_size: int = 64,
        supervised_keypoints: Sequence[int] | None = None,
    ):
        self.meta: dict = {}
        if model is None:
            from slvg_bench import weights

            model, self.meta = load_posenet(checkpoint if checkpoint is not None else weights.require(WEIGHT_ID))
        self.model = model.eval().requires_grad_(False)
        self.batch_size = batch_size
        if supervised_keypoints is None:
            supervised_keypoints = self.meta.get("supervised_keypoints", range(model.cfg.num_keypoints))
        # points with no label in training have meaningless heatmaps: zero them (confidence 0)
        mask = torch.zeros(model.cfg.num_keypoints)
        mask[list(supervised_keypoints)] = 1.0
        self._mask = mask.view(1, -1, 1, 1)
        self.to(resolve_device(device))

    def to(self, device) -> "PoseNetSynthsign":
        super().to(device)
        self.model.to(self.device)
        self._mask = self._mask.to(self.device)
        return self

    def _native_heatmaps(self, frames: torch.Tensor) -> torch.Tensor:
        s = self.model.cfg.input_size
        x = frames.to(self.device)
        if tuple(x.shape[-2:]) != (s, s):
            x = F.interpolate(x, size=(s, s), mode="bilinear", align_corners=False, antialias=True)
        return self.model.heatmaps(x) * self._mask

    def heatmaps(self, frames: torch.Tensor, size: Sequence[int] | None = None) -> torch.Tensor:
        """Frame-aligned heatmaps ``B×133×h×w`` (default the native input_size/stride), differentiable."""
        hm = self._native_heatmaps(check_frames(frames))
        return hm if size is None or tuple(size) == tuple(hm.shape[-2:]) else resize_heatmaps(hm, size)

    @torch.no_grad()
    def estimate(self, frames: torch.Tensor, boxes: torch.Tensor | None = None) -> torch.Tensor:
        """Keypoints ``T×133×3`` (boxes are ignored: the whole frame is the signer crop)."""
        frames = check_frames(frames)
        h, w = frames.shape[-2:]
        out = []
        for start in range(0, len(frames), self.batch_size):
            hm = self._native_heatmaps(frames[start:start + self.batch_size])
            xy, conf = local_soft_argmax(hm)
            out.append(torch.cat([rescale_coords(xy, hm.shape[-2:], (h, w)), conf.clamp(0, 1).unsqueeze(-1)], -1))
        return torch.cat(out).to(frames.device) if out else frames.new_zeros(0, 133, 3)
