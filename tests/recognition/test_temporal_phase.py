"""The recognizer's second training phase: temporal layers on frozen, cached frame features."""

from __future__ import annotations

import random

import torch

from slvg_bench.recognition.corrnet import CorrNet, CorrNetConfig
from slvg_bench.recognition.gloss_dict import GlossDict
from slvg_bench.recognition.gloss_videos import GlossVideo
from slvg_bench.recognition.preprocess import InputSpec, pad_batch
from slvg_bench.recognition.temporal_phase import (cache_training_features, eval_features, greedy_wer_from_features,
                                                   temporal_parameters, train_temporal)
from slvg_bench.recognition.train import RecognizerTrainConfig, evaluate_greedy, sequence_terms

SPEC = InputSpec(frame_size=16, crop=16, frame_stride=1)


def _tiny_model() -> CorrNet:
    torch.manual_seed(0)
    return CorrNet(CorrNetConfig(num_classes=3, hidden_size=16, base_width=8))


def _videos(n: int = 4) -> list[GlossVideo]:
    g = torch.Generator().manual_seed(1)
    out = []
    for i in range(n):
        t = 12 + 4 * i
        frames = torch.randint(0, 256, (t, 3, 16, 16), dtype=torch.uint8, generator=g)
        out.append(GlossVideo(f"v{i}", "dev", "s", "sentence", ["A", "B"][: 1 + i % 2], None, frames=frames))
    return out


def test_cached_features_are_the_encoders_on_the_padded_clips():
    model = _tiny_model()
    clips = [torch.rand(t, 3, 16, 16) * 2 - 1 for t in (9, 14, 14)]
    samples = [(c, torch.zeros(len(c), dtype=torch.long), ["A"], None) for c in clips]
    cached = cache_training_features(model, samples, 2, lambda f, lab: (f, lab), lambda g: [1] * len(g), 4,
                                     random.Random(0))
    assert len(cached) == 6 and model.training  # two views of three clips; train mode restored
    model.eval()
    for clip in clips:
        batch, lengths, _ = pad_batch([clip])
        with torch.no_grad():
            want = model.frame_features(batch)[0].T
        matches = [c for c in cached if len(c) == int(lengths[0])]
        assert matches and any(torch.allclose(c.features, want, atol=1e-5) for c in matches)


def test_wer_from_cached_features_equals_the_full_recognizer():
    model, videos = _tiny_model(), _videos()
    glosses = GlossDict.from_sentences([["A", "B"]])
    full = evaluate_greedy(model, videos, glosses, SPEC)["seq"]
    assert greedy_wer_from_features(model, eval_features(model, videos, SPEC), videos, glosses) == full


def test_train_temporal_changes_only_the_temporal_layers_and_lowers_the_loss():
    model = _tiny_model()
    torch.manual_seed(2)
    clips = [torch.rand(t, 3, 16, 16) * 2 - 1 for t in (16, 20, 24, 28)]
    labels = [torch.cat([torch.zeros(4), torch.ones(len(c) - 8), torch.zeros(4)]).long() for c in clips]
    samples = [(c, lab, ["A"], None) for c, lab in zip(clips, labels)]
    cached = cache_training_features(model, samples, 1, lambda f, lab: (f, lab), lambda g: [1], 4, random.Random(0))
    encoder_before = {k: v.clone() for k, v in model.conv2d.state_dict().items()}
    temporal_before = [p.detach().clone() for p in temporal_parameters(model)]
    cfg = RecognizerTrainConfig()
    history = train_temporal(model, cached, lambda out, t, lab, n: sequence_terms(out, t, lab, n, cfg), 12, 1e-2, 4,
                             random.Random(0), lambda: 0.0, lambda msg: None)
    assert len(history) == 12 and all("state" in h for h in history)
    assert history[-1]["loss"] < 0.6 * history[0]["loss"]
    assert all(torch.equal(v, model.conv2d.state_dict()[k]) for k, v in encoder_before.items())
    assert all(not torch.equal(a, b) for a, b in zip(temporal_before, temporal_parameters(model)))
    # the classifier is shared by the temporal conv and the BiLSTM: counted once
    assert len({id(p) for p in temporal_parameters(model)}) == len(temporal_parameters(model))


def test_config_rejects_unknown_schedule_and_zero_views():
    import pytest

    from slvg_bench.errors import UsageError

    with pytest.raises(UsageError, match="'step' or 'cosine'"):
        RecognizerTrainConfig(schedule="linear")
    with pytest.raises(UsageError, match="temporal_views"):
        RecognizerTrainConfig(temporal_views=0)
    assert RecognizerTrainConfig(temporal_epochs=0, temporal_views=0).temporal_epochs == 0
