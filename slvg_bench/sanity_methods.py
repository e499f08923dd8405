"""Sanity methods that bracket every metric: ``static`` (worst sensible) and ``oracle`` (best).

- ``static``: every generated frame is the source image (no motion at all).
- ``oracle``: the generated video is the driving video itself; in reconstruction
  the driving video is the target, so every metric hits its best value (and TCD
  shows the target's own floor).
"""

from __future__ import annotations

from slvg_bench.methods import MethodSpec


def _check(source, driving) -> None:
    if source.ndim != 3 or source.shape[0] != 3:
        raise ValueError(f"source must be 3×H×W, got {tuple(source.shape)}")
    if driving.ndim != 4 or driving.shape[1] != 3:
        raise ValueError(f"driving must be T×3×H×W, got {tuple(driving.shape)}")
    if source.shape[1:] != driving.shape[2:]:
        raise ValueError(f"source {tuple(source.shape)} and driving {tuple(driving.shape)} sizes differ")


class StaticAnimator:
    """Repeats the source image for every driving frame."""

    method_id = "static"

    def animate(self, source, driving, driving_keypoints=None):
        _check(source, driving)
        return source.unsqueeze(0).expand(driving.shape[0], -1, -1, -1).clone()


class OracleAnimator:
    """Returns the driving video unchanged."""

    method_id = "oracle"

    def animate(self, source, driving, driving_keypoints=None):
        _check(source, driving)
        return driving.clone()


STATIC = MethodSpec(
    id="static",
    summary="sanity floor: every frame is the source image",
    load=lambda checkpoint=None, device="cpu": StaticAnimator(),
    needs_checkpoint=False,
    sanity=True,
)
ORACLE = MethodSpec(
    id="oracle",
    summary="sanity ceiling: the driving (= target) video itself",
    load=lambda checkpoint=None, device="cpu": OracleAnimator(),
    needs_checkpoint=False,
    sanity=True,
)
