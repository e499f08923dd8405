"""WER as a benchmark metric: a CorrNet recognizer reads the generated and the real videos.

Corpus-level (:mod:`slvg_bench.metrics.base`): for every video the recognizer's gloss
sequence on the generated video (``pred``) and on the real target video is stored in the
result row together with the reference glosses; the figures are computed from the rows
with the official scoring (:func:`slvg_bench.metrics.wer.score_corpus`, Σ errors / Σ
reference glosses, never a mean of sentence WERs). Two figures, both lower-is-better:

- ``wer``: the recognizer on the generated videos;
- ``wer-real``: the same recognizer on the real target videos — the ceiling. The gap is what
  the generator lost. For the oracle method the two coincide.

Substitution / deletion / insertion counts of both are in the aggregate ``details``.
References come from ``pair.extras["glosses"]`` (the harness sets them from the dataset;
``evaluate`` from ``--glosses FILE`` or the dataset); in the cross-person task they are
the driving video's glosses, as the target is the driving video.

The recognizer: ``options.recognizer`` (``--set wer.recognizer=ID_OR_PATH``), or with
``auto`` the one :data:`~slvg_bench.recognition.specs.DATASET_RECOGNIZER` names for the
dataset. A missing checkpoint makes the metric *unavailable* with the install command
(``slvg-bench recognizer train --dataset synthsign`` for synthsign) — never 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slvg_bench.errors import CheckpointError, SlvgError, UsageError
from slvg_bench.metrics.base import CorpusResult, Metric, MetricInfo, MetricSkip, VideoPair

METRIC_ID = "wer"
REAL_COLUMN = "wer-real"
STATE_HYP = f"{METRIC_ID}:hyp"
STATE_HYP_REAL = f"{METRIC_ID}:hyp_real"
STATE_REF = f"{METRIC_ID}:ref"
STATE_RECOGNIZER = f"{METRIC_ID}:recognizer"
DECODERS = ("beam", "greedy")


@dataclass(frozen=True)
class WEROptions:
    """``recognizer``: ``auto`` (by dataset), a recognizer id (``slvg_bench.recognition.specs``)
    or a CorrNet checkpoint path made by ``slvg-bench recognizer train``.
    ``decoder``: ``beam`` (official, width 10) or ``greedy``."""

    recognizer: str = "auto"
    decoder: str = "beam"

    def validate(self) -> "WEROptions":
        from slvg_bench.errors import UsageError

        if self.decoder not in DECODERS:
            raise UsageError(f"wer.decoder must be one of {', '.join(DECODERS)}, got {self.decoder!r}")
        return self


def recognizer_for(options: WEROptions, dataset: str | None) -> str | None:
    """The recognizer id/path the options and dataset select (None: the dataset has none)."""
    from slvg_bench.recognition.specs import DATASET_RECOGNIZER

    if options.recognizer != "auto":
        return options.recognizer
    return DATASET_RECOGNIZER.get((dataset or "").lower())


class WER(Metric):
    """Word error rate of a CorrNet recognizer on generated videos (``wer``) and on the real ones (``wer-real``)."""

    options_key = "wer"
    options_class = WEROptions
    info = MetricInfo(
        id=METRIC_ID,
        version=1,
        higher_is_better=False,
        level="corpus",
        columns=(METRIC_ID, REAL_COLUMN),
        weights=("corrnet.synthsign-slvg", "corrnet.phoenix2014t-official", "corrnet.csl-daily-official"),
        unit="%",
        value_range="0 … unbounded (insertions can exceed 100)",
        summary="CorrNet gloss recognition, official scoring (sclite 3/3/4 alignment, Σ errors / Σ ref glosses)",
        signature=("decoder:{decoder}", "align:3/3/4", "percent"),
    )

    def __init__(self, options: WEROptions | None = None, device="cpu", batch_frames: int = 32, *,
                 dataset: str | None = None, recognizer=None):
        """``dataset`` picks the recognizer when ``options.recognizer`` is ``auto``;
        ``recognizer``: a ready :class:`~slvg_bench.recognition.recognizer.Recognizer` (tests)."""
        super().__init__(options, device, batch_frames)
        self.options.validate()
        self.dataset = dataset
        self.name = recognizer.name if recognizer is not None else recognizer_for(self.options, dataset)
        self._recognizer = recognizer
        self._problem: str | None = None

    # --- availability / provenance -----------------------------------------------------------
    def unavailable_reason(self) -> str | None:
        if self._recognizer is not None:
            return None
        if self.name is None:
            return (f"{METRIC_ID} unavailable: no recognizer is known for dataset {self.dataset or '(none given)'!r}; "
                    f"choose one with --set wer.recognizer=ID (corrnet-synthsign, corrnet-phoenix2014t, "
                    f"corrnet-csl-daily) or a checkpoint path")
        try:
            self.recognizer  # loads it (or fails with the weight manager's fix command)
        except UsageError:  # a recognizer id that does not exist: the command line is wrong, not the install
            raise
        except SlvgError as e:
            if isinstance(e, CheckpointError) and self.options.recognizer != "auto":
                raise  # the file the user chose is damaged or not a recognizer: not a missing install
            return f"{METRIC_ID} unavailable: recognizer {self.name!r} cannot be loaded: {e}"
        return None

    @property
    def recognizer(self):
        if self._recognizer is None:
            from slvg_bench.recognition.recognizer import load_recognizer

            self._recognizer = load_recognizer(self.name, device=str(self.device), decoder=self.options.decoder)
        return self._recognizer

    def _checkpoint(self) -> tuple[str, Path | None]:
        """(weight id or path label, file) of the recognizer's checkpoint."""
        from slvg_bench.recognition.specs import RECOGNIZERS

        if self.name in RECOGNIZERS:
            from slvg_bench import weights

            wid = RECOGNIZERS.get(self.name).weights
            return wid, weights.weight_path(wid)
        path = Path(str(self.name))
        return str(path), path if path.is_file() else None

    def weight_digests(self) -> dict[str, str]:
        from slvg_bench import weights

        label, path = self._checkpoint()
        if path is None or not path.is_file():
            return {label: "in-memory recognizer (tests)"}
        return {label: weights.cached_sha256(path)}

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"recognizer": self.name, "decoder": self.options.decoder,
                               "procedure": "official CorrNet/VAC scoring: simplification rules, [EMPTY], merged "
                                            "repeats, sclite alignment ins 3 / del 3 / sub 4, Σ errors / Σ ref glosses"}
        if self._recognizer is not None:
            out.update(convention=self._recognizer.convention, input=self._recognizer.input_spec.to_dict())
        return out

    # --- per-video state ---------------------------------------------------------------------
    @classmethod
    def state_columns(cls) -> tuple[str, ...]:
        return (STATE_HYP, STATE_HYP_REAL, STATE_REF, STATE_RECOGNIZER)

    def state(self, pair: VideoPair) -> dict[str, Any]:
        refs = pair.extras.get("glosses")
        if not refs:
            note = pair.extras.get("glosses_note") or "pass --glosses FILE, or use a dataset with glosses"
            raise MetricSkip(f"no reference glosses for {pair.video_id!r}: {note}")
        rec = self.recognizer
        hyp, hyp_real = rec.recognize([pair.pred.detach().float().cpu(), pair.target.detach().float().cpu()])
        return {
            STATE_HYP: " ".join(hyp),
            STATE_HYP_REAL: " ".join(hyp_real),
            STATE_REF: " ".join(refs),
            STATE_RECOGNIZER: f"{rec.name}|{rec.convention}|{self.options.decoder}",
        }

    # --- corpus ------------------------------------------------------------------------------
    @classmethod
    def compute_corpus(cls, rows, options: WEROptions | None = None) -> CorpusResult:
        """``wer`` from the rows (``details`` carry both figures' S/D/I counts)."""
        return corpus_figures(rows)[METRIC_ID]

    @classmethod
    def compute_corpus_columns(cls, rows, options: WEROptions | None = None) -> dict[str, CorpusResult]:
        """Both figures (``wer``, ``wer-real``) from the rows."""
        return corpus_figures(rows)

    @classmethod
    def corpus_resampling(cls, rows, options: WEROptions | None = None) -> dict[str, Any]:
        """Both figures on resampled videos (sentences): per video ``100·errors`` over its reference glosses,
        the official counts of :func:`~slvg_bench.metrics.wer.count_sentence` (a
        :class:`~slvg_bench.stats.RatioFigure`: Σ errors / Σ reference glosses on every resample)."""
        from slvg_bench.metrics.wer import count_sentence
        from slvg_bench.stats import RatioFigure

        if STATE_HYP not in rows.columns:
            reason = "no interval: these rows hold no recognitions"
            return {METRIC_ID: reason, REAL_COLUMN: reason}
        ok = rows[rows["status"] == "ok"]
        have = ok[ok[STATE_REF].map(lambda v: isinstance(v, str) and bool(v.strip()))]
        recognizers = sorted(set(have[STATE_RECOGNIZER]))
        convention = ((recognizers[0].split("|") + ["", ""])[1] if recognizers else "") or "plain"
        ids = have["video_id"].astype(str).tolist()
        out: dict[str, Any] = {}
        for column, state in ((METRIC_ID, STATE_HYP), (REAL_COLUMN, STATE_HYP_REAL)):
            counts = [count_sentence(str(ref).split(), str(hyp or "").split(), convention)
                      for ref, hyp in zip(have[STATE_REF], have[state])]
            out[column] = RatioFigure(ids, [100.0 * c.errors for c in counts], [c.n_ref for c in counts])
        return out


