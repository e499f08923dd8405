"""Per-frame pose parameters of a synthsign video: signs, transitions, idle motion.

A video is planned as: rest hold -> transition -> sign 1 -> transition -> ...
-> sign n -> transition -> rest hold. Each frame gets a state vector (both hands'
centre position, depth, orientation, finger flexion and spread; mouth opening
and width; brow height); transitions ease between the end of one segment and
the start of the next, and a light Gaussian smoothing makes motion natural.
Head sway and eye blinks are added on top. States are for a right-handed signer
("dom" = the person's right hand); :func:`plan_video` mirrors them for left-handed
identities and returns per-hand states keyed by the person's side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from slvg_bench.data.synthsign.identities import Identity
from slvg_bench.data.synthsign.skeleton import BodyGeometry, body_geometry
from slvg_bench.data.synthsign.vocabulary import (
    BROWS,
    HANDSHAPES,
    LOCATIONS,
    MOUTH_SHAPES,
    REST_SHAPE,
    SIGN_BY_GLOSS,
    Sign,
)

# layout of the state vector
HAND_FIELDS = ("x", "y", "z", "angle", "f0", "f1", "f2", "f3", "f4", "spread")
FIELDS = tuple(f"dom_{f}" for f in HAND_FIELDS) + tuple(f"nd_{f}" for f in HAND_FIELDS) + ("mouth_open", "mouth_width", "brow")
IDX = {name: i for i, name in enumerate(FIELDS)}
ANGLE_FIELDS = (IDX["dom_angle"], IDX["nd_angle"])
POSITION_FIELDS = tuple(IDX[f"{h}_{c}"] for h in ("dom", "nd") for c in ("x", "y", "z", "angle"))


@dataclass
class HandTrack:
    """One hand over time (person's side): centre (x, y) in frame units [0, 1], depth, angle (rad)."""

    centre: np.ndarray  # T×2
    depth: np.ndarray  # T
    angle: np.ndarray  # T
    flex: np.ndarray  # T×5 (thumb, index, middle, ring, pinky) in [0, 1]
    spread: np.ndarray  # T (degrees)


@dataclass
class VideoPlan:
    """Everything needed to render a video: per-frame parameters and gloss timing."""

    n_frames: int
    right: HandTrack
    left: HandTrack
    mouth_open: np.ndarray
    mouth_width: np.ndarray
    brow: np.ndarray
    eye_open: np.ndarray
    head_tilt: np.ndarray  # radians
    head_offset: np.ndarray  # T×2 frame units
    glosses: list[str]
    segments: list[tuple[int, int]]  # [start, end) frame of each gloss


def _ease(u):
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


def location_xyz(geo: BodyGeometry, name: str, side: float) -> np.ndarray:
    """Hand-centre target of a named location; ``side`` = -1 for the person's right (image left)."""
    unit, xo, ref, yo, depth = LOCATIONS[name]
    x = geo.cx + side * xo * (geo.shoulder_half if unit == "s" else geo.head_rx)
    y = geo.head_y + yo * geo.head_ry if ref == "head" else geo.shoulder_y + yo
    return np.array([x, min(y, 0.95), depth])


def _hand_state(pos: np.ndarray, angle_deg: float, shape: str) -> np.ndarray:
    flex, spread = HANDSHAPES[shape]
    return np.array([pos[0], pos[1], pos[2], np.deg2rad(angle_deg), *flex, spread])


def _mirror_hand(state: np.ndarray, cx: float) -> np.ndarray:
    out = state.copy()
    out[0] = 2 * cx - state[0]
    out[3] = np.pi - state[3]
    return out


def rest_state(geo: BodyGeometry) -> np.ndarray:
    # hands rest in front of the belly, fingers down towards the midline
    dom = _hand_state(np.array([geo.cx - 0.32 * geo.shoulder_half, min(geo.shoulder_y + 0.40, 0.9), 0.12]), 35.0, REST_SHAPE)
    nd = _mirror_hand(dom, geo.cx)
    return np.concatenate([dom, nd, [*MOUTH_SHAPES["closed"], 0.0]])


def sign_state(sign: Sign, u: float, geo: BodyGeometry) -> np.ndarray:
    """State of a right-handed signer at phase ``u`` in [0, 1] of ``sign``."""
    p0 = location_xyz(geo, sign.start, -1.0)
    p1 = location_xyz(geo, sign.end, -1.0)
    amp = sign.amplitude
    e = _ease(u)
    pos = p0 + (p1 - p0) * e
    d = p1[:2] - p0[:2]
    perp = np.array([-d[1], d[0]]) / (np.linalg.norm(d) + 1e-9)
    angle = sign.angles[0] + (sign.angles[1] - sign.angles[0]) * e
    shape_mix = float(_ease((u - 0.3) / 0.4))
    f1, s1 = HANDSHAPES[sign.shapes[0]]
    f2, s2 = HANDSHAPES[sign.shapes[1]]
    flex = np.array(f1) * (1 - shape_mix) + np.array(f2) * shape_mix
    spread = s1 * (1 - shape_mix) + s2 * shape_mix
    m = sign.movement
    if m == "arc":
        pos[:2] += perp * 0.05 * amp * np.sin(np.pi * u)
    elif m == "circle":
        r, phi = 0.035 * amp, 2 * np.pi * u
        pos[:2] += r * np.array([np.cos(phi) - 1.0, np.sin(phi)])
    elif m == "tap":
        pos[1] -= 0.022 * amp * (1 - np.cos(4 * np.pi * u)) / 2
    elif m == "zigzag":
        pos[:2] += perp * 0.024 * amp * np.sin(4 * np.pi * u)
    elif m == "wiggle":
        flex = flex.copy()
        flex[1:] = np.clip(flex[1:] + 0.35 * np.sin(6 * np.pi * u + np.arange(4) * 0.8), 0, 1)
    elif m == "twist":
        angle += 28.0 * amp * np.sin(2 * np.pi * u)
    elif m == "shake":
        pos[0] += 0.022 * amp * np.sin(6 * np.pi * u)
    dom = np.array([pos[0], pos[1], pos[2], np.deg2rad(angle), *flex, spread])
    if sign.hands == "sym":
        nd = _mirror_hand(dom, geo.cx)
    elif sign.hands == "base":
        # the base hand waits on its own side of the body, fingers towards the midline
        nd = _hand_state(location_xyz(geo, sign.base_location, +1.0), -165.0, sign.base_shape)
    else:
        nd = rest_state(geo)[len(HAND_FIELDS) : 2 * len(HAND_FIELDS)]
    mix = float(_ease((u - 0.35) / 0.3))
    ma, mb = np.array(MOUTH_SHAPES[sign.mouth[0]]), np.array(MOUTH_SHAPES[sign.mouth[1]])
    mouth = ma * (1 - mix) + mb * mix
    return np.concatenate([dom, nd, mouth, [BROWS[sign.brows]]])


def _unwrap_towards(a_from: float, a_to: float) -> float:
    return a_from + (a_to - a_from + np.pi) % (2 * np.pi) - np.pi


def _transition(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    b = b.copy()
    for i in ANGLE_FIELDS:
        b[i] = _unwrap_towards(a[i], b[i])
    u = _ease(np.arange(1, n + 1) / (n + 1))[:, None]
    return a[None] * (1 - u) + b[None] * u


def _transition_frames(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> int:
    """Frames needed to go from state a to b without hands moving faster than real signers.

    Fingertips sit ~0.1 frame units from the hand centre, so a rotation of r radians
    moves them about 0.1·r; the average speed is capped at 0.032 frame units/frame
    (~4 px at 128 px; the eased peak is 1.5× that).
    """
    travel = 0.0
    for h in ("dom", "nd"):
        dxy = np.hypot(b[IDX[f"{h}_x"]] - a[IDX[f"{h}_x"]], b[IDX[f"{h}_y"]] - a[IDX[f"{h}_y"]])
        dang = abs(_unwrap_towards(a[IDX[f"{h}_angle"]], b[IDX[f"{h}_angle"]]) - a[IDX[f"{h}_angle"]])
        travel = max(travel, dxy + 0.1 * dang)
    return int(np.clip(np.ceil(travel / 0.032), 4, 16)) + int(rng.integers(0, 2))


def _continuous(states: list[np.ndarray]) -> np.ndarray:
    """Stack frames, unwrapping angles so consecutive frames never jump by 2π."""
    arr = np.stack(states)
    for i in ANGLE_FIELDS:
        arr[:, i] = np.unwrap(arr[:, i])
    return arr


def plan_states(glosses: list[str], geo: BodyGeometry, rng: np.random.Generator, tempo: float):
    """Canonical (right-handed) state array ``T×len(FIELDS)`` and gloss segments."""
    rest = rest_state(geo)
    states: list[np.ndarray] = [rest] * int(rng.integers(3, 6))
    segments = []
    prev = rest
    for k, gloss in enumerate(glosses):
        sign = SIGN_BY_GLOSS[gloss]
        n_sign = max(8, int(round(rng.uniform(12, 17) / tempo)))
        first = sign_state(sign, 0.0, geo)
        states.extend(_transition(prev, first, _transition_frames(prev, first, rng)))
        start = len(states)
        states.extend(sign_state(sign, i / (n_sign - 1), geo) for i in range(n_sign))
        segments.append((start, len(states)))
        prev = states[-1]
    states.extend(_transition(prev, rest, _transition_frames(prev, rest, rng)))
    states.extend([rest] * int(rng.integers(3, 6)))
    arr = _continuous(states)
    arr[:, list(POSITION_FIELDS)] = gaussian_filter1d(arr[:, list(POSITION_FIELDS)], 1.0, axis=0, mode="nearest")
    others = [i for i in range(arr.shape[1]) if i not in POSITION_FIELDS]
    arr[:, others] = gaussian_filter1d(arr[:, others], 0.7, axis=0, mode="nearest")
    return arr, segments


def _track(arr: np.ndarray, prefix: str) -> HandTrack:
    c = [IDX[f"{prefix}_{f}"] for f in HAND_FIELDS]
    return HandTrack(
        centre=arr[:, c[0:2]].copy(),
        depth=arr[:, c[2]].copy(),
        angle=arr[:, c[3]].copy(),
        flex=np.clip(arr[:, c[4:9]], 0, 1),
        spread=arr[:, c[9]].copy(),
    )


def _mirror_track(t: HandTrack, cx: float) -> HandTrack:
    centre = t.centre.copy()
    centre[:, 0] = 2 * cx - centre[:, 0]
    return HandTrack(centre, t.depth, np.pi - t.angle, t.flex, t.spread)


def _blinks(n: int, rng: np.random.Generator) -> np.ndarray:
    eye = np.ones(n)
    t = int(rng.integers(5, 40))
    while t < n:
        for k, v in enumerate((0.5, 0.05, 0.5)):
            if t + k < n:
                eye[t + k] = v
        t += int(rng.integers(40, 90))
    return eye


def plan_video(identity: Identity, glosses: list[str], rng: np.random.Generator) -> VideoPlan:
    """Per-frame parameters of one video of ``identity`` signing ``glosses``."""
    geo = body_geometry(identity)
    arr, segments = plan_states(glosses, geo, rng, identity.tempo)
    n = len(arr)
    dom, nd = _track(arr, "dom"), _track(arr, "nd")
    if identity.left_handed:
        right, left = _mirror_track(nd, geo.cx), _mirror_track(dom, geo.cx)
    else:
        right, left = dom, nd
    t = np.arange(n)
    ph = rng.uniform(0, 2 * np.pi, 3)
    tilt = 0.045 * np.sin(2 * np.pi * t / rng.uniform(45, 80) + ph[0]) + 0.03 * arr[:, IDX["brow"]]
    offset = np.stack([
        0.004 * np.sin(2 * np.pi * t / rng.uniform(50, 90) + ph[1]),
        0.003 * np.sin(2 * np.pi * t / rng.uniform(35, 60) + ph[2]) - 0.004 * arr[:, IDX["brow"]],
    ], axis=1)  # fmt: skip
    return VideoPlan(
        n_frames=n,
        right=right,
        left=left,
        mouth_open=np.clip(arr[:, IDX["mouth_open"]], 0, 1),
        mouth_width=np.clip(arr[:, IDX["mouth_width"]], 0, 1),
        brow=arr[:, IDX["brow"]],
        eye_open=_blinks(n, rng),
        head_tilt=tilt,
        head_offset=offset,
        glosses=list(glosses),
        segments=segments,
    )
