"""CTC decoding: official greedy semantics, and prefix beam search against brute-force CTC."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from slvg_bench.recognition.decode import beam_decode, decode, greedy_decode, prefix_beam_search


def _logits(steps: list[list[float]]) -> torch.Tensor:
    """T×C probabilities -> time-major logits T×1×C."""
    return torch.tensor(steps).log()[:, None]


def test_greedy_collapses_twice_and_respects_lengths():
    # argmax path 1 1 0 1 2 2 0 3 -> collapse -> 1 0 1 2 0 3 -> drop blank -> 1 1 2 3 -> collapse -> 1 2 3
    path = [1, 1, 0, 1, 2, 2, 0, 3]
    logits = torch.nn.functional.one_hot(torch.tensor(path), 4).float()[:, None]
    assert greedy_decode(logits) == [[1, 2, 3]]
    assert greedy_decode(logits, torch.tensor([5])) == [[1, 2]]  # only the first 5 steps
    assert greedy_decode(torch.zeros(3, 1, 4)) == [[]]  # ties -> index 0 (blank) like torch.argmax


def _ctc_labelling_probs(probs: np.ndarray) -> dict[tuple, float]:
    """Exact P(labelling) by summing every frame path (standard CTC collapse)."""
    t, c = probs.shape
    out: dict[tuple, float] = {}
    for path in itertools.product(range(c), repeat=t):
        lab = tuple(k for k, _ in itertools.groupby(path) if k != 0)
        out[lab] = out.get(lab, 0.0) + math.prod(probs[i, k] for i, k in enumerate(path))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_beam_search_finds_the_most_probable_labelling(seed):
    rng = np.random.default_rng(seed)
    t, c = int(rng.integers(3, 7)), int(rng.integers(2, 5))
    probs = rng.dirichlet(np.ones(c) * 0.5, size=t)
    exact = _ctc_labelling_probs(probs)
    best = max(exact, key=exact.get)
    # a beam wider than the number of prefixes makes prefix search exact
    assert tuple(prefix_beam_search(probs, beam_width=10_000)) == best
    # the official width 10 on these small problems finds it too
    assert tuple(prefix_beam_search(probs, beam_width=10)) == best


def test_beam_beats_greedy_where_paths_add_up():
    # greedy path is blank,blank (empty) but the two paths of "1" together are more probable
    steps = [[0.4, 0.35, 0.25], [0.4, 0.35, 0.25]]
    exact = _ctc_labelling_probs(np.array(steps))
    assert max(exact, key=exact.get) == (1,)
    assert greedy_decode(_logits(steps)) == [[]]
    assert beam_decode(_logits(steps)) == [[1]]


def test_beam_output_merges_repeats_like_corrnet():
    # most probable CTC labelling is "1 1" (1, blank, 1); CorrNet's groupby turns it into "1"
    steps = [[0.02, 0.96, 0.02], [0.96, 0.02, 0.02], [0.02, 0.96, 0.02]]
    assert prefix_beam_search(np.array(steps)) == [1, 1]
    assert beam_decode(_logits(steps)) == [[1]]


def test_cutoff_top_n_and_batch_lengths():
    torch.manual_seed(0)
    logits = torch.randn(9, 3, 60) * 3  # 60 classes > cutoff_top_n = 40
    lengths = torch.tensor([9, 6, 2])
    beams = beam_decode(logits, lengths)
    for b, n in enumerate(lengths.tolist()):
        alone = beam_decode(logits[:n, b:b + 1])
        assert beams[b] == alone[0]
    # peaky outputs: beam and greedy agree
    peaky = logits * 20
    assert decode(peaky, lengths, "beam") == decode(peaky, lengths, "greedy")
    with pytest.raises(ValueError, match="unknown CTC decoding method"):
        decode(logits, lengths, "viterbi")
