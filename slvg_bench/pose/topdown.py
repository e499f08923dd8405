"""Top-down cropping: person box -> fixed-aspect crop, and crop coordinates back to the frame.

Follows MMPose 0.x (``_box2cs``, ``TopDownAffine``, ``transform_preds``) so an
MMPose-trained model sees the input it was trained on:

- a box (x0, y0, x1, y1) becomes a centre ``c = (x0 + w/2, y0 + h/2)`` and a size
  ``s`` that is the box grown to the model's aspect ratio (w:h) and then by
  ``padding`` (1.25);
- crop pixel ``u`` of a ``W_c``-wide crop samples the frame at
  ``x = c_x - s_x/2 + u * s_x / W_c`` (same for y) — the same mapping, with the
  heatmap width instead of ``W_c``, takes heatmap pixels back to the frame.

Everything is written with ``grid_sample`` so it is differentiable w.r.t. the frames.
Pixels outside the frame read as 0 (black), like OpenCV's constant border.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F


def full_frame_boxes(n: int, frame_size: Sequence[int], device=None) -> torch.Tensor:
    """``n×4`` boxes (x0, y0, x1, y1) covering whole ``(H, W)`` frames (MMPose's ``[0, 0, W, H]``)."""
    h, w = frame_size
    return torch.tensor([[0.0, 0.0, float(w), float(h)]], device=device).expand(n, 4).clone()


def boxes_to_center_size(boxes: torch.Tensor, aspect: float, padding: float = 1.25) -> tuple[torch.Tensor, torch.Tensor]:
    """Boxes ``B×4`` (x0, y0, x1, y1) -> centre ``B×2`` and crop size ``B×2`` (width, height) in pixels.

    ``aspect`` is the model input's width / height (192/256 for HRNet 256×192).
    """
    boxes = torch.as_tensor(boxes, dtype=torch.float32)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must be B×4 (x0, y0, x1, y1), got shape {tuple(boxes.shape)}")
    w = (boxes[:, 2] - boxes[:, 0]).clamp(min=1e-3)
    h = (boxes[:, 3] - boxes[:, 1]).clamp(min=1e-3)
    center = torch.stack([boxes[:, 0] + 0.5 * w, boxes[:, 1] + 0.5 * h], dim=1)
    wider = w > aspect * h
    w, h = torch.where(wider, w, h * aspect), torch.where(wider, w / aspect, h)
    return center, torch.stack([w, h], dim=1) * padding


def crop_to_frame(xy: torch.Tensor, center: torch.Tensor, size: torch.Tensor, grid_size: Sequence[int]) -> torch.Tensor:
    """Crop/heatmap-grid coordinates ``B×K×2`` (grid of ``(h, w)``) -> frame pixels ``B×K×2``."""
    gh, gw = grid_size
    per_px = size / size.new_tensor([gw, gh])
    return xy * per_px[:, None] + (center - 0.5 * size)[:, None]


def frame_to_crop(xy: torch.Tensor, center: torch.Tensor, size: torch.Tensor, grid_size: Sequence[int]) -> torch.Tensor:
    """Inverse of :func:`crop_to_frame`."""
    gh, gw = grid_size
    per_px = size / size.new_tensor([gw, gh])
    return (xy - (center - 0.5 * size)[:, None]) / per_px[:, None]


def _normalise(xy: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Pixel-index coordinates -> grid_sample's [-1, 1] (align_corners=True)."""
    return torch.stack([2 * xy[..., 0] / max(w - 1, 1) - 1, 2 * xy[..., 1] / max(h - 1, 1) - 1], dim=-1)


def crop(frames: torch.Tensor, center: torch.Tensor, size: torch.Tensor, out_size: Sequence[int]) -> torch.Tensor:
    """Bilinear crops ``B×C×h×w`` of frames ``B×C×H×W`` (MMPose's affine, no rotation)."""
    oh, ow = out_size
    b, _, h, w = frames.shape
    ys, xs = torch.meshgrid(
        torch.arange(oh, dtype=frames.dtype, device=frames.device),
        torch.arange(ow, dtype=frames.dtype, device=frames.device),
        indexing="ij",
    )
    grid_xy = torch.stack([xs, ys], dim=-1).reshape(1, -1, 2).expand(b, -1, -1)
    src = crop_to_frame(grid_xy, center.to(frames), size.to(frames), (oh, ow))
    grid = _normalise(src, h, w).reshape(b, oh, ow, 2)
    return F.grid_sample(frames, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def uncrop_heatmaps(
    heatmaps: torch.Tensor,
    center: torch.Tensor,
    size: torch.Tensor,
    frame_size: Sequence[int],
    out_size: Sequence[int],
) -> torch.Tensor:
    """Resample crop-grid heatmaps ``B×K×h×w`` onto a frame-aligned grid ``B×K×out_h×out_w``.

    Output pixel ``j`` sits at frame pixel ``(j + 0.5)·W/out_w - 0.5`` (the
    half-pixel convention of :mod:`slvg_bench.pose.heatmaps`); outside the crop
    the heatmaps are 0. Differentiable.
    """
    b, _, hh, hw = heatmaps.shape
    fh, fw = frame_size
    oh, ow = out_size
    ys = (torch.arange(oh, dtype=heatmaps.dtype, device=heatmaps.device) + 0.5) * fh / oh - 0.5
    xs = (torch.arange(ow, dtype=heatmaps.dtype, device=heatmaps.device) + 0.5) * fw / ow - 0.5
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    frame_xy = torch.stack([xx, yy], dim=-1).reshape(1, -1, 2).expand(b, -1, -1)
    hm_xy = frame_to_crop(frame_xy, center.to(heatmaps), size.to(heatmaps), (hh, hw))
    grid = _normalise(hm_xy, hh, hw).reshape(b, oh, ow, 2)
    return F.grid_sample(heatmaps, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
