"""The COCO-WholeBody 133-keypoint layout (0-based) as named groups, subsets and limbs.

Index ranges (Jin et al., ECCV 2020; MMPose ``coco_wholebody`` meta):

- 0–16   body, COCO-17 order (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles)
- 17–22  feet (left big toe, left small toe, left heel, right big toe, right small toe, right heel)
- 23–90  face, iBUG-68 order (jaw 23–39, brows 40–49, nose 50–58, eyes 59–70, mouth 71–90)
- 91–111 left hand, 112–132 right hand, each: wrist, thumb 1–4, index 1–4, middle 1–4, ring 1–4, pinky 1–4

"Left"/"right" are the person's sides: for a signer facing the camera the left
hand appears on the image's right. Some third-party dataset READMEs use 1-based
numbers for the same layout; this module is 0-based throughout.
"""

from __future__ import annotations

NUM_KEYPOINTS = 133

BODY_NAMES = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
FOOT_NAMES = ("left_big_toe", "left_small_toe", "left_heel", "right_big_toe", "right_small_toe", "right_heel")
HAND_POINT_NAMES = (
    "wrist",
    "thumb1", "thumb2", "thumb3", "thumb4",
    "index1", "index2", "index3", "index4",
    "middle1", "middle2", "middle3", "middle4",
    "ring1", "ring2", "ring3", "ring4",
    "pinky1", "pinky2", "pinky3", "pinky4",
)  # fmt: skip

BODY = tuple(range(0, 17))
FEET = tuple(range(17, 23))
FACE = tuple(range(23, 91))
LEFT_HAND = tuple(range(91, 112))
RIGHT_HAND = tuple(range(112, 133))
HANDS = LEFT_HAND + RIGHT_HAND

# face sub-groups (iBUG-68 numbering i maps to 23 + i - 1)
FACE_JAW = tuple(range(23, 40))
FACE_RIGHT_BROW = tuple(range(40, 45))  # person's right = image left for a frontal face
FACE_LEFT_BROW = tuple(range(45, 50))
FACE_NOSE = tuple(range(50, 59))
FACE_RIGHT_EYE = tuple(range(59, 65))
FACE_LEFT_EYE = tuple(range(65, 71))
FACE_MOUTH_OUTER = tuple(range(71, 83))
FACE_MOUTH_INNER = tuple(range(83, 91))
MOUTH = FACE_MOUTH_OUTER + FACE_MOUTH_INNER

BODY_INDEX = {name: i for i, name in enumerate(BODY_NAMES)}


def hand_index(side: str, point: str) -> int:
    """Index of a hand point, e.g. ``hand_index("right", "index4")`` -> 120."""
    base = {"left": LEFT_HAND[0], "right": RIGHT_HAND[0]}[side]
    return base + HAND_POINT_NAMES.index(point)


FINGERTIPS = tuple(hand_index(s, f"{f}4") for s in ("left", "right") for f in ("thumb", "index", "middle", "ring", "pinky"))

# The 36 points PGMM feeds its PoseNet (paper §4.1 says "36 heatmaps of pose points" but
# not which). Sign language is carried by the hands, the face's mouth and brows, and the
# arms that place the hands, so the subset is: the 7 upper-body points that fix where the
# hands are (nose, both shoulders, elbows, wrists), 11 points per hand — the wrist, and the
# MCP (knuckle) joint and the tip of each of the five digits — which together fix the
# handshape (which digits are extended, spread or closed: tip vs knuckle) and the palm's
# orientation (the index and pinky knuckles span the palm), and 7 face points for non-manual
# markers: both brow centres (raise/furrow), the mouth corners and upper/lower lip centres
# (mouthing) and the chin (head nod). 7 + 2·11 + 7 = 36. Lower-body and feet points are
# out of frame in sign-language crops, and the remaining face contour points carry
# identity rather than signing.
# COCO-WholeBody hand order per digit is 1..4 = base..tip; the thumb's "1" is its CMC joint
# (inside the palm), so its knuckle (MCP) is "thumb2"; for the fingers "1" is the MCP.
_HAND11 = ("wrist", "thumb2", "thumb4", "index1", "index4", "middle1", "middle4", "ring1", "ring4", "pinky1", "pinky4")
SIGN36 = (
    (0, 5, 6, 7, 8, 9, 10)
    + tuple(hand_index("left", p) for p in _HAND11)
    + tuple(hand_index("right", p) for p in _HAND11)
    + (42, 47, 71, 74, 77, 80, 31)  # right brow centre, left brow centre, mouth corners/centres, chin
)

