"""Continuous sign-language recognition for the WER metric: CorrNet, its input path, CTC decoding.

Public entry points (imported lazily, so ``import slvg_bench.recognition`` loads no torch):

- :func:`recognize` ``(videos: list[T×3×H×W float in [0,1]], recognizer="corrnet-synthsign") -> list[list[str]]``
- :func:`load_recognizer` ``(id or checkpoint path) -> Recognizer`` (``.recognize``, ``.convention``)
- scoring: :func:`slvg_bench.metrics.wer.score_corpus` / :func:`~slvg_bench.metrics.wer.corpus_wer`

Modules: ``backbone`` (ResNet-18 + correlation blocks), ``corrnet`` (full model, losses),
``checkpoint`` (official layout), ``gloss_dict``, ``preprocess`` (input path, padding),
``decode`` (greedy/beam), ``recognizer``, ``specs`` (known recognizers), ``transcripts``
(STM/CTM/bar files), ``gloss_videos`` + ``train`` + ``evaluate`` (the synthsign recognizer).
"""

from __future__ import annotations

_LAZY = {
    "recognize": "slvg_bench.recognition.recognizer:recognize",
    "load_recognizer": "slvg_bench.recognition.recognizer:load_recognizer",
    "Recognizer": "slvg_bench.recognition.recognizer:Recognizer",
    "RECOGNIZERS": "slvg_bench.recognition.specs:RECOGNIZERS",
    "DATASET_RECOGNIZER": "slvg_bench.recognition.specs:DATASET_RECOGNIZER",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        from slvg_bench.registry import import_object

        return import_object(_LAZY[name])
    raise AttributeError(f"module 'slvg_bench.recognition' has no attribute {name!r}")
