"""CTC decoding as CorrNet does it: greedy ("max") and prefix beam search (beam 10), then merge repeats.

Both decoders take the official time-major logits ``T'×B×C`` (class 0 = blank) and the
valid lengths, and return one list of class indices per clip. Written in numpy/torch; no
compiled decoder is needed.

- :func:`greedy_decode` is the official ``Decode.MaxDecode``: argmax per step, keep the
  first ``len`` steps, collapse repeats, drop blanks, **collapse repeats again** (so
  ``A _ A`` gives one ``A``, unlike textbook CTC).
- :func:`beam_decode` reproduces ``ctcdecode.CTCBeamDecoder(beam_width=10, blank_id=0)``
  with the library defaults CorrNet uses (no language model, ``cutoff_top_n=40``,
  ``cutoff_prob=1.0``) on softmax probabilities: per step only the 40 most probable
  classes extend the beam; each prefix keeps log-probabilities of ending in blank / non
  blank; a repeated class extends a prefix only across a blank; the ``beam_width`` best
  prefixes (score = logsumexp of the two, ties broken by the smaller last class) survive.
  The best final prefix has its consecutive repeats merged, as ``Decode.BeamSearch``
  does. Scores are kept in float64 (ctcdecode uses float32), which can only matter
  for exact ties.
"""

from __future__ import annotations

import math
from itertools import groupby
from typing import Sequence

import numpy as np
import torch

NEG_INF = float("-inf")
FLT_MIN = float(np.finfo(np.float32).tiny)  # ctcdecode adds it before taking the log


def merge_repeats(seq: Sequence[int]) -> list[int]:
    """Collapse consecutive duplicates (``itertools.groupby``)."""
    return [k for k, _ in groupby(seq)]


def _lengths_list(lengths, batch: int, steps: int) -> list[int]:
    if lengths is None:
        return [steps] * batch
    return [min(int(v), steps) for v in torch.as_tensor(lengths).reshape(-1).tolist()]


def greedy_decode(logits: torch.Tensor, lengths=None, blank: int = 0) -> list[list[int]]:
    """Official greedy decode of time-major logits ``T×B×C`` -> class indices per clip."""
    best = logits.argmax(dim=2).t().cpu()  # B×T, first index on ties like torch.argmax
    out = []
    for row, n in zip(best.tolist(), _lengths_list(lengths, best.shape[0], best.shape[1])):
        kept = [k for k in merge_repeats(row[:n]) if k != blank]
        out.append(merge_repeats(kept))
    return out


def _logsumexp(a: float, b: float) -> float:
    if a == NEG_INF:
        return b
    if b == NEG_INF:
        return a
    m = max(a, b)
    return math.log(math.exp(a - m) + math.exp(b - m)) + m


def prefix_beam_search(probs: np.ndarray, beam_width: int = 10, blank: int = 0,
                       cutoff_top_n: int = 40, cutoff_prob: float = 1.0) -> list[int]:
    """ctcdecode's beam search over one clip's probabilities ``T×C``; returns the best prefix.

    The returned prefix can hold consecutive repeats (``A _ A``); :func:`beam_decode`
    merges them like CorrNet.
    """
    probs = np.asarray(probs, dtype=np.float64)
    n_classes = probs.shape[1]
    # prefix -> (log P(prefix, ends in blank), log P(prefix, ends in non-blank)) after the last step
    beam: dict[tuple, tuple[float, float]] = {(): (0.0, NEG_INF)}
    for step in probs:
        if cutoff_prob < 1.0 or cutoff_top_n < n_classes:
            order = np.argsort(-step, kind="stable")
            keep = len(order)
            if cutoff_prob < 1.0:
                cum = np.cumsum(step[order])
                keep = min(int(np.searchsorted(cum, cutoff_prob) + 1), cutoff_top_n, len(order))
            else:
                keep = cutoff_top_n
            candidates = order[:keep]
        else:
            candidates = np.arange(n_classes)
        logp = np.log(step[candidates] + FLT_MIN)
        cur: dict[tuple, list[float]] = {p: [NEG_INF, NEG_INF] for p in beam}  # existing nodes stay
        for c, lp in zip(candidates.tolist(), logp.tolist()):
            for prefix, (pb, pnb) in beam.items():
                score = _logsumexp(pb, pnb)
                if c == blank:
                    cur[prefix][0] = _logsumexp(cur[prefix][0], lp + score)
                    continue
                last = prefix[-1] if prefix else None
                if c == last:  # staying on the same symbol keeps the prefix
                    cur[prefix][1] = _logsumexp(cur[prefix][1], lp + pnb)
                    new_lp = lp + pb if pb > NEG_INF else NEG_INF  # a repeat needs a blank in between
                else:
                    new_lp = lp + score
                slot = cur.setdefault(prefix + (c,), [NEG_INF, NEG_INF])
                slot[1] = _logsumexp(slot[1], new_lp)

        def rank(item):  # ctcdecode's prefix_compare: higher score first, then smaller last class
            prefix, (pb, pnb) = item
            return (-_logsumexp(pb, pnb), prefix[-1] if prefix else -1)

        beam = {p: (v[0], v[1]) for p, v in sorted(cur.items(), key=rank)[:beam_width]}
    best = min(beam.items(), key=lambda it: (-_logsumexp(*it[1]), it[0][-1] if it[0] else -1))
    return list(best[0])


def beam_decode(logits: torch.Tensor, lengths=None, beam_width: int = 10, blank: int = 0,
                cutoff_top_n: int = 40) -> list[list[int]]:
    """CorrNet's beam decode of time-major logits ``T×B×C`` -> class indices per clip."""
    probs = logits.detach().float().softmax(-1).permute(1, 0, 2).cpu().numpy()  # B×T×C, float32 like ctcdecode
    out = []
    for row, n in zip(probs, _lengths_list(lengths, probs.shape[0], probs.shape[1])):
        out.append(merge_repeats(prefix_beam_search(row[:n], beam_width, blank, cutoff_top_n)))
    return out


DECODERS = {"beam": beam_decode, "greedy": greedy_decode}


def decode(logits: torch.Tensor, lengths=None, method: str = "beam", beam_width: int = 10) -> list[list[int]]:
    """Decode with ``method`` = ``"beam"`` (the official default, width ``beam_width``) or ``"greedy"``."""
    if method == "beam":
        return beam_decode(logits, lengths, beam_width=beam_width)
    if method == "greedy":
        return greedy_decode(logits, lengths)
    raise ValueError(f"unknown CTC decoding method {method!r}; expected one of {sorted(DECODERS)}")
