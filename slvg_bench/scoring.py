"""Scoring engine shared by ``slvg-bench evaluate`` and ``slvg-bench run``.

:class:`Scorer` builds the requested metrics once, learns which are unavailable
(missing weights), and turns one :class:`~slvg_bench.metrics.base.VideoPair`
into the ``values / reasons / state`` of a result row. It knows nothing about
where videos come from. :func:`check_video` and :func:`align_pair` (both:
:func:`prepare_pair`) are the input checks that make a video *failed* (with a reason)
instead of crashing a run; :func:`score_row` turns one checked pair into its result row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import torch

from slvg_bench.metrics.base import Metric, MetricSkip, Missing, VideoPair
from slvg_bench.metrics.dtw_mje import DTWMJEOptions
from slvg_bench.metrics.fid import FIDOptions
from slvg_bench.metrics.fvd import FVDOptions
from slvg_bench.metrics.inputs import check_pair
from slvg_bench.metrics.keypoint_distance import KeypointDistanceOptions
from slvg_bench.metrics.region_boxes import BoxOptions
from slvg_bench.metrics.registry import build as build_metric
from slvg_bench.metrics.registry import metric_class
from slvg_bench.metrics.tcd import TCDOptions
from slvg_bench.metrics.wer_metric import WEROptions
from slvg_bench.results import RowSchema

ALIGN_POLICIES = ("truncate", "resize")


@dataclass
class MetricOptions:
    """Per-family metric options (``--set fvd.covariance=biased`` etc.)."""

    fvd: FVDOptions = field(default_factory=FVDOptions)
    tcd: TCDOptions = field(default_factory=TCDOptions)
    regions: BoxOptions = field(default_factory=BoxOptions)
    keypoint_distance: KeypointDistanceOptions = field(default_factory=KeypointDistanceOptions)
    wer: WEROptions = field(default_factory=WEROptions)
    fid: FIDOptions = field(default_factory=FIDOptions)
    dtw_mje: DTWMJEOptions = field(default_factory=DTWMJEOptions)

    def validate(self) -> "MetricOptions":
        """Check every family's options, also of metrics not requested (a typo never passes unnoticed)."""
        for name in self.__dataclass_fields__:
            section = getattr(self, name)
            if hasattr(section, "validate"):
                section.validate()
        if self.wer.recognizer != "auto":
            from slvg_bench.recognition.recognizer import check_recognizer_name

            check_recognizer_name(self.wer.recognizer)
        return self


class InputError(Exception):
    """A video that cannot be scored (bad values, mismatched shapes); ``str(e)`` is the reason."""


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> cuda when present, else cpu; any other value is checked by :func:`check_device`."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    from slvg_bench.devices import check_device

    return check_device(device)


def check_video(video: torch.Tensor, what: str) -> None:
    """Raise InputError unless ``video`` is a finite float ``T×3×H×W`` tensor in [0, 1]."""
    if not isinstance(video, torch.Tensor) or video.ndim != 4 or video.shape[1] != 3:
        shape = tuple(video.shape) if isinstance(video, torch.Tensor) else type(video).__name__
        raise InputError(f"{what} must be a T×3×H×W video, got {shape}")
    if video.shape[0] == 0:
        raise InputError(f"{what} has no frames")
    if not video.is_floating_point():
        raise InputError(f"{what} must be float in [0, 1], got {video.dtype}")
    finite = torch.isfinite(video)
    if not finite.all():
        bad = int((~finite).flatten(1).any(dim=1).nonzero()[0])
        raise InputError(f"{what} has NaN/Inf values (first in frame {bad})")
    lo, hi = float(video.min()), float(video.max())
    if lo < 0.0 or hi > 1.0:
        raise InputError(f"{what} has values outside [0, 1] (min {lo:.4g}, max {hi:.4g})")


TRUNCATE_TOLERANCE = 2  # frames: `--align truncate` warns when it cuts more than this
CUT_WARNING = "cut without re-timing"  # marks the warning in a row's message (evaluate's summary finds it)


class AlignmentWarning(UserWarning):
    """``align=("truncate",)`` cut more than :data:`TRUNCATE_TOLERANCE` frames (``Evaluator.update``)."""


def truncation_warning(n_pred: int, n_target: int) -> str | None:
    """The warning for ``--align truncate`` on lengths ``n_pred``/``n_target`` (None for a gap of
    :data:`TRUNCATE_TOLERANCE` frames or less)."""
    gap = abs(n_pred - n_target)
    if gap <= TRUNCATE_TOLERANCE:
        return None
    longer = "prediction" if n_pred > n_target else "target"
    return (f"WARNING: lengths differ by {gap} frames: the {longer}'s last {gap} frames were {CUT_WARNING} "
            f"(frame i is still compared with frame i; another frame rate or start is not corrected)")


