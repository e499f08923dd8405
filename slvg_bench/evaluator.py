"""``slvg_bench.Evaluator``: the metrics of ``slvg-bench evaluate`` on tensors, inside a training loop.

A thin stateful wrapper over the per-video scoring path of the command line
(:func:`slvg_bench.scoring.prepare_pair` and :func:`slvg_bench.scoring.score_row`) and its
aggregation (:func:`slvg_bench.results.aggregate`), so the same frames give the same figures
as ``slvg-bench evaluate`` by construction::

    ev = Evaluator(metrics=("l1", "ssim", "lpips", "fvd"), device="cuda")
    for batch in val_loader:
        ev.update(model(batch), batch["target"], video_id=batch["id"])   # B×T×3×H×W in [0, 1]
    res = ev.compute()          # res["l1"], res.values, res.aggregate, res.per_video()
    ev.reset()

State is one result row per video (its metric values, their reasons, and the per-video state of
corpus metrics: FVD's I3D features, WER's hypotheses) — never frames, so memory does not grow
with the length of the videos, and only by a row per video. Frames stay on the device they come
in on when ``device`` is that device; the per-frame figures come back to the host as scalars.
FVD hashes its clips on the CPU (feature cache keys), the one metric that copies frames.

Differences from the command line, all stated: input problems (wrong shape, dtype, values outside
[0, 1], mismatched pairs without ``align``) raise :class:`EvaluatorInputError` at ``update``
instead of becoming *failed* rows; FVD's feature cache is off unless ``options`` turn it on
(predictions change at every validation); nothing is seeded (the caller's RNG is left alone; no
metric draws random numbers). Frames saved as video files are uint8: ``quantize=True`` rounds
both sides to uint8 levels first, which is what ``slvg-bench run`` scores and what
``slvg-bench evaluate`` reads back from lossless files.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd
import torch

from slvg_bench import config as config_mod
from slvg_bench import provenance, results
from slvg_bench.errors import TensorInputError, UsageError
from slvg_bench.metrics.base import MetricSkip, check_keypoints
from slvg_bench.metrics.registry import ALIASES, DEFAULT_METRICS, resolve
from slvg_bench.scoring import (
    ALIGN_POLICIES, CUT_WARNING, AlignmentWarning, InputError, MetricOptions, Scorer, prepare_pair, resolve_device,
    score_row,
)

RUN_ID = "evaluator"
KEYPOINT_NOTE = "no keypoints were given (pass keypoints= to Evaluator.update or keypoint_estimator= to Evaluator)"
GLOSSES_NOTE = "no reference glosses were given (pass glosses= to Evaluator.update)"


class EvaluatorInputError(TensorInputError):
    """A tensor or argument given to :class:`Evaluator` that it cannot score; one line naming it
    (a :class:`~slvg_bench.errors.TensorInputError`: a UsageError and a ValueError)."""


@dataclass
class EvaluationResult:
    """What :meth:`Evaluator.compute` returns.

    Attributes:
        aggregate: the dataset figures, exactly as ``slvg-bench evaluate`` computes them from rows.
        summary: ``n_videos``, ``n_frames``, ``unavailable_metrics`` ({metric: reason with the
            install command}), ``errors`` (figures that are NaN although their metric is available).
        rows: one row per video, the columns of the command line's Parquet file.
        provenance: what produced the numbers (versions, weight digests, metric protocols).
    """

    aggregate: list[results.AggregateRow]
    summary: dict[str, Any]
    rows: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, float]:
        """``{figure name: value}`` (``l1``, ``l1 [video mean]``, ``tcd-target``, …); NaN = unavailable/failed."""
        return {e.name: e.value for e in self.aggregate}

    def __getitem__(self, name: str) -> float:
        """The value of figure ``name`` (aliases such as ``lpips`` and ``fvd`` accepted)."""
        return self.figure(name).value

    def figure(self, name: str) -> results.AggregateRow:
        """The :class:`~slvg_bench.results.AggregateRow` of ``name`` (value, direction, reason, details)."""
        by_name = {e.name: e for e in self.aggregate}
        key = name if name in by_name else ALIASES.get(name.strip().lower(), name)
        if key not in by_name:
            raise KeyError(f"no figure {name!r} in this result; figures: {', '.join(by_name)}")
        return by_name[key]

    def per_video(self) -> pd.DataFrame:
        """``video_id``, ``n_frames`` and one column per per-video metric value (no state, no reasons)."""
        keep = [c for c in self.rows.columns if c in ("video_id", "n_frames") or _is_value_column(self.rows, c)]
        return self.rows[keep].reset_index(drop=True)

    def records(self) -> list[dict]:
        """The aggregate as plain dicts (the ``aggregate`` list of the command line's JSON)."""
        return results.aggregate_records(self.aggregate)

    def save(self, out: str | Path) -> tuple[Path, Path, Path]:
        """Write the rows to ``out`` (``.parquet``) and ``<stem>.aggregate.csv/.json`` beside it, as
        ``slvg-bench evaluate --out`` does (``slvg-bench check`` and ``slvg-bench fvd`` read them)."""
        from slvg_bench.evaluate import aggregate_paths

        out = Path(out)
        if out.suffix != ".parquet":
            raise UsageError(f"EvaluationResult.save: out must be a .parquet file, got {str(out)!r}")
        results.write_rows(self.rows, out, self.provenance)
        csv_path, json_path = aggregate_paths(out)
        results.write_aggregate(self.aggregate, self.summary, self.provenance, csv_path, json_path)
        return out, csv_path, json_path


def _is_value_column(rows: pd.DataFrame, col: str) -> bool:
    return (f"{col}{results.REASON_SUFFIX}" in rows.columns) and pd.api.types.is_float_dtype(rows[col])


class Evaluator:
    """Scores prediction/target video pairs one update at a time; figures on :meth:`compute`.

    Args:
        metrics: metric ids or aliases (``"l1,ssim"`` or a sequence; ``lpips`` = ``lpips-alex``,
            ``fvd`` = ``fvd-i3d-k400``, ``regions``), default ``slvg-bench evaluate``'s
            ``l1, ssim, psnr, lpips-alex, fvd-i3d-k400, tcd``. Metrics whose weight files are missing are
            reported unavailable (NaN + the install command), never 0.
        device: ``auto`` (CUDA when present), ``cpu``, ``cuda``, ``cuda:N``.
        options: :class:`~slvg_bench.scoring.MetricOptions`, or a mapping of its sections
            (``{"fvd": {"skip_short": True}, "tcd": {"reduction": "any"}}``).
        align: ``truncate`` and/or ``resize`` for pairs whose frame counts / sizes differ (as
            ``--align``; :func:`slvg_bench.scoring.align_pair` says exactly what each does); without it
            such a pair is an error. A truncation of more than 2 frames warns (:class:`AlignmentWarning`).
        quantize: round both videos to uint8 levels before scoring (what saved videos hold).
        dataset: dataset id; picks the WER recognizer as ``--dataset`` does.
        keypoint_estimator: pose-estimator name or a callable ``T×3×H×W -> T×133×3`` for region
            metrics without given keypoints and for ``akd``.
        batch_frames: frames per batch inside a metric (memory only; never changes a number).
        metric_kwargs: extra constructor arguments by metric id (tests: a tiny I3D, random LPIPS).
    """

    def __init__(
        self,
        metrics: str | Sequence[str] | None = None,
        *,
        device: str = "auto",
        options: MetricOptions | Mapping[str, Any] | None = None,
        align: Iterable[str] = (),
        quantize: bool = False,
        dataset: str = "",
        keypoint_estimator: str | Callable[[torch.Tensor], torch.Tensor] | None = None,
        batch_frames: int = 32,
        metric_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
    ):
        self.metric_ids = resolve(metrics) if metrics else list(DEFAULT_METRICS)
        if not self.metric_ids:
            raise UsageError("Evaluator: metrics is empty; give at least one metric id (e.g. 'l1')")
        self.options = _resolve_options(options)
        self.align = tuple(align)
        bad = sorted(set(self.align) - set(ALIGN_POLICIES))
        if bad:
            raise UsageError(f"Evaluator: align takes {' and/or '.join(ALIGN_POLICIES)}, got {', '.join(bad)}")
        self.quantize = bool(quantize)
        self.device = resolve_device(device)
        self.dataset = dataset
        kwargs: dict[str, dict] = {"wer": {"dataset": dataset}} if "wer" in self.metric_ids else {}
        for mid, kw in (metric_kwargs or {}).items():
            kwargs[mid] = {**kwargs.get(mid, {}), **kw}
        self.scorer = Scorer(self.metric_ids, self.options, self.device, batch_frames, kwargs)
        self.schema = self.scorer.schema
        self.estimator = self._estimator(keypoint_estimator)
        self.config = {"metrics": self.metric_ids, "options": config_mod.to_dict(self.options),
                       "align": sorted(self.align), "quantize": self.quantize, "dataset": dataset}
        hashed = {**self.config, "options": _hashed_options(self.config["options"])}
        self.config_hash = config_mod.config_hash(hashed)
        self.context = results.RunContext(run_id=RUN_ID, method="evaluator", dataset=dataset, task="evaluate",
                                          code_version=provenance.code_version(), config_hash=self.config_hash)
        self.reset()

    def _estimator(self, estimator):
        if estimator is None or callable(estimator):
            return estimator
        if not (self.scorer.needs("target_keypoints") or self.scorer.needs("keypoint_estimator")):
            return None
        from slvg_bench.metrics.keypoint_source import load_estimator

        return load_estimator(str(estimator), self.device)

    # --- state -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every video scored so far (the metrics and their networks stay loaded)."""
        self._rows: list[dict[str, Any]] = []
        self._ids: set[str] = set()
        self._next_id = 0

    @property
    def n_videos(self) -> int:
        return len(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def unavailable(self) -> dict[str, str]:
        """``{metric id: reason naming the install command}`` of metrics that cannot run here."""
        return dict(self.scorer.unavailable)

    # --- update ------------------------------------------------------------------------------
    def update(self, pred: torch.Tensor, target: torch.Tensor, *, video_id: Any = None,
               keypoints: Any = None, glosses: Any = None) -> None:
        """Score one video pair (``T×3×H×W``) or a batch (``B×T×3×H×W``).

        Args:
            pred, target: float tensors in [0, 1], same shape (or alignable with ``align``), on any device;
                they are detached and scored under ``torch.no_grad()``.
            video_id: the row key(s): a string (one video) or B strings; default ``000000``, ``000001``, …
                Ids are unique until :meth:`reset`.
            keypoints: target keypoints ``T×133×3`` (pixels of the target frame, confidence), or
                ``B×T×133×3`` / a list of B (entries may be None) for a batch; for region metrics.
            glosses: reference glosses for ``wer``: a string ``"A B C"`` or a list of glosses for one
                video; a list of B of those for a batch.

        Everything is checked before anything is scored: a bad batch changes nothing.
        """
        batched = self._check_layout(pred, target)
        pred, target = pred.detach(), target.detach()  # a model's output: no autograd graph through the metrics
        n = pred.shape[0] if batched else 1
        preds = list(pred) if batched else [pred]
        targets = list(target) if batched else [target]
        ids = self._ids_for(video_id, n, batched)
        kps = _per_item(keypoints, n, batched, "keypoints", array_ndim=4)
        gls = _per_item(glosses, n, batched, "glosses")
        prepared = []
        for i in range(n):
            at = f"[{i}]" if batched else ""
            try:
                p, t, note = prepare_pair(preds[i], targets[i], self.align, pred_what=f"pred{at}",
                                          target_what=f"target{at}")
            except InputError as e:
                raise EvaluatorInputError(f"Evaluator.update: {_api_wording(str(e))}") from None
            if CUT_WARNING in note:
                warnings.warn(f"Evaluator.update: video {ids[i]!r}: {note}", AlignmentWarning, stacklevel=2)
            if self.quantize:
                p, t = _quantize(p), _quantize(t)
            kp = self._keypoints(kps[i], targets[i].shape[0], t.shape[0], at)
            prepared.append((ids[i], p, t, note, kp, _glosses(gls[i], at)))
        rows = []
        with torch.no_grad():
            for vid, p, t, note, kp, refs in prepared:
                rows.append(score_row(self.context, self.schema, self.scorer, vid, p, t, self.device, note=note,
                                      target_keypoints=kp, estimator=self.estimator,
                                      keypoint_note=None if kp is not None or self.estimator is not None
                                      else KEYPOINT_NOTE, glosses=refs, glosses_note=GLOSSES_NOTE))
        self._rows.extend(rows)
        self._ids.update(ids)

    def _check_layout(self, pred, target) -> bool:
        for name, x in (("pred", pred), ("target", target)):
            if not isinstance(x, torch.Tensor):
                raise EvaluatorInputError(f"Evaluator.update: {name} must be a torch.Tensor (T×3×H×W or "
                                          f"B×T×3×H×W, float in [0, 1]), got {type(x).__name__}")
            if x.ndim not in (4, 5) or x.shape[-3] != 3:
                raise EvaluatorInputError(f"Evaluator.update: {name} must be T×3×H×W or B×T×3×H×W (RGB), "
                                          f"got shape {tuple(x.shape)}")
        if pred.ndim != target.ndim:
            raise EvaluatorInputError(f"Evaluator.update: pred and target must both be one video (T×3×H×W) or "
                                      f"both a batch (B×T×3×H×W), got {tuple(pred.shape)} and {tuple(target.shape)}")
        if pred.ndim == 5 and pred.shape[0] != target.shape[0]:
            raise EvaluatorInputError(f"Evaluator.update: pred holds {pred.shape[0]} videos, target "
                                      f"{target.shape[0]}; a batch pairs them one to one")
        return pred.ndim == 5

    def _ids_for(self, video_id: Any, n: int, batched: bool) -> list[str]:
        if video_id is None:
            ids = []
            while len(ids) < n:
                candidate = f"{self._next_id:06d}"
                self._next_id += 1
                if candidate not in self._ids:
                    ids.append(candidate)
            return ids
        if batched:
            if isinstance(video_id, (str, bytes)) or not isinstance(video_id, Sequence) or len(video_id) != n:
                raise EvaluatorInputError(f"Evaluator.update: video_id for a batch of {n} must be a list of {n} "
                                          f"strings, got {video_id!r}")
            ids = [str(v) for v in video_id]
        else:
            if not isinstance(video_id, (str, int)):
                raise EvaluatorInputError(f"Evaluator.update: video_id of one video must be a string, got {video_id!r}")
            ids = [str(video_id)]
        seen: set[str] = set()
        for v in ids:
            if not v:
                raise EvaluatorInputError("Evaluator.update: video_id must be a non-empty string")
            if v in self._ids or v in seen:
                raise EvaluatorInputError(f"Evaluator.update: video_id {v!r} was already given "
                                          "(ids are unique until reset())")
            seen.add(v)
        return ids

    @staticmethod
    def _keypoints(kp: Any, n_target: int, n_scored: int, at: str) -> torch.Tensor | None:
        if kp is None:
            return None
        try:
            kp = torch.as_tensor(kp).detach().to("cpu", torch.float32)
        except (TypeError, ValueError, RuntimeError) as e:
            raise EvaluatorInputError(f"Evaluator.update: keypoints{at} must be a T×133×3 tensor: {e}") from None
        try:
            check_keypoints(kp, n_target, f"keypoints{at}")
        except MetricSkip as e:
            raise EvaluatorInputError(f"Evaluator.update: {e} (one row per target frame)") from None
        if not torch.isfinite(kp).all():
            raise EvaluatorInputError(f"Evaluator.update: keypoints{at} contain NaN/Inf "
                                      "(use confidence 0 for unknown points)")
        return kp[:n_scored]

    # --- compute -----------------------------------------------------------------------------
    def rows(self) -> pd.DataFrame:
        """The per-video rows so far (sorted by video id, as the command line stores them)."""
        df = pd.DataFrame(self._rows, columns=list(self.schema.columns))
        return results.deduplicate(df) if len(df) else df

    def compute(self) -> EvaluationResult:
        """The dataset figures of every video since the last :meth:`reset` (state is kept)."""
        from slvg_bench.evaluate import metric_errors

        if not self._rows:
            raise UsageError("Evaluator.compute: no video was scored yet (call update() first)")
        rows = self.rows()
        entries = results.aggregate(rows, self.scorer.classes, self.options,
                                    metric_weights=self.scorer.metric_weights())
        summary = {
            "n_videos": len(rows),
            "n_frames": int(rows["n_frames"].sum()),
            "status_counts": {"ok": len(rows)},
            "failed_videos": {},
            "unavailable_metrics": self.unavailable,
            "errors": metric_errors(entries, self.scorer.unavailable),
        }
        prov = provenance.collect(
            config=self.config, config_hash=self.config_hash, device=self.device, seeds={},
            weights=self.scorer.weight_digests(),
            metrics={mid: type(m).info.version for mid, m in self.scorer.metrics.items()},
            extra={"metric_protocols": self.scorer.describe(), "unavailable_metrics": self.unavailable,
                   "source": "slvg_bench.Evaluator"},
        )
        return EvaluationResult(entries, summary, rows, prov)

    def __repr__(self) -> str:
        return f"Evaluator(metrics={self.metric_ids}, device={self.device!r}, videos={len(self._rows)})"


# ---------------------------------------------------------------------------------------------
# helpers


def _resolve_options(options) -> MetricOptions:
    """MetricOptions as given, or built from a mapping; FVD's feature cache off unless asked for."""
    if isinstance(options, MetricOptions):
        return options
    if options is not None and not isinstance(options, Mapping):
        raise UsageError(f"Evaluator: options must be MetricOptions or a mapping of its sections, got "
                         f"{type(options).__name__}")
    data = dict(options or {})
    opts = config_mod.from_dict(MetricOptions, data, "options.")
    if "cache" not in (data.get("fvd") or {}):
        opts = dataclasses.replace(opts, fvd=dataclasses.replace(opts.fvd, cache=False))
    return opts


def _hashed_options(options: dict) -> dict:
    """Options minus those that never change a number (as ``evaluate`` hashes them)."""
    fvd = {k: v for k, v in options.get("fvd", {}).items() if k not in ("cache", "batch_clips")}
    fid = {k: v for k, v in options.get("fid", {}).items() if k != "cache"}
    return {**options, "fvd": fvd, "fid": fid}


def _quantize(video: torch.Tensor) -> torch.Tensor:
    """Round to uint8 levels on the tensor's own device; equal to ``to_float(to_uint8(video))``."""
    return video.float().clamp(0, 1).mul(255.0).round().div(255.0)


def _api_wording(message: str) -> str:
    """The command line's option names in InputError messages -> the Evaluator's argument."""
    return re.sub(r"pass --align (\w+)", r"pass align=('\1',) to Evaluator", message)


def _per_item(value: Any, n: int, batched: bool, name: str, array_ndim: int | None = None) -> list:
    """One entry per video: ``[value]`` for one video; for a batch of ``n``, a B×… array
    (``array_ndim`` dimensions) or a sequence of ``n`` entries (None entries allowed)."""
    if value is None:
        return [None] * n
    if not batched:
        return [value]
    if hasattr(value, "shape"):
        if array_ndim is not None and len(value.shape) == array_ndim and value.shape[0] == n:
            return list(value)
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and len(value) == n:
        return list(value)
    raise EvaluatorInputError(f"Evaluator.update: {name} for a batch of {n} must hold {n} entries "
                              f"(one per video, None allowed), got {_describe(value)}")


def _glosses(value: Any, at: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.split() or None
    if isinstance(value, Sequence) and all(isinstance(g, str) for g in value):
        return [g for g in value if g] or None
    raise EvaluatorInputError(f"Evaluator.update: glosses{at} must be a string 'A B C' or a list of gloss "
                              f"strings, got {_describe(value)}")


def _describe(value: Any) -> str:
    if hasattr(value, "shape"):
        return f"{type(value).__name__} of shape {tuple(value.shape)}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    return repr(value)
