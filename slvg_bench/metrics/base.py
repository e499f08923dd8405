"""The metric interface: a functional core per metric plus a thin stateful class.

Every metric module exposes pure functions on tensors (``l1_per_frame``,
``ssim_per_frame``, ``frechet_distance``, ``tcd`` ...) and one or more
:class:`Metric` subclasses that hold what must persist between videos (a
network, its device, options) and plug into the scoring engine. A metric class
declares itself with a :class:`MetricInfo` and is one of two kinds:

- **per-video** (``level="video"``): :meth:`Metric.score` turns one
  :class:`VideoPair` into ``{column: float}``; the dataset figure is a reduction
  over the result rows (``reducers``: ``"frame"`` = weighted by the row's
  ``n_frames``, ``"video"`` = plain mean over videos; the first is the primary).
- **corpus-level** (``level="corpus"``, FVD, WER): :meth:`Metric.state` turns one
  pair into per-video *state* (``{state column: value}``: FVD's I3D features,
  WER's hypothesis) stored in the result row; the classmethod
  :meth:`Metric.compute_corpus` computes the figure from the rows alone, so one
  process or N processes (or a re-score years later) give the same number.

"Unavailable" has two levels. A metric that cannot run at all (a weight file is
missing) answers :meth:`Metric.unavailable_reason` with one line naming the fix
(``slvg-bench weights add …``); the engine then writes NaN plus that reason for
every video. A metric that cannot score one video (too short, no keypoints)
raises :class:`MetricSkip` from ``score``/``state``; the engine writes NaN plus
the reason for that video only. A missing value is never 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Literal

if TYPE_CHECKING:
    import pandas as pd
    import torch

Level = Literal["video", "corpus"]
Reducer = Literal["frame", "video"]


class MetricSkip(Exception):
    """Raised by a metric that cannot score this one video; ``str(e)`` is the reason."""


@dataclass(frozen=True)
class Missing:
    """A column value that could not be computed for this video (NaN + ``reason`` in the row).

    ``score`` returns it for single columns (e.g. one region not visible) when
    the metric's other columns are fine.
    """

    reason: str


@dataclass(frozen=True)
class MetricInfo:
    """What a metric is, declared as data.

    Attributes:
        id: lowercase id that says the variant (``lpips-alex``, ``fvd-i3d-k400``).
        version: bump on any change that can move a number.
        higher_is_better: direction of every column of this metric.
        level: ``video`` (a value per video) or ``corpus`` (one value per set).
        columns: result columns it fills (default: just ``id``).
        reducers: for per-video metrics, dataset reductions; the first is primary.
        weights: weight ids (``arch.tag``) it may need, for docs and provenance.
        needs: ``target_keypoints`` and/or ``keypoint_estimator``.
        unit, value_range, summary: for tables and docs.
        signature: the protocol tokens of the metric's signature (:mod:`slvg_bench.signatures`), e.g.
            ``("range:[0,1]", "cov:{covariance}")``; ``{field}`` is replaced by that field of the
            metric's options. Empty (the default): every option field as ``field:value`` (but caches
            and batch sizes), so a new metric needs nothing.
    """

    id: str
    version: int
    higher_is_better: bool
    level: Level = "video"
    columns: tuple[str, ...] = ()
    reducers: tuple[Reducer, ...] = ("video",)
    weights: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    unit: str = ""
    value_range: str = ""
    summary: str = ""
    signature: tuple[str, ...] = ()

    @property
    def output_columns(self) -> tuple[str, ...]:
        return self.columns or (self.id,)

    @property
    def arrow(self) -> str:
        return "↑" if self.higher_is_better else "↓"


@dataclass
class VideoPair:
    """One generated video and its target, as the metrics see them.

    Attributes:
        video_id: the row key (relative path without suffix for ``evaluate``).
        pred, target: float32 ``T×3×H×W`` in [0, 1], same shape, same device.
        target_keypoints: ``T×133×3`` (x, y in target pixels, confidence) or None.
        estimator: ``frames T×3×H×W -> T×133×3`` used when keypoints must be
            estimated (AKD, or region metrics without dataset keypoints), or None.
        keypoint_note: why no keypoints are available (used in skip reasons).
        extras: anything a metric needs beyond frames (e.g. reference glosses for WER).
    """

    video_id: str
    pred: "torch.Tensor"
    target: "torch.Tensor"
    target_keypoints: "torch.Tensor | None" = None
    estimator: Callable[["torch.Tensor"], "torch.Tensor"] | None = None
    keypoint_note: str = "no keypoints were given (pass --keypoints DIR or --keypoint-estimator NAME)"
    extras: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n_frames(self) -> int:
        return int(self.pred.shape[0])

    def keypoints_of_target(self) -> "torch.Tensor":
        """Target keypoints: given ones, else estimated (cached); MetricSkip when neither."""
        if self.target_keypoints is not None:
            return self.target_keypoints
        return self.estimated_keypoints("target")

    def estimated_keypoints(self, which: Literal["pred", "target"]) -> "torch.Tensor":
        """Keypoints estimated on ``pred`` or ``target`` frames (once per pair)."""
        if which not in self._cache:
            if self.estimator is None:
                raise MetricSkip(self.keypoint_note)
            frames = self.pred if which == "pred" else self.target
            kp = self.estimator(frames)
            check_keypoints(kp, frames.shape[0], f"keypoints estimated on the {which} video")
            self._cache[which] = kp
        return self._cache[which]


def check_keypoints(kp: "torch.Tensor", n_frames: int, what: str) -> None:
    """Raise MetricSkip unless ``kp`` is ``n_frames×133×3``."""
    shape = tuple(kp.shape)
    if len(shape) != 3 or shape[1:] != (133, 3) or shape[0] != n_frames:
        raise MetricSkip(f"{what} have shape {shape}, expected ({n_frames}, 133, 3)")


@dataclass
class CorpusResult:
    """The figure of a corpus-level metric and how it was obtained (shown next to it)."""

    value: float
    n: int
    details: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # set when value is NaN
    n_missing: int = 0  # rows (status ok) that contributed nothing
    warning: str | None = None  # a computed value that must not be read as an ordinary one (shown with it)


class Metric:
    """Base class: subclasses set ``info`` and implement ``score`` or ``state``/``compute_corpus``.

    Args:
        options: the metric family's options dataclass (``options_key`` names its
            section in the scoring config), or None for defaults.
        device: torch device for networks and batched tensor maths.
        batch_frames: frames per batch in per-frame computations (memory bound;
            never changes a number).
    """

    info: ClassVar[MetricInfo]
    options_key: ClassVar[str | None] = None
    options_class: ClassVar[type | None] = None

    def __init__(self, options: Any = None, device: "str | torch.device" = "cpu", batch_frames: int = 32):
        if options is None and self.options_class is not None:
            options = self.options_class()
        self.options = options
        self.device = device
        self.batch_frames = int(batch_frames)

    # --- availability and provenance -----------------------------------------------------------
    def unavailable_reason(self) -> str | None:
        """None when the metric can run; otherwise one line naming what is missing and the fix."""
        return None

    def weight_digests(self) -> dict[str, str]:
        """``{weight id: sha256}`` of the weight files this instance uses (for provenance)."""
        return {}

    def describe(self) -> dict[str, Any]:
        """Protocol details reported next to the number (clip length, covariance, ...)."""
        return {}

    # --- per-video ---------------------------------------------------------------------------
    def score(self, pair: VideoPair) -> dict[str, "float | Missing"]:
        """``{column: value or Missing(reason)}`` for one video (per-video metrics)."""
        raise TypeError(f"metric {self.info.id!r} is corpus-level: use state() and compute_corpus()")

    # --- corpus-level ------------------------------------------------------------------------
    @classmethod
    def state_columns(cls) -> tuple[str, ...]:
        """Per-video state columns a corpus-level metric stores in result rows."""
        return ()

    def state(self, pair: VideoPair) -> dict[str, Any]:
        """Per-video contribution of a corpus-level metric (stored in the row)."""
        raise TypeError(f"metric {self.info.id!r} is per-video: use score()")

    @classmethod
    def compute_corpus(cls, rows: "pd.DataFrame", options: Any = None) -> CorpusResult:
        """The corpus figure from result rows alone (their state columns)."""
        raise TypeError(f"metric {cls.info.id!r} is per-video: it has no corpus computation")

    @classmethod
    def compute_corpus_columns(cls, rows: "pd.DataFrame", options: Any = None) -> dict[str, CorpusResult]:
        """``{column: figure}`` of a corpus metric with several columns (``info.columns``; WER and
        WER on the real videos); by default the one figure of :meth:`compute_corpus`."""
        return {cls.info.id: cls.compute_corpus(rows, options)}

    @classmethod
    def corpus_resampling(cls, rows: "pd.DataFrame", options: Any = None) -> dict[str, Any]:
        """``{column: figure}`` of a corpus metric that :mod:`slvg_bench.stats` can recompute on
        resampled videos (a ``RatioFigure`` or ``FrechetFigure`` built from the rows' state, the same
        videos as :meth:`compute_corpus_columns`), or ``{column: reason}`` where it cannot.

        The default: no interval, and the reason says so (a corpus metric without this rule gets
        no confidence interval and no paired test — never a made-up one).
        """
        reason = (f"no interval: corpus metric {cls.info.id!r} has no rule to recompute its figure on resampled "
                  f"videos (Metric.corpus_resampling)")
        return {c: reason for c in cls.info.output_columns}


def nan_if_empty(values: list[float]) -> float:
    return float(sum(values) / len(values)) if values else math.nan


def frame_batches(n: int, size: int):
    """Slices covering ``range(n)`` in chunks of ``size``."""
    for start in range(0, n, max(1, size)):
        yield slice(start, min(n, start + size))
