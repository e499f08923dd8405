"""Pose maps: the semantic input of DynaST, rendered from keypoints.

One function, :func:`pose_maps`, renders ``B×C×S×S`` maps in [0, 1] from keypoints
with one of the registered encodings:

- ``deepfashion20`` — the official DeepFashion encoding (20 channels), needed to
  run the released checkpoint: channels 0–2 are an RGB render of the 18-point
  OpenPose skeleton (joint discs of radius 4 in per-joint colours, then the 17
  limbs as ellipses of half-width 4 alpha-blended 0.4 old / 0.6 colour, in
  order), channels 3–19 are per-limb L1 distance maps ``min(floor(d / 3), 255) / 255``
  where ``d`` is the city-block distance to the limb's ellipse. A limb with a
  missing endpoint has no ellipse, so its map is 1 everywhere (the official
  OpenCV transform of an all-background image returns FLT_MAX, clipped to 255).
  Input keypoints are either OpenPose-18 (``B×18×3``) or COCO-WholeBody
  (``B×133×3``; neck = the shoulders' midpoint).
- ``wholebody`` — the sign-language encoding over all 133 COCO-WholeBody points:
  the same construction with the limb list body + feet + wrist→hand links +
  face + both hands (:data:`WHOLEBODY_POSE_LIMBS`), so channels = 3 + number of
  limbs = 133. Colours go round the hue circle along the limb list; each joint
  takes the colour of its first limb. Thin strokes (radius 1, half-width 1)
  keep fingers apart at 128×128.

Rendering happens at the output size: keypoints (pixels of a ``frame_size``
frame) are scaled to ``S×S`` first. Differences from the official pipeline,
which renders at the source image size and then resizes: none when the source
is already ``S×S``. A point is present when its confidence exceeds
``min_confidence``.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from baselines.dynast.pose_render import disc_mask, ellipse_row_spans, limb_ellipses, span_l1_distance
from slvg_bench.pose import layout
from slvg_bench.registry import Registry

Color = tuple[int, int, int]


@dataclass(frozen=True)
class PoseEncoding:
    """How keypoints become a pose map.

    Attributes:
        name: registry id.
        num_points: points after :attr:`to_points` (18 or 133).
        limbs: pairs of point indices, drawn (and given a distance channel) in this order.
        joint_colors, limb_colors: drawing colours in OpenCV's BGR order (as the official code).
        joint_radius, stick_width: disc radius and limb half-width in output pixels.
        to_points: ``B×K×3`` keypoints -> ``B×num_points×3`` in this encoding's point order.
    """

    name: str
    num_points: int
    limbs: tuple[tuple[int, int], ...]
    joint_colors: tuple[Color, ...]
    limb_colors: tuple[Color, ...]
    joint_radius: int
    stick_width: int
    to_points: Callable[[np.ndarray], np.ndarray]

    @property
    def channels(self) -> int:
        return 3 + len(self.limbs)


# ------------------------------------------------------------------ deepfashion20 (official)

# OpenPose COCO-18 order: nose, neck, r-shoulder, r-elbow, r-wrist, l-shoulder, l-elbow, l-wrist,
# r-hip, r-knee, r-ankle, l-hip, l-knee, l-ankle, r-eye, l-eye, r-ear, l-ear.
_OPENPOSE_FROM_COCO = (0, -1, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3)  # -1 = neck
# The official limb sequence (first 17 of OpenPose's 19 pairs), 0-based.
DEEPFASHION_LIMBS = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10),
    (1, 11), (11, 12), (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)  # fmt: skip
DEEPFASHION_COLORS = (
    (255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0), (0, 255, 0),
    (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255), (0, 0, 255), (85, 0, 255),
    (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85),
)  # fmt: skip


def openpose18_from_keypoints(kp: np.ndarray) -> np.ndarray:
    """``B×18×3`` OpenPose-order points from OpenPose-18 or COCO-WholeBody-133 keypoints."""
    if kp.shape[1] == 18:
        return kp
    if kp.shape[1] != layout.NUM_KEYPOINTS:
        raise ValueError(f"deepfashion20 needs 18 OpenPose or 133 COCO-WholeBody keypoints, got {kp.shape[1]}")
    out = kp[:, [max(i, 0) for i in _OPENPOSE_FROM_COCO]].copy()
    ls, rs = kp[:, layout.BODY_INDEX["left_shoulder"]], kp[:, layout.BODY_INDEX["right_shoulder"]]
    out[:, 1, :2] = (ls[:, :2] + rs[:, :2]) / 2
    out[:, 1, 2] = np.minimum(ls[:, 2], rs[:, 2])  # the neck exists only when both shoulders do
    return out


DEEPFASHION20 = PoseEncoding(
    name="deepfashion20",
    num_points=18,
    limbs=DEEPFASHION_LIMBS,
    joint_colors=DEEPFASHION_COLORS,
    limb_colors=DEEPFASHION_COLORS[: len(DEEPFASHION_LIMBS)],
    joint_radius=4,
    stick_width=4,
    to_points=openpose18_from_keypoints,
)

# ------------------------------------------------------------------ wholebody (sign language)

WHOLEBODY_POSE_LIMBS: tuple[tuple[int, int], ...] = tuple(
    layout.BODY_LIMBS + layout.FOOT_LIMBS + layout.WRIST_LINKS + layout.FACE_LIMBS
    + layout.LEFT_HAND_LIMBS + layout.RIGHT_HAND_LIMBS
)  # fmt: skip


def _hue_colors(n: int) -> tuple[Color, ...]:
    rgb = [colorsys.hsv_to_rgb(i / n, 1.0, 1.0) for i in range(n)]
    return tuple((round(255 * b), round(255 * g), round(255 * r)) for r, g, b in rgb)  # BGR


def _joint_colors(limbs: Sequence[tuple[int, int]], limb_colors: Sequence[Color], n: int) -> tuple[Color, ...]:
    colors: list[Optional[Color]] = [None] * n
    for (i, j), c in zip(limbs, limb_colors):
        for p in (i, j):
            if colors[p] is None:
                colors[p] = c
    return tuple(c if c is not None else (128, 128, 128) for c in colors)


def _wholebody_points(kp: np.ndarray) -> np.ndarray:
    if kp.shape[1] != layout.NUM_KEYPOINTS:
        raise ValueError(f"wholebody needs 133 COCO-WholeBody keypoints, got {kp.shape[1]}")
    return kp


_WB_LIMB_COLORS = _hue_colors(len(WHOLEBODY_POSE_LIMBS))
WHOLEBODY = PoseEncoding(
    name="wholebody",
    num_points=layout.NUM_KEYPOINTS,
    limbs=WHOLEBODY_POSE_LIMBS,
    joint_colors=_joint_colors(WHOLEBODY_POSE_LIMBS, _WB_LIMB_COLORS, layout.NUM_KEYPOINTS),
    limb_colors=_WB_LIMB_COLORS,
    joint_radius=1,
    stick_width=1,
    to_points=_wholebody_points,
)

ENCODINGS: Registry[PoseEncoding] = Registry("pose encoding")
ENCODINGS.register("deepfashion20", DEEPFASHION20)
ENCODINGS.register("wholebody", WHOLEBODY)


def get_encoding(name: str) -> PoseEncoding:
    """The registered encoding (unknown names list the valid ones)."""
    return ENCODINGS.get(name)


def pose_channels(name: str) -> int:
    """Number of channels of an encoding's maps (20 for deepfashion20, 133 for wholebody)."""
    return get_encoding(name).channels


