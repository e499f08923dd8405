"""Geometry of a synthsign signer in one frame, and its COCO-WholeBody 133 keypoints.

All coordinates here are in frame units: x, y in [0, 1] across the image
(y down), depth z towards the camera. The renderer draws exactly these points,
so the keypoints are exact. :func:`keypoints_pixels` converts to the toolkit's
pixel convention (centre of the top-left pixel at (0, 0)).

Arms use a small 3D inverse kinematics: the shoulder is on the body plane, the
wrist in front of it; the elbow is the point of the IK circle that hangs lowest
(with a slight outward bias), projected orthographically. This keeps elbows
continuous when hands move between the waist and the face.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slvg_bench.data.synthsign.identities import Identity
from slvg_bench.pose import layout

PALM_LENGTH = 0.07
PALM_WIDTH = 0.066
FINGER_LENGTHS = (0.062, 0.07, 0.065, 0.051)  # index, middle, ring, pinky
FINGER_SEGMENTS = (0.45, 0.30, 0.25)
THUMB_LENGTHS = (0.03, 0.026, 0.022)  # CMC->MCP, MCP->IP, IP->tip
FINGER_WIDTH = 0.0145
UPPER_ARM = 0.29
FOREARM = 0.26


@dataclass(frozen=True)
class BodyGeometry:
    """Static body measures of one identity, in frame units."""

    cx: float
    head_y: float
    head_rx: float
    head_ry: float
    shoulder_y: float
    shoulder_half: float
    neck_half: float
    hand_scale: float
    upper_arm: float
    forearm: float


def body_geometry(identity: Identity) -> BodyGeometry:
    hs = identity.head_scale
    head_ry = 0.115 * hs
    head_y = 0.25 - 0.01 * (hs - 1)
    shoulder_y = head_y + head_ry + 0.05 * identity.neck_length + 0.045
    return BodyGeometry(
        cx=identity.centre_x,
        head_y=head_y,
        head_rx=0.09 * hs,
        head_ry=head_ry,
        shoulder_y=shoulder_y,
        shoulder_half=0.23 * identity.shoulder_scale,
        neck_half=0.038 * hs,
        hand_scale=identity.hand_scale,
        upper_arm=UPPER_ARM * identity.arm_scale,
        forearm=FOREARM * identity.arm_scale,
    )


def _rot(v: np.ndarray, deg: float) -> np.ndarray:
    r = np.deg2rad(deg)
    c, s = np.cos(r), np.sin(r)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


def hand_points(
    centre: np.ndarray, angle: float, flex: np.ndarray, spread: float, scale: float, thumb_sign: float
) -> np.ndarray:
    """21 hand points (COCO-WholeBody hand order) for a palm facing the camera.

    ``angle`` is the direction wrist -> middle knuckle (radians, image coords);
    ``thumb_sign`` = +1 puts the thumb on the side obtained by rotating that
    direction by +90° (the person's right hand), -1 on the other side.
    Flexion folds a finger towards the camera: each segment's projected length
    is ``cos`` of its cumulative joint angle, so a fully curled finger folds
    back over the palm.
    """
    a = np.array([np.cos(angle), np.sin(angle)])
    t = np.array([-a[1], a[0]]) * thumb_sign
    pl, pw = PALM_LENGTH * scale, PALM_WIDTH * scale
    wrist = centre - a * pl * 0.5
    pts = np.zeros((21, 2))
    pts[0] = wrist
    # thumb: base near the wrist on the thumb side; flexion swings it across the palm
    ft = flex[0]
    cmc = wrist + a * 0.18 * pl + t * 0.32 * pw
    d = _rot(a, thumb_sign * (52.0 - 105.0 * ft))
    joint_flex = (ft * 25.0, ft * 55.0, ft * 80.0)
    p = cmc
    pts[1] = cmc
    for k in range(3):
        p = p + d * THUMB_LENGTHS[k] * scale * np.cos(np.deg2rad(joint_flex[k]))
        pts[2 + k] = p
    # fingers
    across = (0.36, 0.12, -0.12, -0.36)
    back = (0.02, 0.0, 0.03, 0.1)
    spread_factor = (1.0, 0.3, -0.4, -1.1)
    for i in range(4):
        f = flex[i + 1]
        mcp = wrist + a * pl * (1.0 - back[i]) + t * across[i] * pw
        d = _rot(a, thumb_sign * spread * spread_factor[i])
        cum = np.cumsum([f * 85.0, f * 100.0, f * 65.0])
        base = 5 + 4 * i
        pts[base] = mcp
        p = mcp
        for k in range(3):
            p = p + d * FINGER_LENGTHS[i] * FINGER_SEGMENTS[k] * scale * np.cos(np.deg2rad(cum[k]))
            pts[base + 1 + k] = p
    return pts


def arm_ik(shoulder: np.ndarray, wrist: np.ndarray, wrist_z: float, l1: float, l2: float, side: float,
           previous: np.ndarray | None = None):
    """Elbow and reachable wrist (x, y) for a shoulder on the body plane (z = 0).

    The elbow lies on the circle of points at distance ``l1`` from the shoulder
    and ``l2`` from the wrist. We take the point of that circle furthest along a
    preferred direction (down, outward, forward); the previous frame's elbow
    direction is blended in so the choice stays continuous where the preferred
    direction is nearly parallel to the arm. Returns (elbow_xy, wrist_xy, n) where
    ``n`` is the unit elbow direction to pass as ``previous`` for the next frame.
    """
    s = np.array([shoulder[0], shoulder[1], 0.0])
    w = np.array([wrist[0], wrist[1], wrist_z])
    axis = w - s
    dist = float(np.linalg.norm(axis))
    axis /= max(dist, 1e-9)
    dist = float(np.clip(dist, abs(l1 - l2) + 1e-4, l1 + l2 - 1e-4))
    w = s + axis * dist
    along = (dist**2 + l1**2 - l2**2) / (2 * dist)
    radius = np.sqrt(max(l1**2 - along**2, 0.0))
    preferred = np.array([0.6 * side, 1.0, 0.8])
    n = preferred - preferred.dot(axis) * axis
    if previous is not None:
        prev = previous - previous.dot(axis) * axis
        n = n / max(np.linalg.norm(n), 1e-9) + 3.0 * prev
    n /= max(np.linalg.norm(n), 1e-9)
    elbow = s + axis * along + n * radius
    return elbow[:2], w[:2], n


@dataclass
class FrameGeometry:
    """Everything the renderer draws in one frame (frame units)."""

    head_centre: np.ndarray
    head_tilt: float
    face: np.ndarray  # 68×2, iBUG order
    shoulders: np.ndarray  # 2×2 (person's right, left)
    elbows: np.ndarray  # 2×2
    wrists: np.ndarray  # 2×2
    hands: np.ndarray  # 2×21×2 (right, left)
    hand_depth: np.ndarray  # 2
    eye_open: float
    mouth_open: float


def face_points(geo: BodyGeometry, centre: np.ndarray, tilt: float, mouth_open: float, mouth_width: float,
                brow: float, eye_open: float) -> np.ndarray:
    """68 iBUG face landmarks for a frontal face (image-left = the person's right)."""
    rx, ry = geo.head_rx, geo.head_ry
    pts = np.zeros((68, 2))
    th = np.linspace(np.pi + 0.28, -0.28, 17)
    pts[0:17] = np.stack([rx * 0.97 * np.cos(th), ry * 0.97 * np.sin(th)], 1)
    brow_y = -0.40 * ry - 0.13 * ry * brow
    xs = np.linspace(-0.78, -0.18, 5) * rx
    arch = -0.07 * ry * np.sin(np.linspace(0.3, np.pi - 0.3, 5))
    furrow = np.where(brow < 0, 0.06 * ry * (-brow) * np.linspace(0, 1, 5), 0)
    pts[17:22] = np.stack([xs, brow_y + arch + furrow], 1)
    pts[22:27] = np.stack([-xs[::-1], brow_y + arch[::-1] + furrow[::-1]], 1)
    pts[27:31] = np.stack([np.zeros(4), np.linspace(-0.24, 0.2, 4) * ry], 1)
    pts[31:36] = np.stack([np.linspace(-0.19, 0.19, 5) * rx, (0.29 + 0.04 * np.array([0, 0.6, 1, 0.6, 0])) * ry], 1)
    ew, eh = 0.19 * rx, 0.085 * ry * eye_open
    for k, ex in enumerate((-0.42 * rx, 0.42 * rx)):
        ey = -0.14 * ry
        xs6 = np.array([-1, -1 / 3, 1 / 3, 1, 1 / 3, -1 / 3]) * ew
        ys6 = np.array([0, -1, -1, 0, 1, 1]) * eh
        pts[36 + 6 * k : 42 + 6 * k] = np.stack([ex + xs6, ey + ys6], 1)
    mw = (0.2 + 0.2 * mouth_width) * rx
    oh = 0.2 * ry * mouth_open
    my = 0.56 * ry
    ux = np.array([-1, -2 / 3, -1 / 3, 0, 1 / 3, 2 / 3, 1])
    prof = np.sqrt(np.clip(1 - ux**2, 0, 1))
    upper = my - oh / 2 * prof - 0.065 * ry * (0.35 + 0.65 * prof) + 0.02 * ry * (np.abs(ux) < 0.2)
    lower_x = np.array([2 / 3, 1 / 3, 0, -1 / 3, -2 / 3])
    lprof = np.sqrt(1 - lower_x**2)
    lower = my + oh / 2 * lprof + 0.08 * ry * (0.35 + 0.65 * lprof)
    pts[48:55] = np.stack([ux * mw, upper], 1)
    pts[55:60] = np.stack([lower_x * mw, lower], 1)
    ix = np.array([-0.85, -0.4, 0, 0.4, 0.85])
    iprof = np.sqrt(1 - ix**2)
    pts[60:65] = np.stack([ix * mw, my - oh / 2 * iprof], 1)
    jx = np.array([0.4, 0, -0.4])
    pts[65:68] = np.stack([jx * mw, my + oh / 2 * np.sqrt(1 - jx**2)], 1)
    c, s = np.cos(tilt), np.sin(tilt)
    rotated = pts @ np.array([[c, s], [-s, c]])
    return rotated + centre


def video_geometry(geo: BodyGeometry, plan) -> list[FrameGeometry]:
    """Geometry of every frame of a :class:`~slvg_bench.data.synthsign.motion.VideoPlan`."""
    shoulders = np.array([[geo.cx - geo.shoulder_half, geo.shoulder_y], [geo.cx + geo.shoulder_half, geo.shoulder_y]])
    previous: list[np.ndarray | None] = [None, None]
    out = []
    for t in range(plan.n_frames):
        head = np.array([geo.cx, geo.head_y]) + plan.head_offset[t]
        face = face_points(geo, head, float(plan.head_tilt[t]), float(plan.mouth_open[t]), float(plan.mouth_width[t]),
                           float(plan.brow[t]), float(plan.eye_open[t]))
        elbows, wrists, hands, depth = np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 21, 2)), np.zeros(2)
        for k, (track, side, thumb_sign) in enumerate(((plan.right, -1.0, 1.0), (plan.left, 1.0, -1.0))):
            angle = float(track.angle[t])
            a = np.array([np.cos(angle), np.sin(angle)])
            half_palm = a * PALM_LENGTH * geo.hand_scale * 0.5
            elbow, wrist, previous[k] = arm_ik(shoulders[k], track.centre[t] - half_palm, float(track.depth[t]),
                                               geo.upper_arm, geo.forearm, side, previous[k])
            hands[k] = hand_points(wrist + half_palm, angle, track.flex[t], float(track.spread[t]), geo.hand_scale,
                                   thumb_sign)
            elbows[k], wrists[k], depth[k] = elbow, wrist, track.depth[t]
        out.append(FrameGeometry(head, float(plan.head_tilt[t]), face, shoulders, elbows, wrists, hands, depth,
                                 float(plan.eye_open[t]), float(plan.mouth_open[t])))
    return out


