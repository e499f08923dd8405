"""Still clips in recognizer training: one frame of a training clip repeated, with an empty gloss target.

Without them the recognizer never sees "no signing" and reads a still video (the ``static`` baseline;
after the temporal-median subtraction its input is all zeros) as a string of glosses.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from slvg_bench.recognition.corrnet import CorrNet, CorrNetConfig
from slvg_bench.recognition.gloss_dict import GlossDict
from slvg_bench.recognition.gloss_videos import GlossVideo, frame_labels
from slvg_bench.recognition.preprocess import pad_batch
from slvg_bench.recognition.temporal_phase import cache_training_features, train_temporal
from slvg_bench.recognition.train import (RecognizerTrainConfig, augment, epoch_samples, points_term, sequence_terms,
                                          still_clips, synthetic_sentences, trimmed)

GLOSSES = GlossDict.from_sentences([["A", "B"]])  # A = 1, B = 2, blank = 0
# a tiny input path: 16×16 frames, crop 14
CFG = dict(frame_size=16, crop=14, train_size=None)


def _tiny_model(seed: int = 0) -> CorrNet:
    torch.manual_seed(seed)
    return CorrNet(CorrNetConfig(num_classes=GLOSSES.num_classes, hidden_size=16, base_width=8))


def _videos(n: int = 6, seed: int = 0, points: bool = True) -> list[GlossVideo]:
    """Training videos of random frames: sentences "A B" and isolated signs, with segments and points."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        t = 24 + 6 * i
        frames = torch.randint(0, 256, (t, 3, 16, 16), dtype=torch.uint8, generator=g)
        if i % 2:
            glosses, segments = ["A" if i % 4 == 1 else "B"], [(8, t - 8)]
        else:
            glosses, segments = ["A", "B"], [(4, t // 2 - 2), (t // 2 + 2, t - 4)]
        kind = "isolated" if len(glosses) == 1 else "sentence"
        v = GlossVideo(f"v{i}", "train", f"s{i % 2}", kind, glosses, None, segments, frames=frames)
        if points:
            v.points = torch.rand(t, 9, 2, generator=g) * 16
        out.append(v)
    return out


def _labels(videos: list[GlossVideo]) -> dict:
    return {v.id: frame_labels(v, GLOSSES.encode) for v in videos}


def _real_samples(points: bool = True) -> list[tuple]:
    videos = _videos(points=points)
    labels = _labels(videos)
    return [trimmed(v, labels[v.id], 8) for v in videos]


def test_still_clip_is_one_frame_repeated_with_an_empty_target():
    samples = _real_samples()
    still = still_clips(samples, 12, random.Random(0))
    assert len(still) == 12
    lengths = {len(s[0]) for s in samples}
    for frames, labels, glosses, points in still:
        assert glosses == [] and GLOSSES.encode(glosses) == []
        assert len(frames) in lengths and len(labels) == len(frames) == len(points)
        assert (frames == frames[:1]).all() and (points == points[:1]).all()  # one frame, and its points, repeated
        assert labels.dtype == torch.long and (labels == 0).all()  # every frame: blank (between glosses)
        # that frame and those points are one frame of a training clip
        assert any(((s[0] == frames[0]).flatten(1).all(1) & (s[3] == points[0]).flatten(1).all(1)).any()
                   for s in samples)
    # through the training augmentation: still, and after the median subtraction all zeros
    rng = random.Random(1)
    for frames, labels, _, points in still:
        x, lab, pts = augment(frames, labels, RecognizerTrainConfig(**CFG), rng, points)
        assert x.shape[1:] == (3, 14, 14) and (x == 0).all() and (lab == 0).all() and (pts == pts[:1]).all()
        x, _, _ = augment(frames, labels, RecognizerTrainConfig(**CFG, subtract_median=False), rng)
        assert (x == x[:1]).all() and x.abs().sum() > 0
    # no points in the sample -> none in its still clips; no samples or count 0 -> no still clip
    assert all(s[3] is None for s in still_clips(_real_samples(points=False), 3, random.Random(0)))
    assert still_clips([], 5, random.Random(0)) == [] and still_clips(samples, 0, random.Random(0)) == []


def _mixed_batch(cfg: RecognizerTrainConfig, rng: random.Random, real: list[tuple], still: list[tuple]):
    chunk = real + still
    clips, labels, points = zip(*(augment(f, lab, cfg, rng, pts) for f, lab, _, pts in chunk))
    batch, lengths, order = pad_batch(clips)
    return chunk, batch, lengths, order, [labels[i] for i in order], [points[i] for i in order]


def test_losses_are_finite_on_a_batch_mixing_still_and_real_clips():
    cfg = RecognizerTrainConfig(**CFG, loss_weights={"SeqCTC": 1.0, "ConvCTC": 1.0, "Dist": 25.0})
    rng = random.Random(0)
    real = _real_samples()
    model = _tiny_model()
    point_head = torch.nn.Linear(model.conv2d.out_channels, 18)
    chunk, batch, lengths, order, labels, points = _mixed_batch(cfg, rng, real[:2], still_clips(real, 2, rng))
    record: dict = {}
    out = model(batch, lengths, record=record)
    targets = [GLOSSES.encode(chunk[i][2]) for i in order]
    assert sorted(len(t) for t in targets)[:2] == [0, 0]  # two empty targets in the batch
    terms = sequence_terms(out, targets, labels, lengths, cfg)
    terms["Points"] = points_term(point_head, record, points, cfg)
    assert set(terms) == {"SeqCTC", "ConvCTC", "Dist", "SeqCE", "ConvCE", "Points", "total"}
    assert all(torch.isfinite(v) for v in terms.values()), terms
    loss = sum(v for k, v in terms.items() if k != "total")
    loss.backward()
    params = list(model.parameters()) + list(point_head.parameters())
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in params)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.conv2d.parameters())

    # what the terms ask of a still clip: CTC = -sum of log p(blank) over its valid steps (no target-length
    # division; batch mean like the others), and blank at every step from the frame-level CE
    still_only = RecognizerTrainConfig(**CFG, frame_ce=0.0, loss_weights={"SeqCTC": 1.0})
    rows = [j for j, t in enumerate(targets) if not t]
    with torch.no_grad():
        logp = out["sequence_logits"].log_softmax(-1)
        want = torch.stack([-logp[:int(out["feat_len"][j]), j, 0].sum() for j in rows]).mean()
        sub = {k: out[k][:, rows] for k in ("sequence_logits", "conv_logits")} | {"feat_len": out["feat_len"][rows]}
        got = sequence_terms(sub, [[] for _ in rows], [labels[j] for j in rows], lengths[rows], still_only)
    assert torch.allclose(got["SeqCTC"], want) and "SeqCE" not in got
    from slvg_bench.recognition.train import step_labels

    steps = step_labels(labels, lengths, out["sequence_logits"].shape[0])
    for j in rows:
        n = int(out["feat_len"][j])
        assert (steps[:n, j] == 0).all() and (steps[n:, j] == -100).all()


