"""The pose-estimator interface every estimator implements.

An estimator turns frames ``T×3×H×W`` (float in [0, 1]) into COCO-WholeBody
keypoints ``T×133×3`` (x, y in pixels of the input frames, pixel-index
convention of :mod:`slvg_bench.pose.heatmaps`; confidence in [0, 1], 0 = not
detected / not produced by this model).

Heatmap models also expose :meth:`PoseEstimator.heatmaps`, frame-aligned
heatmaps ``B×K×h×w`` (channel k is COCO-WholeBody point ``heatmap_indices[k]``).
When ``differentiable`` is True those heatmaps are a differentiable function
of the input frames and the model's parameters are frozen (``requires_grad``
False, eval mode), so a generator can be trained through the estimator — PGMM's
Pose Distance loss does ``soft_argmax(estimator.heatmaps(generated))``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Sequence

import torch

from slvg_bench.errors import UsageError
from slvg_bench.pose.layout import NUM_KEYPOINTS


def check_frames(frames: torch.Tensor, what: str = "frames") -> torch.Tensor:
    """Validate ``T×3×H×W`` float frames; returns them as a float tensor."""
    frames = torch.as_tensor(frames)
    if frames.ndim != 4 or frames.shape[1] != 3:
        raise UsageError(f"{what} must be T×3×H×W (RGB), got shape {tuple(frames.shape)}")
    if not frames.is_floating_point():
        raise UsageError(f"{what} must be float in [0, 1], got dtype {frames.dtype} (use slvg_bench.video.to_float)")
    return frames


class PoseEstimator(ABC):
    """Base class: subclasses set the class attributes and implement :meth:`estimate`.

    Class attributes (readable without building the estimator, e.g. from the registry):
        name: registry id.
        differentiable: heatmaps are differentiable w.r.t. the input frames.
        has_heatmaps: :meth:`heatmaps` is available.
        weight_id: the weights-catalog id it loads by default (None if none).
    """

    name: ClassVar[str] = ""
    differentiable: ClassVar[bool] = False
    has_heatmaps: ClassVar[bool] = False
    weight_id: ClassVar[str | None] = None
    heatmap_indices: tuple[int, ...] = tuple(range(NUM_KEYPOINTS))

    device: torch.device = torch.device("cpu")

    @abstractmethod
    def estimate(self, frames: torch.Tensor, boxes: torch.Tensor | None = None) -> torch.Tensor:
        """Keypoints ``T×133×3`` for frames ``T×3×H×W`` in [0, 1] (no gradients).

        ``boxes``: optional person boxes ``T×4`` (x0, y0, x1, y1) in frame pixels for
        top-down models; default the whole frame (sign-language clips are cropped
        to the signer).
        """

    def heatmaps(self, frames: torch.Tensor, size: Sequence[int] | None = None) -> torch.Tensor:
        """Frame-aligned heatmaps ``B×K×h×w`` (``size`` = (h, w), default the model's)."""
        raise UsageError(
            f"pose estimator {self.name!r} produces no heatmaps; use one with has_heatmaps "
            "(hrnet-w32-wholebody, posenet-synthsign)"
        )

    def to(self, device: str | torch.device) -> "PoseEstimator":
        self.device = torch.device(device)
        return self

    def __call__(self, frames: torch.Tensor, boxes: torch.Tensor | None = None) -> torch.Tensor:
        return self.estimate(frames, boxes)


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` -> CUDA when available, else CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)
