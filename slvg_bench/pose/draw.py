"""Skeleton overlays on frames, for visual checks (``slvg-bench compare``, README pictures).

Colours follow the usual whole-body convention: person's left side green, right
side orange, face white, each finger its own colour; points with confidence
below ``threshold`` and limbs touching them are not drawn.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw

from slvg_bench.pose import layout as L

LEFT_COLOUR = (0, 220, 0)
RIGHT_COLOUR = (255, 128, 0)
CENTRE_COLOUR = (51, 153, 255)
FACE_COLOUR = (255, 255, 255)
FINGER_COLOURS = ((255, 60, 60), (255, 200, 0), (60, 220, 60), (0, 180, 255), (200, 80, 255))


def _limb_colours() -> list[tuple[tuple[int, int], tuple[int, int, int]]]:
    left = set(L.BODY_INDEX[n] for n in L.BODY_NAMES if n.startswith("left")) | set(L.FEET[:3])
    right = set(L.BODY_INDEX[n] for n in L.BODY_NAMES if n.startswith("right")) | set(L.FEET[3:])

    def side(a: int, b: int) -> tuple[int, int, int]:
        if a in left or b in left:
            return LEFT_COLOUR if not (a in right or b in right) else CENTRE_COLOUR
        return RIGHT_COLOUR if (a in right or b in right) else CENTRE_COLOUR

    out = [((a, b), side(a, b)) for a, b in L.BODY_LIMBS + L.FOOT_LIMBS]
    out += [((a, b), FACE_COLOUR) for a, b in L.FACE_LIMBS]
    out += [((a, b), LEFT_COLOUR if a == 9 else RIGHT_COLOUR) for a, b in L.WRIST_LINKS]
    for base in (L.LEFT_HAND[0], L.RIGHT_HAND[0]):
        for a, b in L._hand_limbs(base):
            out.append(((a, b), FINGER_COLOURS[(max(a, b) - base - 1) // 4]))
    return out


LIMB_COLOURS = _limb_colours()


def _point_colours() -> tuple[tuple[int, int, int], ...]:
    names = L.BODY_NAMES + L.FOOT_NAMES
    colours = []
    for k in range(L.NUM_KEYPOINTS):
        if k < len(names):
            n = names[k]
            colours.append(LEFT_COLOUR if n.startswith("left") else RIGHT_COLOUR if n.startswith("right") else CENTRE_COLOUR)
        elif k in L.FACE:
            colours.append(FACE_COLOUR)
        else:
            base = L.LEFT_HAND[0] if k in L.LEFT_HAND else L.RIGHT_HAND[0]
            side = LEFT_COLOUR if base == L.LEFT_HAND[0] else RIGHT_COLOUR
            colours.append(side if k == base else FINGER_COLOURS[(k - base - 1) // 4])
    return tuple(colours)


POINT_COLOURS = _point_colours()


def draw_keypoints_uint8(
    image: np.ndarray,
    keypoints: np.ndarray,
    threshold: float = 0.3,
    indices: Sequence[int] | None = None,
    radius: float | None = None,
    width: int | None = None,
) -> np.ndarray:
    """Draw one frame's skeleton: ``H×W×3`` uint8 + ``133×3`` keypoints -> a new ``H×W×3`` uint8.

    ``indices`` restricts drawing to a subset (e.g. ``layout.SIGN36``); radius and
    line width default to sizes that scale with the image.
    """
    h, w = image.shape[:2]
    radius = radius if radius is not None else max(1.0, min(h, w) / 128)
    width = width if width is not None else max(1, round(min(h, w) / 256))
    kp = np.asarray(keypoints, dtype=np.float32)
    shown = kp[:, 2] >= threshold
    if indices is not None:
        mask = np.zeros(len(kp), dtype=bool)
        mask[list(indices)] = True
        shown &= mask
    pil = Image.fromarray(np.ascontiguousarray(image))
    draw = ImageDraw.Draw(pil)
    for (a, b), colour in LIMB_COLOURS:
        if shown[a] and shown[b]:
            draw.line([(kp[a, 0], kp[a, 1]), (kp[b, 0], kp[b, 1])], fill=colour, width=width)
    for k in np.flatnonzero(shown):
        x, y = kp[k, 0], kp[k, 1]
        r = radius * (0.6 if k in L.FACE else 1.0)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=POINT_COLOURS[int(k)])
    return np.asarray(pil)


def draw_keypoints(
    frames: torch.Tensor,
    keypoints,
    threshold: float = 0.3,
    indices: Sequence[int] | None = None,
    radius: float | None = None,
    width: int | None = None,
) -> torch.Tensor:
    """Overlay skeletons on a video: frames ``T×3×H×W`` in [0, 1] + keypoints ``T×133×3`` -> ``T×3×H×W``."""
    from slvg_bench.video import to_float, to_uint8

    images = to_uint8(frames)
    kp = torch.as_tensor(keypoints).detach().cpu().float().numpy()
    if kp.ndim == 2:
        kp = kp[None]
    if len(kp) != len(images) or kp.shape[1:] != (L.NUM_KEYPOINTS, 3):
        raise ValueError(f"keypoints must be T×133×3 for {len(images)} frames, got shape {kp.shape}")
    out = np.stack([draw_keypoints_uint8(im, k, threshold, indices, radius, width) for im, k in zip(images, kp)])
    return to_float(out)


def keypoint_grid(images: Sequence[np.ndarray], rows: Sequence[Sequence[np.ndarray]], scale: int = 2) -> np.ndarray:
    """A picture: one column per image, first row the images, then one row per keypoint set.

    ``images``: uint8 ``H×W×3`` frames (same size); ``rows``: for each row, one ``133×3``
    keypoint array per image (e.g. ground truth, then an estimator's). Frames are
    upscaled by ``scale`` (Lanczos) so hands stay visible.
    """
    def up(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        return np.asarray(Image.fromarray(image).resize((w * scale, h * scale), Image.LANCZOS))

    def up_kp(kp: np.ndarray) -> np.ndarray:
        kp = np.array(kp, dtype=np.float32, copy=True)
        kp[:, :2] = (kp[:, :2] + 0.5) * scale - 0.5
        return kp

    big = [up(im) for im in images]
    lines = [np.concatenate(big, 1)]
    for row in rows:
        lines.append(np.concatenate([draw_keypoints_uint8(b, up_kp(k)) for b, k in zip(big, row)], 1))
    return np.concatenate(lines, 0)