def align_pair(pred: torch.Tensor, target: torch.Tensor, policy: Iterable[str] = ()) -> tuple[torch.Tensor, torch.Tensor, str]:
    """Make ``pred`` and ``target`` the same shape under ``policy`` (``truncate``, ``resize``).

    - ``truncate`` keeps frames 0 … n−1 of both videos, n the shorter length, and drops the rest of
      the longer one. Nothing is re-timed or resampled: frame i of the prediction is compared with
      frame i of the target, so a prediction at another frame rate, or one that starts later, is
      compared with the wrong target frames. When more than :data:`TRUNCATE_TOLERANCE` frames are
      cut, the note carries :func:`truncation_warning`.
    - ``resize`` resizes the prediction's frames to the target's size (bilinear, antialiased when
      shrinking, on one CPU thread: :mod:`slvg_bench.threads`), clamped to [0, 1].

    Returns the aligned pair and a note of what was changed ("" when nothing).
    Raises InputError naming the mismatch and the option that would handle it.
    """
    policy = set(policy)
    notes = []
    if pred.shape[0] != target.shape[0]:
        if "truncate" not in policy:
            raise InputError(
                f"frame counts differ: prediction {pred.shape[0]}, target {target.shape[0]} (pass --align truncate)"
            )
        n = min(pred.shape[0], target.shape[0])
        warning = truncation_warning(pred.shape[0], target.shape[0])
        notes.append(f"truncated to {n} frames (prediction {pred.shape[0]}, target {target.shape[0]})"
                     + (f"; {warning}" if warning else ""))
        pred, target = pred[:n], target[:n]
    if pred.shape[2:] != target.shape[2:]:
        if "resize" not in policy:
            raise InputError(
                f"frame sizes differ: prediction {pred.shape[3]}×{pred.shape[2]}, target "
                f"{target.shape[3]}×{target.shape[2]} (pass --align resize)"
            )
        h, w = target.shape[2:]
        notes.append(f"prediction resized from {pred.shape[3]}×{pred.shape[2]} to {w}×{h}")
        shrink = pred.shape[2] > h or pred.shape[3] > w
        from slvg_bench.threads import torch_threads

        with torch_threads(1, pred.device):  # the last bits of a bilinear resize depend on the thread count
            pred = torch.nn.functional.interpolate(pred, size=(h, w), mode="bilinear", align_corners=False,
                                                   antialias=shrink)
        pred = pred.clamp(0, 1)
    return pred, target, "; ".join(notes)


