"""Signer cropping: one fixed square box per video, then a resize to ``resolution``².

The box is computed once per video (so cropping never adds camera motion):

1. The signer's extent: the union over all frames of the confident keypoints of
   the signing region (face, upper body, hands; ``box_points="upper"``) and of
   the dataset's person box when it has one (WLASL's JSON ``bbox``). With neither,
   the extent is the whole frame (``mode="frame"`` always uses the whole frame).
2. A square around the extent's centre with side ``max(w, h) · (1 + 2·margin)``
   (``margin`` is added on each side; the whole-frame fallback gets no margin).
3. Fitting the square to the frame, by ``overflow``:
   - ``"clip"``: the square is shifted inside the frame and, when it is larger
     than the frame's short side, shrunk to it; its position along the long side
     then follows ``anchor`` (0 = top/left, 0.5 = centred, 1 = bottom/right) for
     the whole-frame fallback and the extent's centre otherwise.
   - ``"pad"``: the square is kept as is and the part outside the frame is black.

PHOENIX-2014T frames are 210 wide × 260 high and come without keypoints, so the
whole-frame fallback applies; its adapter uses ``overflow="pad"`` — a 260×260
square with 25 black columns on each side — which keeps the whole signer and
adds no distortion. ``overflow="clip", anchor=0`` gives the other documented
choice, the top 210×210 square.

Keypoints follow the crop: ``x' = (x + 0.5 − x0) · s − 0.5`` with
``s = resolution / side`` (pixel-centre convention, matching the image
resampling); points with confidence 0 stay (0, 0, 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from slvg_bench.errors import UsageError
from slvg_bench.pose.layout import FACE, HANDS

# body points 0-12: nose, eyes, ears, shoulders, elbows, wrists, hips (no knees/ankles/feet)
UPPER_POINTS = tuple(range(0, 13)) + FACE + HANDS
BOX_POINTS = {"upper": UPPER_POINTS, "all": tuple(range(133))}
RESAMPLE = ("lanczos", "bicubic", "bilinear", "area")
OVERFLOW = ("clip", "pad")
MODES = ("signer", "frame")


@dataclass
class CropConfig:
    """How a video becomes ``resolution × resolution`` frames (part of the cache key).

    Attributes:
        resolution: output side in pixels (the paper uses 128).
        mode: ``"signer"`` (box from keypoints / person box, else whole frame) or
            ``"frame"`` (always the whole frame).
        margin: fraction of the extent's larger side added on each side.
        overflow: ``"clip"`` (square stays inside the frame) or ``"pad"`` (black outside).
        anchor: position of the clipped whole-frame square along the long side.
        min_confidence: keypoints below this confidence do not count for the box.
        box_points: which keypoints make the extent: ``"upper"`` or ``"all"``.
        resample: ``"lanczos"``, ``"bicubic"``, ``"bilinear"`` or ``"area"`` (box filter).
    """

    resolution: int = 128
    mode: str = "signer"
    margin: float = 0.1
    overflow: str = "clip"
    anchor: float = 0.5
    min_confidence: float = 0.3
    box_points: str = "upper"
    resample: str = "lanczos"

    def validate(self) -> "CropConfig":
        checks = [
            (self.resolution >= 8, f"crop resolution must be >= 8, got {self.resolution}"),
            (self.mode in MODES, f"crop mode must be one of {MODES}, got {self.mode!r}"),
            (self.margin >= 0, f"crop margin must be >= 0, got {self.margin}"),
            (self.overflow in OVERFLOW, f"crop overflow must be one of {OVERFLOW}, got {self.overflow!r}"),
            (0 <= self.anchor <= 1, f"crop anchor must be in [0, 1], got {self.anchor}"),
            (self.box_points in BOX_POINTS, f"crop box_points must be one of {tuple(BOX_POINTS)}, got {self.box_points!r}"),
            (self.resample in RESAMPLE, f"crop resample must be one of {RESAMPLE}, got {self.resample!r}"),
        ]
        for ok, msg in checks:
            if not ok:
                raise UsageError(msg)
        return self


@dataclass(frozen=True)
class SquareBox:
    """A square in source pixels: columns ``x0 .. x0+side``, rows ``y0 .. y0+side`` (may exceed the frame when padded)."""

    x0: int
    y0: int
    side: int

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.x0, self.y0, self.side)


def keypoint_extent(keypoints: np.ndarray, min_confidence: float, points: str = "upper") -> Optional[tuple]:
    """Union box ``(x0, y0, x1, y1)`` of confident keypoints over all frames, or None.

    keypoints: ``T×133×3`` (x, y in source pixels, confidence).
    """
    kp = np.asarray(keypoints, dtype=np.float32)[:, list(BOX_POINTS[points])]
    ok = kp[..., 2] >= max(min_confidence, 1e-6)
    if not ok.any():
        return None
    xs, ys = kp[..., 0][ok], kp[..., 1][ok]
    return (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


def _union(a: Optional[tuple], b: Optional[tuple]) -> Optional[tuple]:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _place(center: float, side: int, length: int) -> int:
    """Start of a segment of ``side`` centred at ``center``, shifted to lie in ``[0, length]``."""
    start = int(round(center - side / 2))
    return min(max(start, 0), length - side)


def signer_box(
    height: int,
    width: int,
    cfg: CropConfig,
    keypoints: Optional[np.ndarray] = None,
    person_box: Optional[tuple] = None,
) -> SquareBox:
    """The fixed square crop of one video (see the module docstring for the rule).

    Args:
        height, width: source frame size.
        keypoints: ``T×133×3`` in source pixels, or None.
        person_box: ``(x0, y0, x1, y1)`` in source pixels (e.g. WLASL's bbox), or None.
    """
    extent = None
    if cfg.mode == "signer":
        if keypoints is not None:
            extent = keypoint_extent(keypoints, cfg.min_confidence, cfg.box_points)
        if person_box is not None:
            x0, y0, x1, y1 = (float(v) for v in person_box)
            if x1 > x0 and y1 > y0:
                extent = _union(extent, (x0, y0, x1, y1))
    short, long_ = min(height, width), max(height, width)
    if extent is None:  # whole frame: no margin
        if cfg.overflow == "pad":
            side = long_
            return SquareBox(int((width - side) // 2), int((height - side) // 2), side)
        side = short
        x0 = int(round((width - side) * (cfg.anchor if width > height else 0.5)))
        y0 = int(round((height - side) * (cfg.anchor if height > width else 0.5)))
        return SquareBox(x0, y0, side)
    # clip the extent to the frame first (detections may stick out a little)
    ex0, ey0 = max(extent[0], 0.0), max(extent[1], 0.0)
    ex1, ey1 = min(extent[2], float(width)), min(extent[3], float(height))
    if ex1 <= ex0 or ey1 <= ey0:  # extent lies outside the frame: use the whole frame
        return signer_box(height, width, CropConfig(**{**cfg.__dict__, "mode": "frame"}))
    cx, cy = (ex0 + ex1) / 2, (ey0 + ey1) / 2
    side = max(1, int(round(max(ex1 - ex0, ey1 - ey0) * (1 + 2 * cfg.margin))))
    if cfg.overflow == "pad":
        return SquareBox(int(round(cx - side / 2)), int(round(cy - side / 2)), side)
    side = min(side, short)
    return SquareBox(_place(cx, side, width), _place(cy, side, height), side)


def _pil_filter(name: str):
    from PIL import Image

    return {
        "lanczos": Image.Resampling.LANCZOS,
        "bicubic": Image.Resampling.BICUBIC,
        "bilinear": Image.Resampling.BILINEAR,
        "area": Image.Resampling.BOX,
    }[name]


def crop_frame(frame: np.ndarray, box: SquareBox) -> np.ndarray:
    """Cut ``box`` out of a uint8 ``H×W×3`` frame, black where it lies outside."""
    h, w = frame.shape[:2]
    x0, y0, s = box.x0, box.y0, box.side
    if x0 >= 0 and y0 >= 0 and x0 + s <= w and y0 + s <= h:
        return frame[y0 : y0 + s, x0 : x0 + s]
    out = np.zeros((s, s, frame.shape[2]), dtype=frame.dtype)
    sx0, sy0 = max(x0, 0), max(y0, 0)
    sx1, sy1 = min(x0 + s, w), min(y0 + s, h)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = frame[sy0:sy1, sx0:sx1]
    return out


def crop_resize(frames: np.ndarray, box: SquareBox, resolution: int, resample: str = "lanczos") -> np.ndarray:
    """uint8 ``T×H×W×3`` -> uint8 ``T×R×R×3``: the box of every frame resized to ``resolution``."""
    from PIL import Image

    flt = _pil_filter(resample)
    out = np.empty((len(frames), resolution, resolution, 3), dtype=np.uint8)
    for t, frame in enumerate(frames):
        patch = crop_frame(frame, box)
        if patch.shape[0] == resolution:
            out[t] = patch
        else:
            out[t] = np.asarray(Image.fromarray(np.ascontiguousarray(patch)).resize((resolution, resolution), flt))
    return out


def transform_keypoints(keypoints: np.ndarray, box: SquareBox, resolution: int) -> np.ndarray:
    """``T×133×3`` source-pixel keypoints -> pixels of the ``resolution``² crop (confidence kept).

    Points with confidence 0 become (0, 0, 0); points that fall outside the crop keep
    their (out-of-range) coordinates and confidence.
    """
    kp = np.asarray(keypoints, dtype=np.float32).copy()
    scale = resolution / box.side
    kp[..., 0] = (kp[..., 0] + 0.5 - box.x0) * scale - 0.5
    kp[..., 1] = (kp[..., 1] + 0.5 - box.y0) * scale - 0.5
    kp[kp[..., 2] <= 0] = 0.0
    return kp
