"""The recognizers the toolkit knows, as data: checkpoint, gloss dictionary, input path, WER convention.

``corrnet-phoenix2014t`` / ``corrnet-csl-daily`` are the authors' released models (weights
installed by hand, see ``slvg-bench weights list``); ``corrnet-synthsign`` is trained here
by ``slvg-bench recognizer train --dataset synthsign`` and carries its own vocabulary and
input path in the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slvg_bench.recognition.preprocess import OFFICIAL_INPUT, InputSpec
from slvg_bench.registry import Registry


@dataclass(frozen=True)
class RecognizerSpec:
    id: str
    weights: str  # weight id of the checkpoint
    gloss_weights: str | None  # weight id of the gloss dictionary (None: inside the checkpoint)
    input_spec: InputSpec | None  # None: read from the checkpoint
    convention: str  # WER convention (slvg_bench.metrics.wer.CONVENTIONS)
    dataset: str  # the dataset it was trained on
    description: str = ""


RECOGNIZERS: Registry[RecognizerSpec] = Registry("recognizer")
for _spec in (
    RecognizerSpec("corrnet-phoenix2014t", "corrnet.phoenix2014t-official", "corrnet.phoenix2014t-gloss-dict",
                   OFFICIAL_INPUT, "phoenix", "phoenix2014t", "official CorrNet, PHOENIX-2014-T (test WER 20.5)"),
    RecognizerSpec("corrnet-csl-daily", "corrnet.csl-daily-official", "corrnet.csl-daily-gloss-dict",
                   OFFICIAL_INPUT, "csl", "csl", "official CorrNet, CSL-Daily (test WER 30.1)"),
    RecognizerSpec("corrnet-synthsign", "corrnet.synthsign-slvg", None, None, "plain", "synthsign",
                   "CorrNet at reduced width trained here on synthsign"),
):
    RECOGNIZERS.register(_spec.id, _spec)

# which recognizer scores WER for a dataset (the dataset ids the datasets layer may use)
DATASET_RECOGNIZER = {
    "phoenix": "corrnet-phoenix2014t", "phoenix2014t": "corrnet-phoenix2014t", "phoenix-2014t": "corrnet-phoenix2014t",
    "csl": "corrnet-csl-daily", "csl-daily": "corrnet-csl-daily", "csl_daily": "corrnet-csl-daily",
    "synthsign": "corrnet-synthsign",
}


def resolve(recognizer_id: str) -> tuple[Path, Path | None, RecognizerSpec]:
    """(checkpoint path, gloss-dict path or None, spec); raises WeightsUnavailableError with the fix."""
    from slvg_bench import weights

    spec = RECOGNIZERS.get(recognizer_id)
    ckpt = weights.require(spec.weights)
    gloss = weights.require(spec.gloss_weights) if spec.gloss_weights else None
    return ckpt, gloss, spec
