"""TCD, the Temporal Consistency Difference of the PGMM paper (eq. 12–13).

For a generated video Î and its target I with N frames (t = 0 … N−1)::

    D_t  = | Î_t − ½ (I_{t−1} + I_{t+1}) |                      t = 1 … N−2   (12)
    TCD  = 1/(N−2) · Σ_t  fraction of elements of D_t with D_t > T             (13)

The paper sets T = 0.5 but states neither the pixel scale nor how the colour
channels enter "the proportion of pixels". Our reading and its reasons:

- **Scale: uint8 grey levels (0–255)**, the default. On the [0, 1] scale a
  threshold of 0.5 would flag only pixels that are wrong by half the dynamic
  range, and TCD would be ≈ 0 for every method, which contradicts the paper's
  tables where methods differ. On the 0–255 scale, T = 0.5 means "differs by at
  least one grey level beyond the rounding of the neighbour average": the
  neighbour average of integers is an integer or a half-integer, so D is a
  multiple of 0.5 and D > 0.5 ⇔ D ≥ 1. Videos are quantised to integer grey
  levels first (``round(255·x)``, exactly what an 8-bit file holds) and D is
  computed in float64, so the comparison is exact — no float noise decides
  whether 0.5 > 0.5.
- **Channel reduction: elements** (default) — the fraction is over all H×W×3
  values; ``any`` counts a pixel when any channel exceeds T (fraction over H×W);
  ``mean`` compares the channel-mean of D with T (fraction over H×W).
- Even the target has a TCD against itself: real motion makes I_t differ from
  the average of its neighbours. That **floor** (TCD of the target video against
  itself) is reported next to every TCD (column ``tcd-target``) so a reader can
  tell how much of a method's TCD is motion and how much is flicker.

Per video: eq. 13. Dataset: mean over videos. Videos with fewer than 3 frames
have no t with both neighbours and are an error.

On real camera footage one grey level is below the sensor/compression noise: the floor is high
(0.65 on a camera clip, issue 17) and a video that repeats or smooths frames scores *below* it, so
there a lower TCD can reward freezing (docs/metrics.md, "Caveat").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from slvg_bench.metrics.base import Metric, MetricInfo, MetricSkip, VideoPair, frame_batches
from slvg_bench.metrics.inputs import check_pair

Reduction = Literal["elements", "any", "mean"]
REDUCTIONS = ("elements", "any", "mean")


@dataclass(frozen=True)
class TCDOptions:
    """Options of TCD (see the module docstring for the reasoning behind the defaults).

    Attributes:
        threshold: T of eq. 13, in units of ``scale``.
        scale: 255 (uint8 grey levels, videos quantised first) or 1 ([0, 1] floats as they are).
        reduction: ``elements`` | ``any`` | ``mean`` (how the 3 channels enter the fraction).
    """

    threshold: float = 0.5
    scale: float = 255.0
    reduction: str = "elements"

    def validate(self) -> "TCDOptions":
        import math

        from slvg_bench.errors import UsageError

        if self.reduction not in REDUCTIONS:
            raise UsageError(f"tcd.reduction must be one of {', '.join(REDUCTIONS)}, got {self.reduction!r}")
        if not (math.isfinite(self.threshold) and self.threshold >= 0):
            raise UsageError(f"tcd.threshold must be a finite number >= 0, got {self.threshold!r}")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise UsageError(f"tcd.scale must be a finite number > 0, got {self.scale!r}")
        return self


def levels(video: torch.Tensor, scale: float = 255.0) -> torch.Tensor:
    """Video in [0, 1] on the TCD scale: whole grey levels ``round(255·x)`` for scale 255 (float32
    holding integers, exact), else float64 ``scale·x``."""
    if scale == 255.0:
        return video.float().mul(255.0).round_()
    return video.to(torch.float64) * scale


def _exceed_fraction(p: torch.Tensor, t: torch.Tensor, threshold: float, reduction: str, whole_levels: bool) -> torch.Tensor:
    """Eq. 13's per-frame fraction for centre frames ``p`` (N−2) and all target frames ``t`` (N).

    On whole grey levels the test is ``|2·Î_t − I_{t−1} − I_{t+1}| > 2T`` — integer arithmetic
    (exact in float32), so no rounding can decide whether 0.5 > 0.5.
    """
    c, h, w = p.shape[1:]
    if whole_levels:
        d, limit = p.mul(2).sub_(t[:-2]).sub_(t[2:]).abs_(), 2 * threshold  # d = 2·D
    else:
        d, limit = (p - 0.5 * (t[:-2] + t[2:])).abs(), threshold
    if reduction == "elements":
        count, total = torch.count_nonzero(d > limit, dim=(1, 2, 3)), c * h * w
    elif reduction == "any":
        count, total = torch.count_nonzero((d > limit).any(dim=1), dim=(1, 2)), h * w
    else:  # channel mean of D > T  <=>  channel sum of d > C·limit
        count, total = torch.count_nonzero(d.sum(dim=1) > c * limit, dim=(1, 2)), h * w
    return count.to(torch.float64) / total


def tcd_per_frame(
    pred: torch.Tensor,
    target: torch.Tensor,
    threshold: float = 0.5,
    scale: float = 255.0,
    reduction: Reduction = "elements",
) -> torch.Tensor:
    """``N×3×H×W`` pair, float with finite values in [0, 1] -> ``N−2`` fractions of eq. 13 (float64), for
    t = 1 … N−2. Anything else (uint8, NaN, other shapes) raises TensorInputError."""
    check_pair(pred, target, "tcd_per_frame")
    return _tcd_per_frame(pred, target, threshold, scale, reduction)


def _tcd_per_frame(pred: torch.Tensor, target: torch.Tensor, threshold: float, scale: float,
                   reduction: str) -> torch.Tensor:
    if pred.shape[0] < 3:
        raise ValueError(f"TCD needs at least 3 frames (t-1, t, t+1), got {pred.shape[0]}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"TCD reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return _exceed_fraction(levels(pred[1:-1], scale), levels(target, scale), threshold, reduction, scale == 255.0)


def tcd(pred: torch.Tensor, target: torch.Tensor, threshold: float = 0.5, scale: float = 255.0,
        reduction: Reduction = "elements") -> float:
    """TCD of one video (eq. 13): mean of :func:`tcd_per_frame` (same inputs and checks)."""
    check_pair(pred, target, "tcd")
    return float(_tcd_per_frame(pred, target, threshold, scale, reduction).mean())


class TCD(Metric):
    """TCD of the generated video (``tcd``) and of the target against itself (``tcd-target``, the floor)."""

    options_key = "tcd"
    options_class = TCDOptions
    info = MetricInfo(
        id="tcd",
        version=1,
        higher_is_better=False,
        columns=("tcd", "tcd-target"),
        unit="fraction of elements",
        value_range="0 … 1",
        summary="PGMM eq. 12–13, T=0.5 on the 0–255 scale, fraction over H×W×3; tcd-target = target vs itself",
        signature=("thr:{threshold:g}", "scale:{scale:g}", "reduce:{reduction}"),
    )

    def __init__(self, options: TCDOptions | None = None, device="cpu", batch_frames: int = 32):
        super().__init__(options, device, batch_frames)
        if self.options.reduction not in REDUCTIONS:
            from slvg_bench.errors import UsageError

            raise UsageError(f"tcd.reduction must be one of {', '.join(REDUCTIONS)}, got {self.options.reduction!r}")

    def describe(self) -> dict:
        o = self.options
        return {"threshold": o.threshold, "scale": o.scale, "reduction": o.reduction}

    def _video(self, pred_levels: torch.Tensor, target_levels: torch.Tensor) -> float:
        o = self.options
        parts = []
        # batches of centre frames t = s.start+1 … s.stop, with the neighbours on both sides
        for s in frame_batches(pred_levels.shape[0] - 2, self.batch_frames):
            centre = pred_levels[s.start + 1 : s.stop + 1]
            window = target_levels[s.start : s.stop + 2]
            parts.append(_exceed_fraction(centre, window, o.threshold, o.reduction, o.scale == 255.0).cpu())
        return float(torch.cat(parts).mean())

    def score(self, pair: VideoPair) -> dict[str, float]:
        if pair.n_frames < 3:
            raise MetricSkip(f"TCD needs at least 3 frames, the video has {pair.n_frames}")
        p, t = levels(pair.pred, self.options.scale), levels(pair.target, self.options.scale)
        return {"tcd": self._video(p, t), "tcd-target": self._video(t, t)}
