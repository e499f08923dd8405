"""Comparison pictures: side-by-side videos and frame grids (paper Fig. 5/6), with a zoomed hand row.

All functions take uint8 ``T×H×W×3`` videos (or float ``T×3×H×W`` in [0, 1]) and return
uint8 images; :func:`write_comparison` writes ``<stem>.mp4``, ``<stem>.gif`` and ``<stem>.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np


def _u8(video) -> np.ndarray:
    from slvg_bench.video import _as_uint8

    return _as_uint8(video)


def label_strip(text: str, width: int, height: int = 14) -> np.ndarray:
    """A white strip with black ``text`` (PIL's default font), ``height×width×3``."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), (255, 255, 255))
    ImageDraw.Draw(img).text((2, 1), text[: max(1, width // 6)], fill=(0, 0, 0))
    return np.asarray(img)


def side_by_side(videos: Sequence, labels: Sequence[str]) -> np.ndarray:
    """``T×(14+H)×(N·W)×3``: the videos next to each other (shortest length), labels on top."""
    arrs = [_u8(v) for v in videos]
    n = min(a.shape[0] for a in arrs)
    cols = []
    for a, lab in zip(arrs, labels):
        strip = label_strip(lab, a.shape[2])
        cols.append(np.concatenate([np.broadcast_to(strip, (n, *strip.shape)), a[:n]], axis=1))
    return np.concatenate(cols, axis=2)


def zoom_boxes(keypoints, frame_hw: tuple[int, int], region: str = "right-hand"):
    """Per-frame square boxes (fixed size) around ``region`` from target keypoints, or None."""
    from slvg_bench.metrics.region_boxes import region_boxes

    if keypoints is None:
        return None
    boxes = region_boxes(keypoints, region, frame_hw)
    return None if boxes.empty else boxes


def _box_at(boxes, frame: int) -> tuple[int, int, int]:
    """(top, left, size) of ``frame``, or of the nearest frame that has the region."""
    i = int(np.argmin(np.abs(boxes.frames - frame)))
    return int(boxes.top[i]), int(boxes.left[i]), boxes.size


def frame_grid(videos: Sequence, labels: Sequence[str], n_frames: int = 6, zoom=None) -> np.ndarray:
    """Rows = videos (target first), columns = ``n_frames`` evenly spaced frames; with ``zoom``
    (:func:`zoom_boxes`) a second grid of the hand crops, enlarged (nearest) to the frame height."""
    arrs = [_u8(v) for v in videos]
    t = min(a.shape[0] for a in arrs)
    picks = np.linspace(0, t - 1, min(n_frames, t)).round().astype(int)
    label_w = 64

    def row(a: np.ndarray, lab: str, boxes=None) -> np.ndarray:
        frames = a[picks]
        if boxes is not None:
            scale = max(1, a.shape[1] // boxes.size)
            crops = []
            for f, img in zip(picks, frames):
                top, left, s = _box_at(boxes, int(f))
                crops.append(img[top : top + s, left : left + s].repeat(scale, 0).repeat(scale, 1))
            frames = np.stack(crops)
        tiles = np.concatenate(list(frames), axis=1)
        side = np.full((tiles.shape[0], label_w, 3), 255, np.uint8)
        side[:14] = label_strip(lab, label_w)
        if boxes is not None and tiles.shape[0] >= 28:  # on its own line: "<method> (zoom)" did not fit 64 px
            side[14:28] = label_strip("(zoom)", label_w)
        return np.concatenate([side, tiles], axis=1)

    rows = [row(a, lab) for a, lab in zip(arrs, labels)]
    if zoom is not None:
        zrows = [row(a, lab, zoom) for a, lab in zip(arrs, labels)]
        width = max(r.shape[1] for r in rows + zrows)
        pad = lambda r: np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255)  # noqa: E731
        rows = [pad(r) for r in rows] + [np.full((4, width, 3), 255, np.uint8)] + [pad(r) for r in zrows]
    return np.concatenate(rows, axis=0)


def write_comparison(out_stem: str | Path, videos: Sequence, labels: Sequence[str], keypoints=None,
                     fps: float = 25.0, n_frames: int = 6) -> list[Path]:
    """``<stem>.mp4`` (side by side), ``<stem>.gif`` and ``<stem>.png`` (grid + zoomed hand row)."""
    from PIL import Image

    from slvg_bench.video import write_gif, write_mp4

    from slvg_bench.errors import output_error

    out_stem = Path(out_stem)
    try:
        out_stem.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise output_error(out_stem.parent, e, "create the folder") from e
    sbs = side_by_side(videos, labels)
    if sbs.shape[1] % 2 or sbs.shape[2] % 2:
        sbs = np.pad(sbs, ((0, 0), (0, sbs.shape[1] % 2), (0, sbs.shape[2] % 2), (0, 0)), constant_values=255)
    first = _u8(videos[0])
    zoom = zoom_boxes(keypoints, first.shape[1:3])
    grid = frame_grid(videos, labels, n_frames, zoom)
    # the stem may hold dots (a video id): append the suffixes, never replace the stem's last part
    mp4, gif, png = (out_stem.with_name(out_stem.name + s) for s in (".mp4", ".gif", ".png"))
    paths = [write_mp4(mp4, sbs, fps), write_gif(gif, sbs, fps / 2)]
    try:
        Image.fromarray(grid).save(png, optimize=True)
    except OSError as e:
        from slvg_bench.errors import output_error

        raise output_error(png, e) from e
    return paths + [png]