def test_ctc_on_still_clips_falls_in_training():
    """Training steps on batches of two real and two still clips drive the CTC loss of the still clips
    (an empty target: blank at every step) down, and the model then reads them as nothing."""
    cfg = RecognizerTrainConfig(**CFG)
    rng = random.Random(0)
    real = _real_samples()
    model = _tiny_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    still_ctc = []
    for _ in range(30):
        chunk, batch, lengths, order, labels, _ = _mixed_batch(cfg, rng, rng.sample(real, 2),
                                                               still_clips(real, 2, rng))
        out = model(batch, lengths)
        targets = [GLOSSES.encode(chunk[i][2]) for i in order]
        terms = sequence_terms(out, targets, labels, lengths, cfg)
        rows = [j for j, t in enumerate(targets) if not t]
        with torch.no_grad():
            logp = out["sequence_logits"].log_softmax(-1)[:, rows]
            n = out["feat_len"][rows]
            still_ctc.append(float(F.ctc_loss(logp, torch.zeros(0, dtype=torch.long), n, torch.zeros_like(n),
                                              reduction="none").div(n).mean()))  # per step
        opt.zero_grad()
        sum(v for k, v in terms.items() if k != "total").backward()
        opt.step()
    first, last = np.mean(still_ctc[:5]), np.mean(still_ctc[-5:])
    assert last < 0.3 * first, still_ctc
    from slvg_bench.recognition.decode import decode

    model.eval()
    _, batch, lengths, _, _, _ = _mixed_batch(cfg, rng, [], still_clips(real, 4, rng))
    with torch.no_grad():
        out = model(batch, lengths)
    assert decode(out["sequence_logits"], out["feat_len"], method="greedy") == [[]] * 4