def keypoints_133(geo: BodyGeometry, fg: FrameGeometry) -> np.ndarray:
    """COCO-WholeBody keypoints ``133×3`` in frame units with confidence 1 (0 for undefined points)."""
    kp = np.zeros((layout.NUM_KEYPOINTS, 3))
    face = fg.face
    kp[layout.FACE, :2] = face
    kp[layout.RIGHT_HAND, :2] = fg.hands[0]
    kp[layout.LEFT_HAND, :2] = fg.hands[1]
    B = layout.BODY_INDEX
    kp[B["nose"], :2] = face[30]
    kp[B["right_eye"], :2] = face[36:42].mean(0)
    kp[B["left_eye"], :2] = face[42:48].mean(0)
    c, s = np.cos(fg.head_tilt), np.sin(fg.head_tilt)
    for name, sx in (("right_ear", -1.0), ("left_ear", 1.0)):
        off = np.array([sx * geo.head_rx * 1.02, -0.02 * geo.head_ry])
        kp[B[name], :2] = fg.head_centre + np.array([c * off[0] - s * off[1], s * off[0] + c * off[1]])
    kp[B["right_shoulder"], :2], kp[B["left_shoulder"], :2] = fg.shoulders
    kp[B["right_elbow"], :2], kp[B["left_elbow"], :2] = fg.elbows
    kp[B["right_wrist"], :2], kp[B["left_wrist"], :2] = fg.wrists
    hip_y = geo.shoulder_y + 0.55
    kp[B["right_hip"], :2] = (geo.cx - 0.8 * geo.shoulder_half, hip_y)
    kp[B["left_hip"], :2] = (geo.cx + 0.8 * geo.shoulder_half, hip_y)
    kp[:, 2] = 1.0
    for name in ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"):
        kp[B[name], 2] = 0.0  # below the frame in every synthsign video
    kp[list(layout.FEET), 2] = 0.0
    kp[[B[n] for n in ("left_knee", "right_knee", "left_ankle", "right_ankle")], :2] = 0.0
    kp[list(layout.FEET), :2] = 0.0
    return kp


def keypoints_pixels(kp_units: np.ndarray, resolution: int) -> np.ndarray:
    """Frame units -> pixels (centre of the top-left pixel = (0, 0)); points outside get confidence 0."""
    out = kp_units.copy()
    out[..., :2] = kp_units[..., :2] * resolution - 0.5
    inside = (out[..., 0] >= -0.5) & (out[..., 0] <= resolution - 0.5) & (out[..., 1] >= -0.5) & (out[..., 1] <= resolution - 0.5)
    out[..., 2] = np.where(inside, out[..., 2], 0.0)
    return out.astype(np.float32)
