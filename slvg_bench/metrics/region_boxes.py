"""Square boxes around the hands and the mouth, found from COCO-WholeBody keypoints.

A region is a group of the 133-point layout (:mod:`slvg_bench.pose.layout`):
``left-hand`` (91–111), ``right-hand`` (112–132) — the person's sides — and
``mouth`` (71–90). For one video (keypoints of the *target* video):

1. a point is *seen* when its confidence exceeds ``conf_threshold``; a frame has
   the region when at least ``min_points`` of its points are seen;
2. the box side is **fixed for the video**: the 90th percentile over those
   frames of the larger side of the seen points' bounding box, times
   ``1 + margin`` (default +25 %), at least ``min_size`` pixels and at most the
   frame's smaller side (the percentile keeps one mis-detected frame from
   blowing the box up);
3. in every frame that has the region the box is centred on the seen points'
   bounding-box centre, rounded to whole pixels and shifted to lie inside the
   frame. Frames without the region are left out of region metrics.

A fixed size per video makes every crop of a video the same shape, so crops are
batched, and keeps a region metric from changing with the hand's pose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from slvg_bench.pose import layout

REGIONS: dict[str, tuple[int, ...]] = {
    "left-hand": layout.LEFT_HAND,
    "right-hand": layout.RIGHT_HAND,
    "mouth": layout.MOUTH,
}


@dataclass(frozen=True)
class BoxOptions:
    """How region boxes are derived from keypoints (module docstring)."""

    conf_threshold: float = 0.3
    min_points: int = 3
    margin: float = 0.25
    min_size: int = 16
    percentile: float = 90.0


@dataclass(frozen=True)
class RegionBoxes:
    """One region's boxes in one video.

    Attributes:
        size: side of every box in pixels (0 when the region was never seen).
        frames: indices of the frames that have the region.
        top, left: top-left corner of the box in each of those frames.
    """

    region: str
    size: int
    frames: np.ndarray
    top: np.ndarray
    left: np.ndarray

    @property
    def empty(self) -> bool:
        return self.size == 0 or len(self.frames) == 0


def region_boxes(
    keypoints: torch.Tensor | np.ndarray,
    region: str,
    frame_hw: tuple[int, int],
    options: BoxOptions = BoxOptions(),
) -> RegionBoxes:
    """Boxes of ``region`` for keypoints ``T×133×3`` (x, y in pixels of an ``H×W`` frame)."""
    kp = np.asarray(keypoints.detach().cpu() if isinstance(keypoints, torch.Tensor) else keypoints, dtype=np.float64)
    if kp.ndim != 3 or kp.shape[1:] != (layout.NUM_KEYPOINTS, 3):
        raise ValueError(f"keypoints must be T×133×3, got shape {kp.shape}")
    h, w = frame_hw
    pts = kp[:, list(REGIONS[region])]  # T×K×3
    seen = pts[..., 2] > options.conf_threshold
    has = seen.sum(axis=1) >= options.min_points
    frames = np.flatnonzero(has)
    if len(frames) == 0:
        return RegionBoxes(region, 0, frames, frames.copy(), frames.copy())
    xs = np.where(seen, pts[..., 0], np.nan)[frames]
    ys = np.where(seen, pts[..., 1], np.nan)[frames]
    x0, x1 = np.nanmin(xs, axis=1), np.nanmax(xs, axis=1)
    y0, y1 = np.nanmin(ys, axis=1), np.nanmax(ys, axis=1)
    extent = np.maximum(x1 - x0, y1 - y0)
    side = math.ceil(float(np.percentile(extent, options.percentile)) * (1.0 + options.margin))
    side = int(min(max(side, options.min_size), min(h, w)))
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    left = np.clip(np.floor(cx - side / 2.0 + 0.5), 0, w - side).astype(np.int64)
    top = np.clip(np.floor(cy - side / 2.0 + 0.5), 0, h - side).astype(np.int64)
    return RegionBoxes(region, side, frames, top, left)


def crop_boxes(video: torch.Tensor, boxes: RegionBoxes) -> torch.Tensor:
    """``T×3×H×W`` video -> ``N×3×S×S`` crops of the frames that have the region (N = len(frames))."""
    if boxes.empty:
        return video.new_zeros((0, video.shape[1], 0, 0))
    s = boxes.size
    crops = [video[f, :, t : t + s, l : l + s] for f, t, l in zip(boxes.frames, boxes.top, boxes.left)]
    return torch.stack(crops)