class Scorer:
    """The requested metrics, built once, applied to one pair at a time.

    Args:
        metric_ids: registered ids (aliases already resolved).
        options: per-family options.
        device: where networks and tensors live.
        metric_kwargs: extra constructor arguments by metric id (tests: random backbones, fake I3D).
    """

    def __init__(
        self,
        metric_ids: list[str],
        options: MetricOptions | None = None,
        device: str = "cpu",
        batch_frames: int = 32,
        metric_kwargs: dict[str, dict[str, Any]] | None = None,
    ):
        self.options = options or MetricOptions()
        self.device = device
        self.metrics: dict[str, Metric] = {}
        self.unavailable: dict[str, str] = {}
        if isinstance(self.options, MetricOptions):
            self.options.validate()
        for mid in metric_ids:
            m = build_metric(mid, self.options, device, batch_frames, **(metric_kwargs or {}).get(mid, {}))
            self.metrics[mid] = m
            reason = m.unavailable_reason()
            if reason:
                self.unavailable[mid] = reason

    @property
    def classes(self) -> list[type]:
        return [type(m) for m in self.metrics.values()]

    @property
    def schema(self) -> RowSchema:
        values, state, corpus = [], [], []
        for m in self.metrics.values():
            if m.info.level == "corpus":
                corpus.append(m.info.id)
                state.extend(m.state_columns())
            else:
                values.extend(m.info.output_columns)
        return RowSchema(tuple(values), tuple(state), tuple(corpus))

    def needs(self, what: str) -> bool:
        """Whether any available metric needs ``target_keypoints`` or ``keypoint_estimator``."""
        return any(what in m.info.needs for mid, m in self.metrics.items() if mid not in self.unavailable)

    def metric_weights(self) -> dict[str, dict[str, str]]:
        """``{metric id: {weight id: sha256}}`` of the available metrics (the signatures' ``w:`` tokens)."""
        return {mid: m.weight_digests() for mid, m in self.metrics.items() if mid not in self.unavailable}

    def mark_unavailable(self, need: str, reason: str) -> list[str]:
        """Make every available metric that needs ``need`` (``keypoint_estimator``, …) unavailable:
        its reason is ``"<id> unavailable: <reason>"``. Returns the ids marked."""
        marked = [mid for mid, m in self.metrics.items() if need in m.info.needs and mid not in self.unavailable]
        for mid in marked:
            self.unavailable[mid] = f"{mid} unavailable: {reason}"
        return marked

    def weight_digests(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for mid, m in self.metrics.items():
            if mid not in self.unavailable:
                out.update(m.weight_digests())
        return out

    def describe(self) -> dict[str, dict]:
        return {mid: m.describe() for mid, m in self.metrics.items()}

    def score(self, pair: VideoPair) -> tuple[dict[str, float], dict[str, str], dict[str, Any]]:
        """``(values, reasons, state)`` for one pair; per-metric problems become reasons.

        ``pair.pred`` and ``pair.target`` must be float ``T×3×H×W`` tensors of one shape with finite
        values in [0, 1] (:func:`prepare_pair` makes them so); anything else raises
        :class:`~slvg_bench.errors.TensorInputError` before any metric runs.
        """
        check_pair(pair.pred, pair.target, "Scorer.score", ("pair.pred", "pair.target"))
        values: dict[str, float] = {}
        reasons: dict[str, str] = {}
        state: dict[str, Any] = {}
        for mid, m in self.metrics.items():
            columns = (mid,) if m.info.level == "corpus" else m.info.output_columns
            if mid in self.unavailable:
                reasons.update({c: self.unavailable[mid] for c in columns})
                continue
            try:
                if m.info.level == "corpus":
                    state.update(m.state(pair))
                    continue
                for col, v in m.score(pair).items():
                    if isinstance(v, Missing):
                        reasons[col] = v.reason
                    else:
                        values[col] = v
            except MetricSkip as e:
                reasons.update({c: str(e) for c in columns})
            except (ValueError, RuntimeError, FloatingPointError) as e:
                # one odd video must not end a long run; the row says what happened
                reasons.update({c: f"error in {mid}: {type(e).__name__}: {e}" for c in columns})
        return values, reasons, state


def make_pair(video_id: str, pred: torch.Tensor, target: torch.Tensor, device: str, *,
              target_keypoints: torch.Tensor | None = None,
              estimator: Callable[[torch.Tensor], torch.Tensor] | None = None,
              keypoint_note: str | None = None) -> VideoPair:
    """A VideoPair on ``device`` (keypoints stay on the CPU)."""
    pair = VideoPair(video_id, pred.to(device), target.to(device), target_keypoints, estimator)
    if keypoint_note:
        pair.keypoint_note = keypoint_note
    return pair


def prepare_pair(pred: torch.Tensor, target: torch.Tensor, policy: Iterable[str] = (), *,
                 pred_what: str = "prediction", target_what: str = "target") -> tuple[torch.Tensor, torch.Tensor, str]:
    """:func:`check_video` on both sides, then :func:`align_pair`: the aligned pair and its note.

    Raises InputError (naming ``pred_what``/``target_what``) for a video that cannot be scored.
    """
    check_video(pred, pred_what)
    check_video(target, target_what)
    return align_pair(pred, target, policy)


def score_row(ctx: Any, schema: RowSchema, scorer: "Scorer", video_id: str, pred: torch.Tensor,
              target: torch.Tensor, device: str, *, note: str = "",
              target_keypoints: torch.Tensor | None = None,
              estimator: Callable[[torch.Tensor], torch.Tensor] | None = None,
              keypoint_note: str | None = None,
              glosses: list[str] | None = None, glosses_note: str | None = None) -> dict[str, Any]:
    """The complete result row (status ``ok``) of one checked, aligned pair.

    The one per-video path of ``slvg-bench evaluate``, ``slvg-bench run`` and
    :class:`slvg_bench.Evaluator`, so all give the same rows for the same frames. ``glosses``: reference glosses for WER (None: the
    row's WER reason is ``glosses_note``, when given). ``ctx`` is a
    :class:`~slvg_bench.results.RunContext`.
    """
    from slvg_bench.results import make_row

    pair = make_pair(video_id, pred, target, device, target_keypoints=target_keypoints, estimator=estimator,
                     keypoint_note=keypoint_note)
    if glosses:
        pair.extras["glosses"] = list(glosses)
    elif glosses_note is not None:
        pair.extras["glosses_note"] = glosses_note
    values, reasons, state = scorer.score(pair)
    return make_row(ctx, schema, video_id, pair.n_frames, "ok", note, values, reasons, state)


def metric_versions(metric_ids: Iterable[str]) -> dict[str, int]:
    return {mid: metric_class(mid).info.version for mid in metric_ids}