SUBSETS: dict[str, tuple[int, ...]] = {
    "wholebody": tuple(range(NUM_KEYPOINTS)),
    "body": BODY,
    "upper_body": (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "feet": FEET,
    "face": FACE,
    "mouth": MOUTH,
    "left_hand": LEFT_HAND,
    "right_hand": RIGHT_HAND,
    "hands": HANDS,
    "sign36": SIGN36,
}


def subset(name: str) -> tuple[int, ...]:
    """Indices of a named subset (``sign36``, ``hands``, ``face``, ...)."""
    from slvg_bench.errors import UnknownNameError

    if name not in SUBSETS:
        raise UnknownNameError(f"unknown keypoint subset {name!r}; valid subsets: {', '.join(SUBSETS)}")
    return SUBSETS[name]


def _chain(points: tuple[int, ...]) -> list[tuple[int, int]]:
    return [(points[i], points[i + 1]) for i in range(len(points) - 1)]


def _hand_limbs(base: int) -> list[tuple[int, int]]:
    limbs = []
    for finger in range(5):
        first = base + 1 + 4 * finger
        limbs.append((base, first))
        limbs += _chain(tuple(range(first, first + 4)))
    return limbs


BODY_LIMBS = [
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6),
    (5, 7), (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
]  # fmt: skip
FOOT_LIMBS = [(15, 17), (15, 18), (15, 19), (16, 20), (16, 21), (16, 22)]
FACE_LIMBS = (
    _chain(FACE_JAW) + _chain(FACE_RIGHT_BROW) + _chain(FACE_LEFT_BROW) + _chain(FACE_NOSE[:4])
    + _chain(FACE_NOSE[4:]) + _chain(FACE_RIGHT_EYE + FACE_RIGHT_EYE[:1]) + _chain(FACE_LEFT_EYE + FACE_LEFT_EYE[:1])
    + _chain(FACE_MOUTH_OUTER + FACE_MOUTH_OUTER[:1]) + _chain(FACE_MOUTH_INNER + FACE_MOUTH_INNER[:1])
)  # fmt: skip
LEFT_HAND_LIMBS = _hand_limbs(LEFT_HAND[0])
RIGHT_HAND_LIMBS = _hand_limbs(RIGHT_HAND[0])
WHOLEBODY_LIMBS = BODY_LIMBS + FOOT_LIMBS + FACE_LIMBS + LEFT_HAND_LIMBS + RIGHT_HAND_LIMBS
# The arm-to-hand links: COCO-WholeBody draws body wrist -> hand root.
WRIST_LINKS = [(9, LEFT_HAND[0]), (10, RIGHT_HAND[0])]

# Horizontal-flip permutation (swap left/right names), for flip-test and augmentation.
def _flip_permutation() -> tuple[int, ...]:
    perm = list(range(NUM_KEYPOINTS))
    for a, b in [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16)]:
        perm[a], perm[b] = b, a
    for i in range(3):
        perm[17 + i], perm[20 + i] = 20 + i, 17 + i
    ibug_pairs = (
        [(1 + i, 17 - i) for i in range(8)] + [(18 + i, 27 - i) for i in range(5)]
        + [(32, 36), (33, 35), (37, 46), (38, 45), (39, 44), (40, 43), (41, 48), (42, 47)]
        + [(49, 55), (50, 54), (51, 53), (61, 65), (62, 64), (60, 56), (59, 57), (68, 66)]
    )  # fmt: skip
    for a, b in ibug_pairs:
        perm[22 + a], perm[22 + b] = 22 + b, 22 + a
    for i in range(21):
        perm[LEFT_HAND[i]], perm[RIGHT_HAND[i]] = RIGHT_HAND[i], LEFT_HAND[i]
    return tuple(perm)


FLIP_PERMUTATION = _flip_permutation()
