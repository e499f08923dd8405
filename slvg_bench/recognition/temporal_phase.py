"""Second phase of recognizer training: the temporal layers on frozen, cached frame features.

Trained jointly from scratch on a CPU budget, the BiLSTM lags far behind the temporal-conv head
underneath it (synthsign, 12 joint epochs: greedy dev WER 62 % from the BiLSTM, whose output is
the one reported, vs 43 % from the conv head of the same model): it learns on frame features that
keep changing under it. This phase freezes the frame encoder (``conv2d``), computes its features
once for ``views`` augmented copies of every training clip, and trains the temporal conv, the
BiLSTM and the shared classifier on them — an epoch costs seconds instead of a minute, because
the 2D CNN, nearly all of the compute, runs only while caching.

The objective is the first phase's sequence objective (CTC terms, Dist, frame-level CE); the
best dev epoch (greedy WER of the BiLSTM output) is kept, the first phase's model included.

Still clips (``train.still_clips``: one frame repeated, empty target, every frame blank) are cached
like every other clip, ``views`` augmented draws each, through the same padded batches. They are
encoded rather than given one frame's features repeated: the correlation blocks look along time
(±1 frame and a 9-frame kernel with zero padding), so the features of a still clip's first and
last dozen padded frames differ from its middle ones, and the encoder gives a still video at test
time those features.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

import torch

from slvg_bench.recognition.corrnet import CorrNet
from slvg_bench.recognition.gloss_dict import GlossDict
from slvg_bench.recognition.gloss_videos import GlossVideo
from slvg_bench.recognition.preprocess import InputSpec, pad_batch, pad_features, prepare_video


@dataclass
class CachedClip:
    """One clip's frame features. ``features``: ``T×C`` over its padded length (official padding);
    ``labels``: per-frame classes of the unpadded clip (see ``train.step_labels``); ``targets``:
    gloss indices (empty for a still clip)."""

    features: torch.Tensor
    labels: torch.Tensor
    targets: list[int]

    def __len__(self) -> int:
        return self.features.shape[0]


@torch.no_grad()
def cache_training_features(model: CorrNet, samples: list[tuple], views: int, augment_clip: Callable,
                            encode: Callable, batch_size: int, rng: random.Random) -> list[CachedClip]:
    """Frame features of ``views`` augmented draws of every ``(frames, labels, glosses, points)`` sample.

    ``augment_clip(frames, labels) -> (clip T×3×S×S in [-1, 1], labels)``. The encoder runs in eval
    mode (running BatchNorm statistics), as it will at test time.
    """
    from slvg_bench.recognition.train import length_batches

    was_training = model.training
    model.eval()
    cached = []
    for _ in range(views):
        for chunk in length_batches(samples, batch_size, rng):
            clips, labels = zip(*(augment_clip(frames, lab) for frames, lab, _, _ in chunk))
            batch, lengths, order = pad_batch(clips)
            feats = model.frame_features(batch)  # B×C×T
            for row, i in enumerate(order):
                cached.append(CachedClip(feats[row, :, :int(lengths[row])].T.contiguous(), labels[i],
                                         encode(chunk[i][2])))
    model.train(was_training)
    return cached


@torch.no_grad()
def eval_features(model: CorrNet, videos: list[GlossVideo], spec: InputSpec) -> list[torch.Tensor]:
    """Frame features ``C×L`` of each loaded video through the recognizer's test-time input path."""
    was_training = model.training
    model.eval()
    out = []
    for v in videos:
        batch, _, _ = pad_batch([prepare_video(v.frames.float() / 255.0, spec)])
        out.append(model.frame_features(batch)[0])
    model.train(was_training)
    return out


@torch.no_grad()
def greedy_wer_from_features(model: CorrNet, features: list[torch.Tensor], videos: list[GlossVideo],
                             glosses: GlossDict) -> float:
    """Corpus WER (plain convention) of the BiLSTM output, greedy, from cached ``C×L`` features."""
    from slvg_bench.metrics.wer import score_corpus
    from slvg_bench.recognition.decode import decode

    was_training = model.training
    model.eval()
    hyps = {}
    for feat, v in zip(features, videos):
        out = model(feat[None], torch.tensor([feat.shape[1]]))
        n = int(out["feat_len"][0])
        (ids,) = decode(out["sequence_logits"][:n], torch.tensor([n]), method="greedy")
        hyps[v.id] = glosses.decode(ids)
    model.train(was_training)
    return score_corpus({v.id: v.glosses for v in videos}, hyps, "plain").wer


def temporal_parameters(model: CorrNet) -> list[torch.nn.Parameter]:
    """The temporal conv, BiLSTM and classifier parameters (the classifier once: it is shared)."""
    seen, params = set(), []
    for module in (model.conv1d, model.temporal_model, model.classifier):
        for p in module.parameters():
            if id(p) not in seen:
                seen.add(id(p))
                params.append(p)
    return params


def train_temporal(model: CorrNet, cached: list[CachedClip], objective: Callable, epochs: int, lr: float,
                   batch_size: int, rng: random.Random, evaluate: Callable[[], float],
                   log: Callable[[str], None]) -> list[dict]:
    """Train the temporal layers on ``cached`` clips for ``epochs`` epochs (Adam, cosine decay to 0).

    ``objective(out, targets_list, labels_list, lengths) -> dict of terms`` (summed, ``"total"``
    excluded); ``evaluate()`` returns the dev WER after each epoch. Returns one history entry per
    epoch, each with the model's temporal state (``"state"``) for the caller to pick from.
    """
    from slvg_bench.recognition.train import length_batches

    params = temporal_parameters(model)
    opt = torch.optim.Adam(params, lr=lr)
    steps_per_epoch = -(-len(cached) // batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs * steps_per_epoch))
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        losses = []
        for chunk in length_batches([(c.features, c) for c in cached], batch_size, rng):
            clips = [c for _, c in chunk]
            feats, lengths, order = pad_features([c.features.T for c in clips])
            out = model(feats, lengths)
            terms = objective(out, [clips[i].targets for i in order], [clips[i].labels for i in order], lengths)
            loss = sum(v for k, v in terms.items() if k != "total")
            if not torch.isfinite(loss):
                continue
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
        wer = evaluate()
        entry = {"epoch": epoch, "loss": round(sum(losses) / max(1, len(losses)), 3), "dev_wer": wer,
                 "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}
        log(f"temporal epoch {epoch:3d}  loss {entry['loss']:.3f}  dev WER {wer:.1f}%")
        history.append(entry)
    return history