# ------------------------------------------------------------------ rendering


def _skeleton_rgb(
    points: np.ndarray, present: np.ndarray, spans: dict[int, tuple[np.ndarray, np.ndarray]], enc: PoseEncoding,
    size: int, radius: int,
) -> np.ndarray:
    """``S×S×3`` uint8 RGB skeleton of one frame: joint discs, then limbs blended 0.4 / 0.6 in order."""
    canvas = np.zeros((size, size, 3), dtype=np.uint8)  # BGR, like the official OpenCV canvas
    for j in np.flatnonzero(present):
        x, y = points[j, 0], points[j, 1]
        x0, y0 = max(int(x) - radius, 0), max(int(y) - radius, 0)
        x1, y1 = min(int(x) + radius + 1, size), min(int(y) + radius + 1, size)
        if x0 >= x1 or y0 >= y1:
            continue
        m = disc_mask((y1 - y0, x1 - x0), x - x0, y - y0, radius)
        canvas[y0:y1, x0:x1][m] = enc.joint_colors[j]
    cols = np.arange(size)
    for limb, (lo, hi) in spans.items():
        rows = np.flatnonzero(hi >= np.maximum(lo, 0))
        rows = rows[lo[rows] < size]
        if rows.size == 0:
            continue
        r0, r1 = rows[0], rows[-1] + 1
        m = (cols >= lo[r0:r1, None]) & (cols <= hi[r0:r1, None])
        region = canvas[r0:r1]
        blended = np.rint(0.4 * region[m] + 0.6 * np.asarray(enc.limb_colors[limb], dtype=np.float64))
        region[m] = blended.astype(np.uint8)
    return canvas[..., ::-1]