def _old_epoch_samples(train, labels, cfg, rng, synthetic):
    """The epoch's sample list before still clips existed (verbatim)."""
    samples = [trimmed(v, labels[v.id], cfg.isolated_margin) for v in train]
    samples += synthetic_sentences(train, labels, synthetic, tuple(cfg.synthetic_glosses), rng)
    return samples


def _same_sample(a: tuple, b: tuple) -> bool:
    return (torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) and a[2] == b[2]
            and (a[3] is None if b[3] is None else torch.equal(a[3], b[3])))


def test_without_still_clips_the_epoch_samples_are_the_old_ones():
    assert RecognizerTrainConfig().still_clips_per_epoch == 24  # the default recipe has them
    train = _videos(8)
    labels = _labels(train)
    cfg = RecognizerTrainConfig(**CFG, still_clips_per_epoch=0, synthetic_per_epoch=5)
    for synthetic in (cfg.synthetic_per_epoch, cfg.synthetic_per_epoch * cfg.temporal_views):  # joint, phase 2
        new_rng, old_rng = random.Random(7), random.Random(7)
        new = epoch_samples(train, labels, cfg, new_rng, synthetic, cfg.still_clips_per_epoch)
        old = _old_epoch_samples(train, labels, cfg, old_rng, synthetic)
        assert len(new) == len(old) == len(train) + synthetic
        assert all(_same_sample(a, b) for a, b in zip(new, old))
        assert new_rng.getstate() == old_rng.getstate()  # so batching and augmentation draw the same too
    # with still clips: the same list, then the still clips
    new = epoch_samples(train, labels, cfg, random.Random(7), 5, 3)
    old = _old_epoch_samples(train, labels, cfg, random.Random(7), 5)
    assert len(new) == len(old) + 3 and all(_same_sample(a, b) for a, b in zip(new, old))
    assert all(s[2] == [] for s in new[len(old):])
    with pytest.raises(Exception, match="still_clips_per_epoch"):
        RecognizerTrainConfig(still_clips_per_epoch=-1)


