"""The synthsign sign vocabulary: handshapes, locations, movements and 48 glosses.

Every gloss is defined for a right-handed signer ("canonical"); left-handed
signers mirror it. A gloss has a dominant-hand handshape sequence, a location
trajectory (start/end locations + a movement pattern), a hand orientation, a
two-handedness type (one-handed, symmetric, or with a static base hand), a
mouth pattern and a brow position. No two glosses share (start location,
movement), so every gloss is distinguishable by its gross motion alone; the
handshape and face carry the fine detail that generation methods must keep.

The vocabulary is fixed (independent of the dataset seed).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass

import numpy as np

VOCAB_SEED = 4864

# handshape -> (flexion of thumb, index, middle, ring, pinky in [0, 1]; spread in degrees)
# flexion 0 = extended, 1 = fully curled onto the palm; for the thumb 0 = abducted, 1 = across the palm.
HANDSHAPES: dict[str, tuple[tuple[float, float, float, float, float], float]] = {
    "flat": ((0.35, 0.0, 0.0, 0.0, 0.0), 0.0),
    "open5": ((0.0, 0.0, 0.0, 0.0, 0.0), 16.0),
    "fist": ((0.75, 1.0, 1.0, 1.0, 1.0), 0.0),
    "point": ((0.85, 0.0, 1.0, 1.0, 1.0), 0.0),
    "v": ((0.85, 0.0, 0.0, 1.0, 1.0), 14.0),
    "w": ((0.85, 0.0, 0.0, 0.0, 1.0), 11.0),
    "three": ((0.0, 0.0, 0.0, 1.0, 1.0), 11.0),
    "y": ((0.0, 1.0, 1.0, 1.0, 0.0), 12.0),
    "l": ((0.0, 0.0, 1.0, 1.0, 1.0), 4.0),
    "i": ((0.85, 1.0, 1.0, 1.0, 0.0), 4.0),
    "horns": ((0.85, 0.0, 1.0, 1.0, 0.0), 10.0),
    "claw": ((0.3, 0.5, 0.5, 0.5, 0.5), 12.0),
    "c": ((0.25, 0.42, 0.42, 0.42, 0.42), 0.0),
    "o": ((0.55, 0.65, 0.65, 0.65, 0.65), 0.0),
    "thumb": ((0.0, 1.0, 1.0, 1.0, 1.0), 0.0),
    "bent": ((0.4, 0.32, 0.32, 0.32, 0.32), 0.0),
    "relaxed": ((0.3, 0.22, 0.28, 0.33, 0.38), 4.0),
}
REST_SHAPE = "relaxed"

# location -> (x offset, y reference, y offset, depth). x offsets are towards the dominant side in
# units of the signer's shoulder half-width ("s") or head x-radius ("h"); y is relative to the head
# centre in head y-radii ("head") or to the shoulder line in frame units ("shoulder").
LOCATIONS: dict[str, tuple[str, float, str, float, float]] = {
    "forehead": ("h", 0.05, "head", -0.75, 0.09),
    "eye": ("h", 0.45, "head", -0.2, 0.1),
    "nose": ("h", 0.0, "head", 0.1, 0.11),
    "mouth": ("h", 0.0, "head", 0.55, 0.11),
    "chin": ("h", 0.0, "head", 0.98, 0.1),
    "cheek": ("h", 0.85, "head", 0.3, 0.08),
    "ear": ("h", 1.15, "head", 0.0, 0.05),
    "temple": ("h", 0.9, "head", -0.5, 0.06),
    "neck": ("h", 0.0, "shoulder", -0.05, 0.08),
    "chest": ("s", 0.0, "shoulder", 0.12, 0.1),
    "chest_d": ("s", 0.55, "shoulder", 0.12, 0.1),
    "shoulder_nd": ("s", -0.75, "shoulder", 0.04, 0.08),
    "stomach": ("s", 0.05, "shoulder", 0.3, 0.12),
    "neutral": ("s", 0.4, "shoulder", 0.2, 0.2),
    "neutral_high": ("s", 0.5, "shoulder", -0.06, 0.2),
    "side": ("s", 1.35, "shoulder", 0.14, 0.12),
    "low_side": ("s", 1.1, "shoulder", 0.3, 0.12),
}
FACE_LOCATIONS = ("forehead", "eye", "nose", "mouth", "chin", "cheek", "ear", "temple")

MOVEMENTS = ("hold", "straight", "arc", "circle", "tap", "zigzag", "wiggle", "twist", "shake")
PATH_MOVEMENTS = ("straight", "arc", "zigzag")  # these go from a start to a different end location

# mouth shape -> (opening 0..1, width 0..1)
MOUTH_SHAPES: dict[str, tuple[float, float]] = {
    "closed": (0.0, 0.5),
    "open": (0.85, 0.55),
    "round": (0.5, 0.15),
    "wide": (0.25, 0.95),
    "smile": (0.08, 0.85),
    "pursed": (0.05, 0.05),
}
BROWS = {"neutral": 0.0, "raised": 1.0, "furrowed": -1.0}

GLOSS_NAMES = (
    "HELLO", "THANK-YOU", "HOUSE", "WATER", "EAT", "DRINK", "SLEEP", "WORK", "SCHOOL", "FRIEND",
    "FAMILY", "MOTHER", "FATHER", "CHILD", "BOOK", "CAR", "RAIN", "SUN", "SNOW", "WIND",
    "COLD", "HOT", "GOOD", "BAD", "YES", "NO", "WHAT", "WHERE", "WHO", "WHEN",
    "TODAY", "TOMORROW", "YESTERDAY", "MORNING", "NIGHT", "WEATHER", "DOG", "CAT", "HELP", "WANT",
    "LIKE", "KNOW", "THINK", "SEE", "GO", "COME", "STOP", "FINISH",
)  # fmt: skip


@dataclass(frozen=True)
class Sign:
    """One gloss, for a right-handed signer.

    hands: "one" (non-dominant rests), "sym" (mirrored two-handed), "base" (the
    non-dominant hand holds ``base_shape`` still at ``base_location``).
    angles: hand orientation at start and end, degrees in image coordinates
    (direction wrist -> middle knuckle; -90 = fingers up) for the dominant hand.
    """

    gloss: str
    hands: str
    start: str
    end: str
    movement: str
    shapes: tuple[str, str]
    base_shape: str
    base_location: str
    angles: tuple[float, float]
    mouth: tuple[str, str]
    brows: str
    amplitude: float

    def to_dict(self) -> dict:
        return asdict(self)


def _angle_for(location: str, rng: np.random.Generator) -> float:
    if location in FACE_LOCATIONS:
        return float(rng.uniform(-120, -70))
    return float(rng.choice([-90.0, -60.0, -120.0, -20.0, -160.0, -45.0]) + rng.uniform(-10, 10))


def build_vocabulary() -> list[Sign]:
    """The 48 glosses (deterministic)."""
    rng = np.random.default_rng(VOCAB_SEED)
    combos = list(itertools.product(LOCATIONS, MOVEMENTS))
    order = rng.permutation(len(combos))
    chosen = [combos[i] for i in order[: len(GLOSS_NAMES)]]
    shapes = [s for s in HANDSHAPES if s != REST_SHAPE]
    signs = []
    for gloss, (start, movement) in zip(GLOSS_NAMES, chosen):
        if movement in PATH_MOVEMENTS:
            candidates = [loc for loc in LOCATIONS if loc != start]
            end = str(rng.choice(candidates))
        else:
            end = start
        hands = str(rng.choice(["one", "one", "sym", "base"]))
        if hands != "one" and start in FACE_LOCATIONS and end in FACE_LOCATIONS:
            hands = "one" if rng.random() < 0.5 else "sym"
        s1 = str(rng.choice(shapes))
        s2 = s1 if rng.random() < 0.55 else str(rng.choice(shapes))
        a1 = _angle_for(start, rng)
        a2 = a1 + float(rng.choice([0.0, 0.0, 25.0, -25.0]))
        signs.append(
            Sign(
                gloss=gloss,
                hands=hands,
                start=start,
                end=end,
                movement=movement,
                shapes=(s1, s2),
                base_shape=str(rng.choice(["flat", "fist", "c", "open5"])),
                base_location=str(rng.choice(["chest", "stomach", "neutral"])),
                angles=(a1, a2),
                mouth=(str(rng.choice(list(MOUTH_SHAPES))), str(rng.choice(list(MOUTH_SHAPES)))),
                brows=str(rng.choice(list(BROWS), p=[0.6, 0.25, 0.15])),
                amplitude=float(rng.uniform(0.8, 1.2)),
            )
        )
    return signs


VOCABULARY: list[Sign] = build_vocabulary()
SIGN_BY_GLOSS: dict[str, Sign] = {s.gloss: s for s in VOCABULARY}