def pose_maps(
    keypoints,
    size: int,
    encoding: str = "wholebody",
    *,
    frame_size: Optional[tuple[int, int]] = None,
    min_confidence: float = 0.0,
    joint_radius: Optional[int] = None,
    stick_width: Optional[int] = None,
    device: Optional[torch.device | str] = None,
) -> torch.Tensor:
    """Render pose maps from keypoints.

    Args:
        keypoints: ``B×K×3`` (x, y in pixels of a ``frame_size`` frame, confidence), tensor or array;
            K = 133 (COCO-WholeBody), or 18 (OpenPose order) for ``deepfashion20``.
        size: output side S (the model's crop size).
        encoding: a registered encoding id (``deepfashion20`` or ``wholebody``).
        frame_size: ``(H, W)`` of the frame the keypoints refer to (default ``(S, S)``).
        min_confidence: a point is present when its confidence is strictly greater.
        joint_radius, stick_width: override the encoding's stroke sizes (output pixels).
        device: where the maps are returned (the distance maps are computed there).

    Returns:
        ``B×C×S×S`` float32 in [0, 1]; C = :func:`pose_channels`.
    """
    enc = get_encoding(encoding)
    radius = enc.joint_radius if joint_radius is None else joint_radius
    width = enc.stick_width if stick_width is None else stick_width
    kp = keypoints.detach().cpu().numpy() if isinstance(keypoints, torch.Tensor) else np.asarray(keypoints)
    if kp.ndim != 3 or kp.shape[-1] != 3:
        raise ValueError(f"keypoints must be B×K×3, got shape {tuple(kp.shape)}")
    pts = enc.to_points(kp.astype(np.float64))
    fh, fw = frame_size or (size, size)
    pts = pts * np.array([size / fw, size / fh, 1.0])
    present = np.isfinite(pts).all(-1) & (pts[..., 2] > min_confidence)

    limbs = np.asarray(enc.limbs, dtype=np.int64)
    limb_present = present[:, limbs[:, 0]] & present[:, limbs[:, 1]]  # B×L
    b_idx, l_idx = np.nonzero(limb_present)
    p0 = pts[b_idx, limbs[l_idx, 0], :2]
    p1 = pts[b_idx, limbs[l_idx, 1], :2]
    lo, hi = ellipse_row_spans(size, *limb_ellipses(p0, p1, width))

    device = torch.device(device) if device is not None else torch.device("cpu")
    batch, channels = kp.shape[0], enc.channels
    out = torch.empty(batch, channels, size, size, dtype=torch.float32, device=device)
    flat = out.view(batch * channels, size, size)
    for b in range(batch):
        sel = np.flatnonzero(b_idx == b)
        spans = {int(l_idx[i]): (lo[i], hi[i]) for i in sel}
        rgb = _skeleton_rgb(pts[b], present[b], spans, enc, size, radius)
        out[b, :3] = torch.from_numpy(np.ascontiguousarray(rgb)).to(device).permute(2, 0, 1).float() / 255.0
    missing_b, missing_l = np.nonzero(~limb_present)
    if len(missing_b):  # no ellipse: infinitely far everywhere -> the top level
        flat.index_fill_(0, torch.from_numpy(missing_b * channels + 3 + missing_l).to(device), 1.0)
    if len(b_idx):
        levels = span_l1_distance(torch.from_numpy(lo).to(device), torch.from_numpy(hi).to(device), size)
        levels.div_(3.0).floor_().clamp_(max=255.0).div_(255.0)  # the official uint8 quantisation; inf -> 1
        flat.index_copy_(0, torch.from_numpy(b_idx * channels + 3 + l_idx).to(device), levels)
    return out
