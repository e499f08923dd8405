"""Draw synthsign frames with PIL at 4× the output size, then box-downsample (anti-aliasing).

The drawing uses exactly the points of :mod:`slvg_bench.data.synthsign.skeleton`,
so every keypoint sits on the part it names. Static layers (background, torso
with its clothing pattern) are drawn once per identity and reused.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from slvg_bench.data.synthsign.identities import Identity, make_identity, shade
from slvg_bench.data.synthsign.skeleton import FINGER_WIDTH, BodyGeometry, FrameGeometry, body_geometry

SUPERSAMPLE = 4


def _pts(arr: np.ndarray, size: int) -> list[tuple[float, float]]:
    return [(float(x) * size, float(y) * size) for x, y in np.asarray(arr).reshape(-1, 2)]


def _disc(draw: ImageDraw.ImageDraw, centre, radius: float, fill) -> None:
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)


def _thick_polyline(draw, points, width: float, fill, outline=None, outline_px: float = 0.0) -> None:
    """A polyline with round joints and caps (optionally outlined)."""
    layers = ([(outline, width + 2 * outline_px)] if outline is not None else []) + [(fill, width)]
    for colour, w in layers:
        if len(points) > 1:
            draw.line(points, fill=colour, width=max(1, int(round(w))))
        for p in points:
            _disc(draw, p, w / 2, colour)


def _ellipse_poly(centre, rx: float, ry: float, tilt: float, start: float = 0.0, stop: float = 2 * np.pi, n: int = 64):
    th = np.linspace(start, stop, n)
    pts = np.stack([rx * np.cos(th), ry * np.sin(th)], 1)
    c, s = np.cos(tilt), np.sin(tilt)
    return pts @ np.array([[c, s], [-s, c]]) + centre


def _local(centre, tilt: float, pts) -> np.ndarray:
    c, s = np.cos(tilt), np.sin(tilt)
    return np.asarray(pts, float) @ np.array([[c, s], [-s, c]]) + centre


@lru_cache(maxsize=32)
def static_layers(identity_index: int, size: int) -> tuple[Image.Image, Image.Image]:
    """(background RGB, torso+neck RGBA) at ``size`` pixels for one identity."""
    ident = make_identity(identity_index)
    geo = body_geometry(ident)
    top, bottom = np.array(ident.background_top, float), np.array(ident.background_bottom, float)
    ramp = np.linspace(0, 1, size)[:, None, None]
    bg = np.broadcast_to(top * (1 - ramp) + bottom * ramp, (size, size, 3)).copy()
    if ident.background_style == "panel":
        y0 = int(size * 0.42)
        bg[y0:, :, :] *= 0.82
        bg[y0 : y0 + size // 64, :, :] *= 0.7
    elif ident.background_style == "stripes":
        period = size // 8
        cols = (np.arange(size) // (period // 2)) % 2 == 0
        bg[:, cols, :] *= 0.93
    background = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8), "RGB")

    torso = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(torso)
    cx, sy, sw = geo.cx, geo.shoulder_y, geo.shoulder_half
    neck_top = geo.head_y + 0.55 * geo.head_ry
    nh = geo.neck_half
    d.polygon(_pts([(cx - nh, neck_top), (cx + nh, neck_top), (cx + nh * 1.1, sy), (cx - nh * 1.1, sy)], size),
              fill=shade(ident.skin, 0.86) + (255,))
    body = [(cx - nh * 1.3, sy - 0.03), (cx - sw * 0.75, sy - 0.012), (cx - sw - 0.02, sy + 0.02),
            (cx - sw - 0.05, sy + 0.12), (cx - sw - 0.055, 1.05), (cx + sw + 0.055, 1.05),
            (cx + sw + 0.05, sy + 0.12), (cx + sw + 0.02, sy + 0.02), (cx + sw * 0.75, sy - 0.012),
            (cx + nh * 1.3, sy - 0.03)]  # fmt: skip
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).polygon(_pts(body, size), fill=255)
    cloth = Image.new("RGBA", (size, size), ident.shirt + (255,))
    _draw_pattern(ImageDraw.Draw(cloth), ident, size)
    torso.paste(cloth, (0, 0), mask)
    # collar: a V of the accent colour, then skin inside it
    collar = [(cx - nh * 1.3, sy - 0.03), (cx, sy + 0.06), (cx + nh * 1.3, sy - 0.03)]
    d.polygon(_pts(collar, size), fill=shade(ident.skin, 0.9) + (255,))
    d.line(_pts(collar, size), fill=ident.shirt_accent + (255,), width=max(1, size // 90), joint="curve")
    d.line(_pts(body, size), fill=shade(ident.shirt, 0.6) + (255,), width=max(1, size // 160))
    return background, torso


def _draw_pattern(d: ImageDraw.ImageDraw, ident: Identity, size: int) -> None:
    col = ident.shirt_accent + (255,)
    step = size // 16
    if ident.pattern == "hstripes":
        for y in range(0, size, step):
            d.rectangle((0, y, size, y + step // 3), fill=col)
    elif ident.pattern == "vstripes":
        for x in range(0, size, step):
            d.rectangle((x, 0, x + step // 3, size), fill=col)
    elif ident.pattern == "dots":
        for y in range(step // 2, size, step):
            for x in range(step // 2 + (y // step % 2) * step // 2, size, step):
                _disc(d, (x, y), step / 6, col)
    elif ident.pattern == "checks":
        for y in range(0, size, step):
            for x in range(0, size, step):
                if (x // step + y // step) % 2 == 0:
                    d.rectangle((x, y, x + step - 1, y + step - 1), fill=col)
    elif ident.pattern == "chevron":
        for y in range(0, size + step, step):
            pts = [(x, y + (step // 2 if (x // step) % 2 else 0)) for x in range(0, size + step, step)]
            d.line(pts, fill=col, width=max(1, step // 4))


def _draw_hair_back(d, ident: Identity, geo: BodyGeometry, fg: FrameGeometry, size: int) -> None:
    rx, ry = geo.head_rx, geo.head_ry
    if ident.hair_style == "long":
        poly = [(-1.18 * rx, -0.2 * ry), (1.18 * rx, -0.2 * ry), (1.3 * rx, 1.55 * ry), (-1.3 * rx, 1.55 * ry)]
    elif ident.hair_style == "bob":
        poly = [(-1.15 * rx, -0.3 * ry), (1.15 * rx, -0.3 * ry), (1.18 * rx, 0.75 * ry), (-1.18 * rx, 0.75 * ry)]
    else:
        return
    d.polygon(_pts(_local(fg.head_centre, fg.head_tilt, poly), size), fill=ident.hair_colour)


def _draw_head(d, ident: Identity, geo: BodyGeometry, fg: FrameGeometry, size: int) -> None:
    rx, ry, c, tilt = geo.head_rx, geo.head_ry, fg.head_centre, fg.head_tilt
    skin, outline = ident.skin, shade(ident.skin, 0.7)
    for sx in (-1, 1):  # ears
        ear = _ellipse_poly(_local(c, tilt, [(sx * rx * 0.98, -0.02 * ry)])[0], 0.22 * rx, 0.3 * ry, tilt, n=24)
        d.polygon(_pts(ear, size), fill=shade(skin, 0.93), outline=outline)
    d.polygon(_pts(_ellipse_poly(c, rx, ry, tilt), size), fill=skin, outline=outline)
    hair = ident.hair_colour
    style = ident.hair_style
    if style in ("short", "long", "bun", "bob", "curly"):
        cap = _ellipse_poly(c, rx * 1.06, ry * 1.06, tilt, np.pi + 0.15, 2 * np.pi - 0.15, 40)
        line_th = np.linspace(-0.15, np.pi + 0.15, 20)  # hairline across the forehead
        dip = 0.56 if style != "bob" else 0.45
        hl = np.stack([rx * 0.99 * np.cos(line_th), -ry * (dip + 0.1 * np.sin(line_th) * 0)], 1)
        hl[:, 1] -= ry * 0.08 * np.cos(line_th) ** 2
        front = np.concatenate([cap, _local(c, tilt, hl)])
        d.polygon(_pts(front, size), fill=hair)
    if style == "bun":
        d.polygon(_pts(_ellipse_poly(_local(c, tilt, [(0, -1.12 * ry)])[0], 0.42 * rx, 0.32 * ry, tilt, n=32), size), fill=hair)
    if style == "curly":
        for th in np.linspace(np.pi + 0.1, 2 * np.pi - 0.1, 9):
            p = _local(c, tilt, [(1.02 * rx * np.cos(th), 1.02 * ry * np.sin(th))])[0]
            _disc(d, (p[0] * size, p[1] * size), 0.2 * rx * size, hair)
    if style == "bald":
        shine = _ellipse_poly(_local(c, tilt, [(-0.35 * rx, -0.6 * ry)])[0], 0.18 * rx, 0.1 * ry, tilt, n=20)
        d.polygon(_pts(shine, size), fill=shade(skin, 1.08))
    face = fg.face
    brow_w = 0.11 * ry * size
    _thick_polyline(d, _pts(face[17:22], size), brow_w, shade(hair, 0.9))
    _thick_polyline(d, _pts(face[22:27], size), brow_w, shade(hair, 0.9))
    d.line(_pts(face[27:31], size), fill=shade(skin, 0.8), width=max(1, size // 256))
    d.line(_pts(face[31:36], size), fill=shade(skin, 0.62), width=max(1, size // 170), joint="curve")
    for k in range(2):
        eye = face[36 + 6 * k : 42 + 6 * k]
        if fg.eye_open > 0.25:
            d.polygon(_pts(eye, size), fill=(245, 245, 245), outline=(40, 30, 30))
            ec = eye.mean(0)
            r = min(0.085 * ry, 0.5 * np.linalg.norm(eye[1] - eye[5])) * size
            _disc(d, (ec[0] * size, ec[1] * size), r, ident.iris)
            _disc(d, (ec[0] * size, ec[1] * size), r * 0.45, (10, 10, 10))
        else:
            d.line(_pts(eye[[0, 1, 2, 3]], size), fill=(40, 30, 30), width=max(1, size // 200))
    outer = face[48:60]
    d.polygon(_pts(outer, size), fill=ident.lips, outline=shade(ident.lips, 0.7))
    if fg.mouth_open > 0.06:
        inner = face[60:68]
        d.polygon(_pts(inner, size), fill=(70, 20, 28))
        teeth = np.concatenate([face[60:65], face[60:65][::-1] + np.array([0, 0.02 * ry])])
        d.polygon(_pts(teeth, size), fill=(235, 235, 225))
    else:
        d.line(_pts(face[[48, 60, 61, 62, 63, 64, 54]], size), fill=shade(ident.lips, 0.55), width=max(1, size // 220))


def _draw_arm(d, ident: Identity, fg: FrameGeometry, k: int, size: int) -> None:
    sleeve, sleeve_dark = ident.shirt, shade(ident.shirt, 0.62)
    upper = _pts([fg.shoulders[k], fg.elbows[k]], size)
    fore = _pts([fg.elbows[k], fg.wrists[k]], size)
    _thick_polyline(d, upper, 0.085 * size, sleeve, sleeve_dark, size / 256)
    if ident.long_sleeves:
        _thick_polyline(d, fore, 0.066 * size, sleeve, sleeve_dark, size / 256)
    else:
        mid = (np.asarray(fg.elbows[k]) * 0.65 + np.asarray(fg.wrists[k]) * 0.35)
        _thick_polyline(d, fore, 0.054 * size, ident.skin, shade(ident.skin, 0.7), size / 256)
        _thick_polyline(d, _pts([fg.elbows[k], mid], size), 0.072 * size, sleeve, sleeve_dark, size / 256)


def _draw_hand(d, ident: Identity, hand: np.ndarray, size: int, scale: float) -> None:
    skin, outline = ident.skin, shade(ident.skin, 0.62)
    w = FINGER_WIDTH * scale * size
    o = max(1.0, size / 200)
    wrist = hand[0]
    palm = np.stack([wrist + (hand[1] - wrist) * 0.9, hand[5], hand[9], hand[13], hand[17],
                     wrist + (hand[17] - hand[5]) * 0.25 + (wrist - hand[9]) * 0.02])  # fmt: skip
    d.polygon(_pts(palm, size), fill=skin, outline=outline)
    _disc(d, (wrist[0] * size, wrist[1] * size), w * 1.1, skin)
    for finger in (4, 3, 2, 1):  # pinky .. index, then the thumb on top
        base = 1 + 4 * finger
        _thick_polyline(d, _pts(hand[base : base + 4], size), w, skin, outline, o)
    _thick_polyline(d, _pts(hand[1:5], size), w * 1.15, skin, outline, o)
    for tip in (4, 8, 12, 16, 20):  # nails make the fingertips visible at low resolution
        _disc(d, (hand[tip, 0] * size, hand[tip, 1] * size), w * 0.28, shade(skin, 1.12))


def render_frame(identity: Identity, geo: BodyGeometry, fg: FrameGeometry, resolution: int) -> np.ndarray:
    """One frame as uint8 ``H×W×3``."""
    size = resolution * SUPERSAMPLE
    background, torso = static_layers(identity.index, size)
    img = background.copy()
    d = ImageDraw.Draw(img)
    _draw_hair_back(d, identity, geo, fg, size)
    img.paste(torso, (0, 0), torso)
    d = ImageDraw.Draw(img)
    for k in (0, 1):
        _draw_arm(d, identity, fg, k, size)
    _draw_head(d, identity, geo, fg, size)
    for k in np.argsort(fg.hand_depth, kind="stable"):
        _draw_hand(d, identity, fg.hands[k], size, geo.hand_scale)
    return np.asarray(img.reduce(SUPERSAMPLE), dtype=np.uint8)


def background_frame(identity: Identity, resolution: int) -> np.ndarray:
    """The identity's empty background at ``resolution`` (for tests and masks)."""
    bg, _ = static_layers(identity.index, resolution * SUPERSAMPLE)
    return np.asarray(bg.reduce(SUPERSAMPLE), dtype=np.uint8)
