"""The synthsign signer identities: appearance and body proportions.

Identities are fixed (they do not depend on the dataset seed), so ``signer03``
looks the same in every generated copy. Splits are by identity: signers 0–7
train, 8–9 dev, 10–11 test, so dev/test evaluate on people never seen in training.

Identities 12 and up are *extra training signers*: only copies generated with
``extra_signers > 0`` contain them (the WER recognizer's training copy, which needs
more people than eight to read unseen ones). Their appearance is drawn more freely
(blended skin tones, any shirt shade, pattern, sleeves, hair and background style),
and they never appear in the benchmark's copies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

RGB = tuple[int, int, int]

IDENTITY_SEED = 20241123
NUM_IDENTITIES = 12
SPLIT_OF_IDENTITY = {**{i: "train" for i in range(8)}, 8: "dev", 9: "dev", 10: "test", 11: "test"}

SKIN_TONES: list[RGB] = [
    (255, 224, 196), (241, 194, 160), (224, 172, 130), (198, 144, 104), (176, 120, 84),
    (150, 98, 66), (120, 76, 50), (92, 58, 38), (234, 190, 150), (210, 160, 120),
    (168, 112, 80), (110, 70, 46),
]  # fmt: skip
HAIR_COLOURS: list[RGB] = [(30, 22, 18), (70, 45, 25), (120, 80, 40), (200, 160, 90), (150, 60, 30), (90, 90, 95)]
SHIRT_COLOURS: list[RGB] = [
    (32, 64, 140), (150, 30, 40), (30, 110, 60), (60, 60, 70), (200, 140, 30), (110, 50, 130),
    (20, 120, 130), (180, 80, 20), (230, 230, 235), (15, 15, 20), (90, 120, 170), (130, 100, 70),
]  # fmt: skip
HAIR_STYLES = ("short", "long", "bun", "bald", "curly", "bob")
PATTERNS = ("plain", "hstripes", "vstripes", "dots", "checks", "chevron")
BACKGROUND_STYLES = ("gradient", "panel", "stripes")


@dataclass(frozen=True)
class Identity:
    """One synthetic signer. Colours are RGB 0–255; scales are relative to 1.0."""

    id: str
    index: int
    split: str
    skin: RGB
    hair_colour: RGB
    hair_style: str
    shirt: RGB
    shirt_accent: RGB
    pattern: str
    long_sleeves: bool
    background_top: RGB
    background_bottom: RGB
    background_style: str
    lips: RGB
    iris: RGB
    head_scale: float
    shoulder_scale: float
    arm_scale: float
    hand_scale: float
    neck_length: float
    centre_x: float
    left_handed: bool
    tempo: float  # signing speed factor (>1 = faster)

    def to_dict(self) -> dict:
        return asdict(self)


def _shade(c: RGB, f: float) -> RGB:
    return tuple(int(np.clip(v * f, 0, 255)) for v in c)  # type: ignore[return-value]


def _accent(shirt: RGB, rng: np.random.Generator) -> RGB:
    lum = 0.3 * shirt[0] + 0.59 * shirt[1] + 0.11 * shirt[2]
    base = np.array(shirt, float)
    target = np.array([245, 245, 240]) if lum < 128 else np.array([20, 20, 30])
    mix = rng.uniform(0.45, 0.7)
    return tuple(int(v) for v in base * (1 - mix) + target * mix)  # type: ignore[return-value]


def make_identity(index: int) -> Identity:
    """The ``index``-th identity (deterministic); ``index >= NUM_IDENTITIES``: an extra training signer."""
    if index >= NUM_IDENTITIES:
        return _extra_identity(index)
    return _base_identity(index, index)


def _base_identity(index: int, seed_index: int) -> Identity:
    """The benchmark recipe for identity ``index`` (colour tables by ``index``, draws seeded by ``seed_index``)."""
    rng = np.random.default_rng([IDENTITY_SEED, seed_index])
    shirt = SHIRT_COLOURS[index % len(SHIRT_COLOURS)]
    skin = SKIN_TONES[index % len(SKIN_TONES)]
    hue = rng.uniform(0, 1, 3)
    bg_top = tuple(int(v) for v in 120 + 110 * hue)
    bg_bottom = tuple(int(v * rng.uniform(0.55, 0.8)) for v in bg_top)
    return Identity(
        id=f"signer{index:02d}",
        index=index,
        split=SPLIT_OF_IDENTITY.get(index, "train"),
        skin=skin,
        hair_colour=HAIR_COLOURS[int(rng.integers(len(HAIR_COLOURS)))],
        hair_style=HAIR_STYLES[index % len(HAIR_STYLES)],
        shirt=shirt,
        shirt_accent=_accent(shirt, rng),
        pattern=PATTERNS[(index * 5 + 1) % len(PATTERNS)],
        long_sleeves=bool(index % 3 != 1),
        background_top=bg_top,  # type: ignore[arg-type]
        background_bottom=bg_bottom,  # type: ignore[arg-type]
        background_style=BACKGROUND_STYLES[index % len(BACKGROUND_STYLES)],
        lips=_shade((200, 90, 90), rng.uniform(0.75, 1.0)),
        iris=((60, 40, 25), (40, 90, 140), (70, 110, 60), (30, 25, 20))[int(rng.integers(4))],
        head_scale=float(rng.uniform(0.92, 1.08)),
        shoulder_scale=float(rng.uniform(0.9, 1.12)),
        arm_scale=float(rng.uniform(0.95, 1.05)),
        hand_scale=float(rng.uniform(0.92, 1.08)),
        neck_length=float(rng.uniform(0.85, 1.15)),
        centre_x=float(rng.uniform(0.47, 0.53)),
        left_handed=seed_index in (3, 10),
        tempo=float(rng.uniform(0.88, 1.12)),
    )


def _extra_identity(index: int) -> Identity:
    """An extra training signer: the base recipe's proportions and colours, then a freer appearance
    from a second generator (so the twelve benchmark identities are untouched by this)."""
    base = _base_identity(index % NUM_IDENTITIES, index)
    rng = np.random.default_rng([IDENTITY_SEED, index, 1])
    a, b = rng.choice(len(SKIN_TONES), 2, replace=False)
    mix = rng.uniform(0, 1)
    skin = tuple(int(round(SKIN_TONES[a][k] * (1 - mix) + SKIN_TONES[b][k] * mix)) for k in range(3))
    shirt = _shade(SHIRT_COLOURS[int(rng.integers(len(SHIRT_COLOURS)))], rng.uniform(0.7, 1.25))
    hue = rng.uniform(0, 1, 3)
    bg_top = tuple(int(v) for v in 100 + 140 * hue)
    return replace(
        base, id=f"signer{index:02d}", index=index, split="train", skin=skin, shirt=shirt,  # type: ignore[arg-type]
        shirt_accent=_accent(shirt, rng), hair_style=HAIR_STYLES[int(rng.integers(len(HAIR_STYLES)))],
        hair_colour=HAIR_COLOURS[int(rng.integers(len(HAIR_COLOURS)))],
        pattern=PATTERNS[int(rng.integers(len(PATTERNS)))], long_sleeves=bool(rng.random() < 0.65),
        background_top=bg_top, background_bottom=tuple(int(v * rng.uniform(0.5, 0.85)) for v in bg_top),
        background_style=BACKGROUND_STYLES[int(rng.integers(len(BACKGROUND_STYLES)))],
        left_handed=bool(rng.random() < 0.2),
    )


def all_identities(extra: int = 0) -> list[Identity]:
    """The twelve benchmark identities, then ``extra`` extra training signers."""
    return [make_identity(i) for i in range(NUM_IDENTITIES + extra)]


def shade(c: RGB, f: float) -> RGB:
    """Darken (f < 1) or lighten (f > 1) a colour."""
    return _shade(c, f)