def test_phase_two_caches_still_clips_with_empty_targets():
    """Phase 2 caches ``views`` draws of every still clip like the other clips: empty target, blank labels,
    features constant along the clip except near its ends (where the correlation blocks' temporal kernels
    meet the zero padding: why still clips are encoded, not given one frame's features repeated)."""
    cfg = RecognizerTrainConfig(**CFG, frame_stride=1)
    rng = random.Random(0)
    real = _real_samples()
    samples = real + still_clips(real, 2, rng)
    model = _tiny_model()
    with torch.no_grad():  # not a fresh model: BatchNorm shifts make a zero input give non-zero features,
        for m in model.modules():  # and the correlation blocks are switched on
            if isinstance(m, torch.nn.BatchNorm3d):
                m.bias.normal_(0, 0.5)
        model.conv2d.alpha.fill_(1.0)
    cached = cache_training_features(model, samples, 3, lambda f, lab: augment(f, lab, cfg, rng)[:2],
                                     GLOSSES.encode, 4, rng)
    still = [c for c in cached if c.targets == []]
    assert len(cached) == 3 * len(samples) and len(still) == 3 * 2  # `views` draws of every clip
    for c in still:
        assert (c.labels == 0).all()
        middle = c.features[12:-12]  # away from the ends
        assert len(middle) and torch.allclose(middle, middle[:1].expand_as(middle), atol=1e-5)
        assert not torch.allclose(c.features[0], middle[0], atol=1e-3)
    history = train_temporal(model, cached, lambda out, t, lab, n: sequence_terms(out, t, lab, n, cfg), 2, 1e-3, 4,
                             rng, lambda: 0.0, lambda msg: None)
    assert all(np.isfinite(h["loss"]) and h["loss"] > 0 for h in history)


def _write_dataset(root, n_train: int = 6, size: int = 16) -> None:
    """A synthsign-layout dataset of random-pixel videos, with segments and keypoint files."""
    import csv

    from slvg_bench.video import write_mp4

    rows = []
    for split, videos in (("train", _videos(n_train, seed=3)), ("dev", _videos(2, seed=4))):
        for v in videos:
            rel, kp = f"videos/{split}/{v.id}.mp4", f"keypoints/{split}/{v.id}.npy"
            write_mp4(root / rel, v.frames.float() / 255.0, lossless=True)
            (root / kp).parent.mkdir(parents=True, exist_ok=True)
            rng = np.random.default_rng(len(rows))
            np.save(root / kp, np.concatenate([rng.uniform(0, size, (len(v.frames), 133, 2)),
                                               np.ones((len(v.frames), 133, 1))], -1).astype("float32"))
            rows.append({"id": f"{split}_{v.id}", "split": split, "signer": v.signer, "kind": v.kind,
                         "glosses": " ".join(v.glosses), "video": rel, "keypoints": kp,
                         "segments": " ".join(f"{a}:{b}" for a, b in v.segments)})
    with open(root / "index.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_training_draws_still_clips_in_both_phases(tmp_path, monkeypatch):
    """`train_recognizer` end to end (1 joint + 1 temporal epoch of a tiny model on random-pixel videos with
    keypoints): still clips enter every joint epoch and the phase-2 cache, and every loss term stays finite."""
    from slvg_bench.recognition import train as train_module
    from slvg_bench.recognition.checkpoint import read_checkpoint

    _write_dataset(tmp_path / "data")
    drawn = []

    def recording(samples, count, rng):
        out = still_clips(samples, count, rng)
        drawn.append(len(out))
        return out

    monkeypatch.setattr(train_module, "still_clips", recording)
    cfg = RecognizerTrainConfig(**CFG, base_width=8, hidden_size=16, epochs=2, eval_every=1, synthetic_per_epoch=2,
                                still_clips_per_epoch=3, temporal_epochs=1, temporal_views=2, threads=1)
    summary = train_module.train_recognizer(tmp_path / "data", cfg, tmp_path / "r.pt", log=lambda m: None,
                                            progress=False)
    assert drawn == [3, 3, 3]  # joint epochs 1 and 2, then the phase-2 cache
    slvg_config = read_checkpoint(tmp_path / "r.pt")[1]["slvg_config"]
    assert slvg_config["train"]["still_clips_per_epoch"] == 3
    history = slvg_config["history"]
    joint = [h for h in history if "phase" not in h]
    assert len(joint) == 2 and all(np.isfinite(h["loss"]) for h in history)
    assert all(set(h["terms"]) == {"SeqCTC", "ConvCTC", "SeqCE", "ConvCE", "Points"} for h in joint)
    assert all(np.isfinite(v) for h in joint for v in h["terms"].values())
    assert summary["epochs_run"] == 2