def corpus_figures(rows) -> dict[str, CorpusResult]:
    """``{"wer": …, "wer-real": …}``: NaN with the first blocking reason when a figure cannot be computed."""
    import pandas as pd

    from slvg_bench.metrics.wer import score_corpus

    nan = float("nan")
    if STATE_HYP not in rows.columns:
        res = CorpusResult(nan, 0, {}, f"{METRIC_ID} was not computed for these rows")
        return {METRIC_ID: res, REAL_COLUMN: res}
    ok = rows[rows["status"] == "ok"]
    has = ok[STATE_REF].map(lambda v: isinstance(v, str) and bool(v.strip()))
    missing = ok[~has]
    reason_col = f"{METRIC_ID}_reason"
    reasons = missing[reason_col] if reason_col in missing.columns else pd.Series(None, index=missing.index, dtype=object)
    reasons = reasons.fillna("no recognition stored").astype(str)
    have = ok[has]
    recognizers = sorted(set(have[STATE_RECOGNIZER]))
    name, convention, decoder = (recognizers[0].split("|") + ["", "", ""])[:3] if recognizers else ("", "plain", "")
    details: dict[str, Any] = {"recognizer": name, "convention": convention, "decoder": decoder,
                               "n_videos": int(len(have))}
    if len(missing):
        what = reasons.iloc[0] if reasons.nunique() == 1 else f"first {missing['video_id'].iloc[0]!r}: {reasons.iloc[0]}"
        details["videos_without_wer"] = int(len(missing))
        # every video must count: a corpus WER over a subset would not be comparable
        res = CorpusResult(nan, 0, details, f"{len(missing)} of {len(ok)} videos have no WER; {what}",
                           n_missing=len(missing))
        return {METRIC_ID: res, REAL_COLUMN: res}
    if len(recognizers) > 1:
        res = CorpusResult(nan, 0, details, f"rows mix recognitions of different recognizers: {recognizers}")
        return {METRIC_ID: res, REAL_COLUMN: res}
    ids = [str(v) for v in have["video_id"]]
    refs = dict(zip(ids, (r.split() for r in have[STATE_REF])))
    counts = score_corpus(refs, dict(zip(ids, (str(h or "").split() for h in have[STATE_HYP]))), convention or "plain")
    counts_real = score_corpus(refs, dict(zip(ids, (str(h or "").split() for h in have[STATE_HYP_REAL]))),
                               convention or "plain")
    gen, real = counts.to_dict(), counts_real.to_dict()
    details.update(generated=gen, real=real, gap=_gap(gen["wer"], real["wer"]))
    return {
        METRIC_ID: CorpusResult(counts.wer, counts.n_sentences, details),
        REAL_COLUMN: CorpusResult(counts_real.wer, counts_real.n_sentences, details),
    }


def _gap(a: float, b: float) -> float | None:
    return None if math.isnan(a) or math.isnan(b) else a - b
