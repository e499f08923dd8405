"""HRNet-W32 COCO-WholeBody 256×192 (MMPose) as a top-down, differentiable pose estimator.

Inference follows MMPose 0.x's reference config
(``hrnet_w32_coco_wholebody_256x192.py``): the person box grown to 3:4 and by
1.25, a 256×192 bilinear crop, RGB normalised with ImageNet mean/std
(0.485, 0.456, 0.406)/(0.229, 0.224, 0.225) — i.e. (123.675, 116.28, 103.53)/
(58.395, 57.12, 57.375) on 0–255 — 133 heatmaps of 64×48, flip test with the
flipped heatmap shifted one column right, argmax + quarter-pixel refinement,
confidence = heatmap maximum. This is the paper's pose estimator P_e.

Weights: ``slvg-bench weights download hrnet-w32.coco-wholebody-256x192`` (or
``weights add`` with a local copy of the MMPose file).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Sequence

import torch

from slvg_bench.pose.estimators.base import PoseEstimator, check_frames, resolve_device
from slvg_bench.pose.estimators.hrnet import HRNetConfig, HRNetPose, load_mmpose_checkpoint, load_state_dict_strict
from slvg_bench.pose.heatmaps import hard_argmax, quarter_offset
from slvg_bench.pose.layout import FLIP_PERMUTATION
from slvg_bench.pose.topdown import boxes_to_center_size, crop, crop_to_frame, full_frame_boxes, uncrop_heatmaps

WEIGHT_ID = "hrnet-w32.coco-wholebody-256x192"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class HRNetWholeBody(PoseEstimator):
    """Top-down HRNet-W32 wholebody estimator.

    Args:
        device: torch device (default CUDA when available).
        checkpoint: an MMPose checkpoint file; default the catalog's weight file.
        model: an already-built :class:`HRNetPose` (tests, custom weights); overrides checkpoint.
        flip_test: average with the horizontally flipped crop, as the reference config does.
        batch_size: crops per forward pass in :meth:`estimate`.
        box_padding: growth of the person box (MMPose 1.25).
    """

    name: ClassVar[str] = "hrnet-w32-wholebody"
    differentiable: ClassVar[bool] = True
    has_heatmaps: ClassVar[bool] = True
    weight_id: ClassVar[str | None] = WEIGHT_ID
    input_size: ClassVar[tuple[int, int]] = (256, 192)
    heatmap_size: ClassVar[tuple[int, int]] = (64, 48)

    def __init__(
        self,
        device: str | torch.device | None = None,
        checkpoint: str | Path | None = None,
        model: HRNetPose | None = None,
        flip_test: bool = True,
        batch_size: int = 32,
        box_padding: float = 1.25,
    ):
        if model is None:
            from slvg_bench import weights

            path = Path(checkpoint) if checkpoint is not None else weights.require(WEIGHT_ID)
            model = HRNetPose(HRNetConfig.w32())
            load_state_dict_strict(model, load_mmpose_checkpoint(path), source=str(path))
        self.model = model.eval().requires_grad_(False)
        self.flip_test = flip_test
        self.batch_size = batch_size
        self.box_padding = box_padding
        self.to(resolve_device(device))

    def to(self, device: str | torch.device) -> "HRNetWholeBody":
        super().to(device)
        self.model.to(self.device)
        self._mean = torch.tensor(IMAGENET_MEAN, device=self.device).view(1, 3, 1, 1)
        self._std = torch.tensor(IMAGENET_STD, device=self.device).view(1, 3, 1, 1)
        return self

    def _center_size(self, frames: torch.Tensor, boxes) -> tuple[torch.Tensor, torch.Tensor]:
        if boxes is None:
            boxes = full_frame_boxes(len(frames), frames.shape[-2:], device=frames.device)
        boxes = torch.as_tensor(boxes, dtype=torch.float32, device=frames.device).reshape(-1, 4)
        if len(boxes) == 1 and len(frames) > 1:
            boxes = boxes.expand(len(frames), 4)
        if len(boxes) != len(frames):
            raise ValueError(f"got {len(boxes)} boxes for {len(frames)} frames")
        h, w = self.input_size
        return boxes_to_center_size(boxes, aspect=w / h, padding=self.box_padding)

    def crop_heatmaps(self, frames: torch.Tensor, boxes=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Heatmaps on the crop grid: ``(B×133×64×48, centre B×2, crop size B×2)``; differentiable."""
        frames = check_frames(frames).to(self.device)
        center, size = self._center_size(frames, boxes)
        x = (crop(frames, center, size, self.input_size) - self._mean) / self._std
        hm = self.model(x)
        if self.flip_test:
            flipped = self.model(x.flip(-1)).flip(-1)[:, list(FLIP_PERMUTATION)]
            # MMPose shift_heatmap: flipped features are one column off; column 0 keeps its value
            flipped = torch.cat([flipped[..., :1], flipped[..., :-1]], dim=-1)
            hm = 0.5 * (hm + flipped)
        return hm, center, size

    @torch.no_grad()
    def estimate(self, frames: torch.Tensor, boxes: torch.Tensor | None = None) -> torch.Tensor:
        frames = check_frames(frames)
        if boxes is not None:
            boxes = torch.as_tensor(boxes, dtype=torch.float32).reshape(-1, 4)
            if len(boxes) == 1:
                boxes = boxes.expand(len(frames), 4)
        out = []
        for start in range(0, len(frames), self.batch_size):
            chunk = frames[start:start + self.batch_size]
            hm, center, size = self.crop_heatmaps(chunk, None if boxes is None else boxes[start:start + len(chunk)])
            xy, maxval = hard_argmax(hm)
            xy = crop_to_frame(quarter_offset(hm, xy), center, size, self.heatmap_size)
            out.append(torch.cat([xy, maxval.clamp(0, 1).unsqueeze(-1)], dim=-1))
        return torch.cat(out).to(frames.device) if out else frames.new_zeros(0, 133, 3)

    def heatmaps(self, frames: torch.Tensor, size: Sequence[int] | None = None) -> torch.Tensor:
        """Frame-aligned heatmaps ``B×133×h×w`` (default ¼ of the frame), differentiable w.r.t. ``frames``."""
        frames = check_frames(frames)
        fh, fw = frames.shape[-2:]
        size = tuple(size) if size is not None else (max(fh // 4, 1), max(fw // 4, 1))
        hm, center, crop_size = self.crop_heatmaps(frames)
        return uncrop_heatmaps(hm, center, crop_size, (fh, fw), size)
