"""Train a CorrNet-architecture recognizer on a gloss-annotated dataset (synthsign) on CPU.

The model is the official architecture at a quarter width (ResNet-18 stages 16/32/64/128,
correlation blocks after layers 2–4, K5-P2-K5-P2 temporal conv and BiLSTM at 128, shared
NormLinear classifier) with the last feature map pooled as a 2×2 grid instead of one mean
(``pool_grid``; 1.35 M parameters). Input path (recorded in the checkpoint): 64×64 frames,
crop 56, 12.5 fps, minus the clip's temporal median.

Two phases. Joint: SeqCTC + ConvCTC plus frame-level cross-entropy from the ``index.csv`` gloss
segments and regression of 9 body/hand points by a training-only head. Augmentations: the
official ones (random crop, flip — on synthsign a change of handedness —, temporal rescale) plus
scale, colour and channel-order jitter, and sentences assembled from gloss pieces of the training
videos. Still clips (``still_clips_per_epoch``: one frame of a training clip repeated, with no glosses)
teach it that a video without signing reads as nothing. Temporal (:mod:`.temporal_phase`): the
temporal conv, BiLSTM and classifier retrained on frozen frame features of ``temporal_views``
augmented copies of the training clips (still clips included). For synthsign
it trains on its own ``medium`` render (``train_size``) of the eight training signers plus
``extra_signers`` extra training identities. The best dev epoch (greedy WER) of either phase is
kept. docs/wer.md has the measured WER.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from slvg_bench.recognition.corrnet import CorrNet, CorrNetConfig, ctc_losses
from slvg_bench.recognition.gloss_dict import GlossDict
from slvg_bench.recognition.gloss_videos import (AUX_POINTS, GlossVideo, frame_labels, gloss_pieces, load_frames,
                                                 load_points, read_index, select)
from slvg_bench.recognition.preprocess import InputSpec, pad_batch, subtract_temporal_median


@dataclass
class RecognizerTrainConfig:
    """Hyper-parameters of ``slvg-bench recognizer train`` (override with ``--set key=value``)."""

    base_width: int = 16
    hidden_size: int = 128
    pool_grid: int = 2  # frame features: global mean (official, 1) or the means of a g×g grid (2: the 2×2 cells at 56²)
    corr_stages: tuple = (2, 3, 4)
    frame_size: int = 64
    crop: int = 56
    frame_stride: int = 2  # 25 fps clips read at 12.5 fps (recorded in the checkpoint's input path)
    subtract_median: bool = True  # input path: minus the clip's temporal median (preprocess.InputSpec)
    epochs: int = 11
    batch_size: int = 4
    lr: float = 2e-3
    weight_decay: float = 1e-4
    schedule: str = "step"  # "step": lr *= gamma at the milestones; "cosine": cosine decay over the epochs
    milestones: tuple = (7, 10)  # epochs at which lr *= gamma
    gamma: float = 0.2
    synthetic_per_epoch: int = 48  # sentences assembled from gloss pieces, per epoch
    synthetic_glosses: tuple = (2, 6)
    # still clips per epoch (0 = off): ONE frame of a random training clip repeated for that clip's length,
    # with an empty gloss target (every frame labelled blank, its points repeated). Without them the model
    # never sees "no signing" and reads a still video (after the median subtraction: all zeros) as a string
    # of glosses. Phase 2 caches ``temporal_views`` views of each, like every training clip
    still_clips_per_epoch: int = 24
    use_isolated: bool = True
    isolated_margin: int = 8  # isolated clips trimmed to their sign ± this many frames (None: whole clip)
    flip: bool = True
    temporal_rescale: float = 0.2
    rescale_min_len: int = 8  # official 32 frames, too long for stride-2 isolated signs
    # appearance changes the 8 training signers do not cover: per-clip channel gain/offset,
    # random channel order, and a crop of U(scale_min, 1) x frame_size resized to ``crop``
    colour_jitter: float = 0.3
    channel_shuffle: bool = True
    scale_min: float = 0.8
    # Dist (official 25) distils the conv head towards the BiLSTM; off here: trained from scratch, the BiLSTM
    # lags far behind the conv head and would hold it back (the second phase trains the BiLSTM instead)
    loss_weights: dict = field(default_factory=lambda: {"SeqCTC": 1.0, "ConvCTC": 1.0, "Dist": 0.0})
    # frame-level cross-entropy against the gloss segments of index.csv (0 = off): a dense
    # signal that gets the from-scratch CTC model off its all-blank plateau quickly
    frame_ce: float = 5.0
    # regression of body/hand points (index.csv keypoints) from the frame features by a linear head used
    # only in training (not in the checkpoint): teaches where the hands are, whoever the signer is
    keypoint_aux: float = 1.0
    eval_every: int = 2
    # second phase (temporal_phase.py): the temporal conv, BiLSTM and classifier trained on frozen
    # frame features of ``temporal_views`` augmented copies of the training clips (0 epochs = off)
    temporal_epochs: int = 10
    temporal_views: int = 4
    temporal_lr: float = 2e-3
    temporal_batch_size: int = 8
    max_minutes: float | None = None  # stop early after this much wall time (then the best epoch so far is kept)
    seed: int = 0
    threads: int | None = None
    # synthsign only: train on a copy of this size rendered for the recognizer (its train split =
    # the same 8 training identities, more videos; dev split for model selection), generated once at
    # ``frame_size`` into $SLVG_BENCH_HOME/data/synthsign-recognizer-<size>-r<frame_size>-s<seed>.
    # None: train on the dataset itself (the benchmark's copy, `small` by default)
    train_size: str | None = "medium"
    train_seed: int = 1
    extra_signers: int = 24  # extra training identities in that copy (synthsign identities 12+)

    def __post_init__(self) -> None:
        from slvg_bench.errors import UsageError

        if self.schedule not in ("step", "cosine"):
            raise UsageError(f"recognizer schedule must be 'step' or 'cosine', got {self.schedule!r}")
        if self.still_clips_per_epoch < 0:
            raise UsageError(f"still_clips_per_epoch must be >= 0, got {self.still_clips_per_epoch}")
        if self.temporal_epochs and self.temporal_views < 1:
            raise UsageError(f"temporal_views must be >= 1 when temporal_epochs > 0, got {self.temporal_views}")
        # checked here, before a training copy is rendered (minutes) or a model is built
        for key in ("epochs", "batch_size", "eval_every", "frame_size", "crop", "frame_stride"):
            if getattr(self, key) < 1:
                raise UsageError(f"recognizer config key {key!r} must be >= 1, got {getattr(self, key)!r}")
        if self.temporal_epochs < 0:
            raise UsageError(f"recognizer config key 'temporal_epochs' must be >= 0, got {self.temporal_epochs!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise UsageError(f"recognizer config key 'lr' must be a finite number > 0, got {self.lr!r}")
        if self.max_minutes is not None and not (math.isfinite(self.max_minutes) and self.max_minutes > 0):
            raise UsageError(f"recognizer config key 'max_minutes' must be a finite number > 0, got {self.max_minutes!r}")

    @property
    def input_spec(self) -> InputSpec:
        return InputSpec(frame_size=self.frame_size, crop=self.crop, quantize=True, frame_stride=self.frame_stride,
                         subtract_median=self.subtract_median)


# ---------------------------------------------------------------------------------------------
# augmentation (official video_augmentation semantics)


def temporal_rescale(n: int, scale: float, rng: random.Random, min_len: int = 32, max_len: int = 230) -> list[int]:
    """Official ``TemporalRescale``: frame indices of a clip stretched by U(1-s, 1+s), length 4k+4."""
    new = int(n * (1.0 - scale + 2 * scale * rng.random()))
    new = min(max(new, min_len), max_len)
    if (new - 4) % 4:
        new += 4 - (new - 4) % 4
    idx = rng.sample(range(n), new) if new <= n else rng.choices(range(n), k=new)
    return sorted(idx)


def augment(frames: torch.Tensor, labels: torch.Tensor, cfg: RecognizerTrainConfig, rng: random.Random,
            points: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """uint8 ``T×3×S×S`` (+ per-frame labels, + ``T×K×2`` points in pixels) -> float ``T'×3×crop×crop`` in
    [-1, 1] (+ labels, + points in [-1, 1] of the crop): frame stride (random phase), temporal rescale,
    random (scaled) crop, flip, colour jitter — one draw per clip."""
    idx = torch.arange(len(frames))
    if cfg.frame_stride > 1:
        idx = idx[rng.randrange(min(cfg.frame_stride, len(frames)))::cfg.frame_stride]
    if cfg.temporal_rescale:
        idx = idx[temporal_rescale(len(idx), cfg.temporal_rescale, rng, min_len=cfg.rescale_min_len)]
    frames, labels = frames[idx], labels[idx]
    s = frames.shape[-1]
    side = cfg.crop if cfg.scale_min >= 1 else rng.randint(min(cfg.crop, int(round(cfg.scale_min * s))), s)
    top, left = rng.randint(0, s - side), rng.randint(0, s - side)
    x = frames[..., top:top + side, left:left + side].float() / 255.0
    if side != cfg.crop:
        x = torch.nn.functional.interpolate(x, size=(cfg.crop, cfg.crop), mode="bilinear", align_corners=False,
                                            antialias=side > cfg.crop)
    flip = cfg.flip and rng.random() < 0.5
    if flip:
        x = x.flip(-1)
    if points is not None:
        from slvg_bench.recognition.gloss_videos import AUX_FLIP_PAIRS

        p = (points[idx] - torch.tensor([left, top])) + 0.5  # pixel centres -> crop coordinates (align_corners=False)
        p = p / side * 2.0 - 1.0
        if flip:
            p = p * torch.tensor([-1.0, 1.0])
            perm = list(range(p.shape[1]))
            for a, b in AUX_FLIP_PAIRS:
                perm[a], perm[b] = b, a
            p = p[:, perm]
        points = p
    if cfg.channel_shuffle:
        x = x[:, torch.tensor(rng.sample(range(3), 3))]
    if cfg.colour_jitter:
        j = cfg.colour_jitter
        gain = torch.tensor([1 + j * (2 * rng.random() - 1) for _ in range(3)]).view(1, 3, 1, 1)
        offset = torch.tensor([j / 2 * (2 * rng.random() - 1) for _ in range(3)]).view(1, 3, 1, 1)
        x = x * gain + offset
    x = x.clamp(0, 1) * 2.0 - 1.0
    return (subtract_temporal_median(x) if cfg.subtract_median else x), labels, points


def step_labels(frame_labels: list[torch.Tensor], lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """Per-output-step targets ``T'×B``: the label of the frame at the centre of each step's
    receptive field (padded frames 4j..4j+15, i.e. original frame 4j+1 after the 6-frame
    front padding); -100 past a clip's valid steps."""
    from slvg_bench.recognition.corrnet import output_lengths

    out = torch.full((steps, len(frame_labels)), -100, dtype=torch.long)
    valid = output_lengths(lengths)
    for b, lab in enumerate(frame_labels):
        centre = (torch.arange(int(valid[b])) * 4 + 1).clamp(0, len(lab) - 1)
        out[: len(centre), b] = lab[centre]
    return out


def synthetic_sentences(videos: list[GlossVideo], labels: dict, count: int, lengths: tuple, rng: random.Random):
    """``count`` (frames, frame labels, glosses, points or None) made of random gloss pieces of one signer each."""
    by_signer: dict[str, list] = {}
    for v in videos:
        by_signer.setdefault(v.signer, []).extend(gloss_pieces(v, labels[v.id]))
    signers = sorted(s for s, pieces in by_signer.items() if pieces)
    out = []
    for _ in range(count if signers else 0):
        pieces = by_signer[rng.choice(signers)]
        picks = [rng.choice(pieces) for _ in range(rng.randint(*lengths))]
        pts = None if any(p[3] is None for p in picks) else torch.cat([p[3] for p in picks])
        out.append((torch.cat([p[1] for p in picks]), torch.cat([p[2] for p in picks]), [p[0] for p in picks], pts))
    return out


def still_clips(samples: list[tuple], count: int, rng: random.Random) -> list[tuple]:
    """``count`` clips without signing, as (frames, frame labels, glosses, points or None): ONE frame of a random
    sample of ``samples`` repeated for that sample's length (so still clips are as long as the others), no
    glosses (an empty CTC target), every frame labelled blank (0: between glosses), the frame's points (if
    the sample has any) repeated likewise. No draw from ``rng`` when ``count`` is 0."""
    out = []
    for _ in range(count if samples else 0):
        frames, _, _, points = rng.choice(samples)
        i, n = rng.randrange(len(frames)), len(frames)
        out.append((frames[i:i + 1].repeat(n, *[1] * (frames.dim() - 1)), torch.zeros(n, dtype=torch.long), [],
                    None if points is None else points[i:i + 1].repeat(n, *[1] * (points.dim() - 1))))
    return out


def epoch_samples(train: list[GlossVideo], labels: dict, cfg: RecognizerTrainConfig, rng: random.Random,
                  synthetic: int, still: int) -> list[tuple]:
    """One epoch's (frames, frame labels, glosses, points or None) samples: every training video (isolated
    ones trimmed), ``synthetic`` assembled sentences, then ``still`` still clips drawn from those."""
    samples = [trimmed(v, labels[v.id], cfg.isolated_margin) for v in train]
    samples += synthetic_sentences(train, labels, synthetic, tuple(cfg.synthetic_glosses), rng)
    samples += still_clips(samples, still, rng)
    return samples


def trimmed(video: GlossVideo, labels: torch.Tensor, margin: int | None) -> tuple:
    """(frames, frame labels, glosses, points or None) of a loaded video; an isolated sign is cut to its
    segment ± ``margin`` frames (the rest before and after it is most of the clip and teaches nothing new)."""
    if margin is None or video.kind != "isolated" or len(video.segments) != 1:
        return video.frames, labels, video.glosses, video.points
    a, b = video.segments[0]
    a, b = max(0, a - margin), min(len(video.frames), b + margin)
    return video.frames[a:b], labels[a:b], video.glosses, None if video.points is None else video.points[a:b]


def length_batches(samples: list, batch_size: int, rng: random.Random, pool: int = 8) -> list[list]:
    """Shuffled batches of similar length: clips are padded to the longest of their batch, so
    mixing 50-frame isolated signs with 150-frame sentences would waste most of the compute."""
    samples = list(samples)
    rng.shuffle(samples)
    batches = []
    for p in range(0, len(samples), batch_size * pool):
        group = sorted(samples[p:p + batch_size * pool], key=lambda s: len(s[0]))
        batches += [group[b:b + batch_size] for b in range(0, len(group), batch_size)]
    rng.shuffle(batches)
    return batches


def _lr_schedule(opt: torch.optim.Optimizer, cfg: RecognizerTrainConfig) -> torch.optim.lr_scheduler.LRScheduler:
    """The per-epoch learning-rate schedule of ``cfg.schedule``."""
    if cfg.schedule == "step":
        return torch.optim.lr_scheduler.MultiStepLR(opt, milestones=list(cfg.milestones), gamma=cfg.gamma)
    return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs)  # "cosine" (checked by the config)


def sequence_terms(out: dict, targets_list: list[list[int]], clip_labels: list[torch.Tensor],
                   lengths: torch.Tensor, cfg: RecognizerTrainConfig) -> dict[str, torch.Tensor]:
    """The sequence objective of one batch: CTC terms (+ Dist) of ``cfg.loss_weights`` and, with
    ``cfg.frame_ce``, frame-level cross-entropy of both heads against ``clip_labels`` (per input frame,
    batch order). ``out``: the model's output for the padded batch of ``lengths``.

    An empty target (a still clip) is a valid CTC target: its loss is minus the log-probability of blank
    at every valid step (finite: ``feat_len`` >= 1), averaged over the batch like the others (no division
    by target length); its frame labels are all blank (0), so the CE terms push every step to blank."""
    targets = torch.tensor([g for lab in targets_list for g in lab], dtype=torch.long)
    target_lengths = torch.tensor([len(lab) for lab in targets_list], dtype=torch.long)
    terms = ctc_losses(out, targets, target_lengths, cfg.loss_weights)
    if cfg.frame_ce:
        steps = step_labels(clip_labels, lengths, out["sequence_logits"].shape[0])
        if (steps >= 0).any():
            for key, name in (("sequence_logits", "SeqCE"), ("conv_logits", "ConvCE")):
                terms[name] = cfg.frame_ce * torch.nn.functional.cross_entropy(
                    out[key].flatten(0, 1), steps.flatten(), ignore_index=-100)
    return terms


def points_term(point_head: torch.nn.Module, record: dict, points: list[torch.Tensor],
                cfg: RecognizerTrainConfig) -> torch.Tensor:
    """The keypoint auxiliary of one batch: ``point_head`` regresses every frame's ``K×2`` points (crop
    coordinates, ``points`` per clip in batch order, padded like the frames) from the frame features the
    model ``record``-ed; smooth L1 times ``cfg.keypoint_aux``."""
    target_points, _, _ = pad_batch(points)  # B×T×K×2, padded like the frames
    feats = record["framewise_in"].transpose(1, 2)  # B×T×C
    pred_points = point_head(feats).view(*feats.shape[:2], *target_points.shape[-2:])
    return cfg.keypoint_aux * torch.nn.functional.smooth_l1_loss(pred_points, target_points, beta=0.05) * 10.0


# ---------------------------------------------------------------------------------------------
# training


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def dataset_glosses(videos: list[GlossVideo]) -> GlossDict:
    """Official recipe over all splits of the index (sorted, 1-based, with counts)."""
    return GlossDict.from_sentences(v.glosses for v in videos)


def evaluate_greedy(model: CorrNet, videos: list[GlossVideo], glosses: GlossDict, spec: InputSpec) -> dict:
    """Corpus WER (plain convention, greedy decoding) of ``model`` on loaded videos: ``{"seq": WER of the
    BiLSTM output (the reported one), "conv": WER of the temporal-conv head}``, in percent."""
    from slvg_bench.metrics.wer import score_corpus
    from slvg_bench.recognition.recognizer import Recognizer

    rec = Recognizer(model, glosses, spec, decoder="greedy", device="cpu")
    logits = rec.logits([v.frames.float() / 255.0 for v in videos], heads=("sequence_logits", "conv_logits"))
    refs = {v.id: v.glosses for v in videos}
    out = {}
    for name, key in (("seq", "sequence_logits"), ("conv", "conv_logits")):
        hyps = {v.id: rec.decode_logits(lg[key]) for v, lg in zip(videos, logits)}
        out[name] = score_corpus(refs, hyps, "plain").wer
    model.train()
    return out


def train_recognizer(root: str | Path, cfg: RecognizerTrainConfig, out_path: str | Path,
                     log: Callable[[str], None] = print, progress: bool = True) -> dict:
    """Train on ``root`` (synthsign layout), write the best checkpoint to ``out_path``; returns a summary."""
    from slvg_bench.recognition.checkpoint import save_checkpoint

    start_time, start_cpu = time.time(), time.process_time()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    _seed_everything(cfg.seed)
    root = Path(root)
    everything = read_index(root)
    glosses = dataset_glosses(everything)
    kinds = ("sentence", "isolated") if cfg.use_isolated else ("sentence",)
    train = select(everything, "train", kinds)
    dev = select(everything, "dev", ("sentence", "isolated"))
    load_frames(train + dev, cfg.frame_size, progress=progress)
    if cfg.keypoint_aux:
        load_points(train, cfg.frame_size)
    log(f"train: {len(train)} videos ({sum(v.kind == 'sentence' for v in train)} sentences), dev: {len(dev)} "
        f"videos, {len(glosses)} glosses; decoded in {time.time() - start_time:.0f}s")

    model_cfg = CorrNetConfig(num_classes=glosses.num_classes, hidden_size=cfg.hidden_size,
                              base_width=cfg.base_width, corr_stages=tuple(cfg.corr_stages), pool_grid=cfg.pool_grid)
    model = CorrNet(model_cfg)
    labels = {v.id: frame_labels(v, glosses.encode) for v in train}
    n_points = len(AUX_POINTS)
    point_head = torch.nn.Linear(model.conv2d.out_channels, 2 * n_points)  # training only, not saved
    opt = torch.optim.Adam(list(model.parameters()) + list(point_head.parameters()), lr=cfg.lr,
                           weight_decay=cfg.weight_decay)
    sched = _lr_schedule(opt, cfg)
    rng = random.Random(cfg.seed)
    best = {"dev_wer": math.inf, "epoch": -1, "state": None}
    history = []
    deadline = start_time + 60 * cfg.max_minutes if cfg.max_minutes else None
    epoch = 0
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        samples = epoch_samples(train, labels, cfg, rng, cfg.synthetic_per_epoch, cfg.still_clips_per_epoch)
        losses, parts = [], {}
        for chunk in length_batches(samples, cfg.batch_size, rng):
            clips, clip_labels, clip_points = zip(*(augment(frames, lab, cfg, rng, pts if cfg.keypoint_aux else None)
                                                    for frames, lab, _, pts in chunk))
            batch, lengths, order = pad_batch(clips)
            record: dict = {}
            out = model(batch, lengths, record=record if cfg.keypoint_aux else None)
            terms = sequence_terms(out, [glosses.encode(chunk[i][2]) for i in order],
                                   [clip_labels[i] for i in order], lengths, cfg)
            if cfg.keypoint_aux and all(p is not None for p in clip_points):
                terms["Points"] = points_term(point_head, record, [clip_points[i] for i in order], cfg)
            loss = sum(v for k, v in terms.items() if k != "total")
            for name, value in terms.items():
                if name != "total":
                    parts.setdefault(name, []).append(float(value.detach()))
            if not torch.isfinite(loss):  # the official loop skips such batches too
                continue
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        sched.step()
        entry = {"epoch": epoch, "loss": float(np.mean(losses)) if losses else math.nan,
                 "terms": {k: round(float(np.mean(v)), 3) for k, v in parts.items()},
                 "seconds": round(time.time() - start_time, 1), "cpu_seconds": round(time.process_time() - start_cpu, 1)}
        out_of_time = deadline is not None and time.time() > deadline
        if epoch % cfg.eval_every == 0 or epoch == cfg.epochs or out_of_time:
            wers = evaluate_greedy(model, dev, glosses, cfg.input_spec)
            entry["dev_wer"], entry["dev_wer_conv"] = wers["seq"], wers["conv"]
            if entry["dev_wer"] <= best["dev_wer"]:
                best = {"dev_wer": entry["dev_wer"], "epoch": epoch,
                        "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}
        history.append(entry)
        log("epoch {epoch:3d}  loss {loss:.3f} ".format(**entry) + str(entry["terms"])
            + (f"  dev WER {entry['dev_wer']:.1f}% (conv head {entry['dev_wer_conv']:.1f}%)" if "dev_wer" in entry else "") + f"  ({entry['seconds']:.0f}s wall, {entry['cpu_seconds']:.0f}s CPU)")
        if out_of_time:
            log(f"stopping after epoch {epoch}: max_minutes={cfg.max_minutes} reached")
            break
    model.load_state_dict(best["state"])
    best["phase"] = "joint"
    if cfg.temporal_epochs:
        best = _temporal_phase(model, train, labels, dev, glosses, cfg, rng, best, history, log)
        model.load_state_dict(best["state"])
    summary = {"best_epoch": best["epoch"], "best_phase": best["phase"], "dev_wer": best["dev_wer"], "epochs_run": epoch,
               "train_seconds": round(time.time() - start_time, 1),
               "train_cpu_seconds": round(time.process_time() - start_cpu, 1), "threads": torch.get_num_threads()}
    meta = _dataset_meta(root)
    save_checkpoint(model, out_path, gloss_dict=glosses.to_plain(), slvg_config={
        "model": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(model_cfg).items()},
        "input": cfg.input_spec.to_dict(), "convention": "plain", "dataset": meta,
        "train": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
        "summary": summary, "history": history,
    })
    return summary


def _temporal_phase(model: CorrNet, train: list[GlossVideo], labels: dict, dev: list[GlossVideo], glosses: GlossDict,
                    cfg: RecognizerTrainConfig, rng: random.Random, best: dict, history: list,
                    log: Callable[[str], None]) -> dict:
    """Run :mod:`.temporal_phase` on the first phase's best model; returns the new best (dev WER)."""
    from slvg_bench.recognition.temporal_phase import (cache_training_features, eval_features,
                                                       greedy_wer_from_features, train_temporal)

    start = time.time()
    samples = epoch_samples(train, labels, cfg, rng, cfg.synthetic_per_epoch * cfg.temporal_views,
                            cfg.still_clips_per_epoch)  # still clips: ``temporal_views`` cached views each
    cached = cache_training_features(model, samples, cfg.temporal_views,
                                     lambda frames, lab: augment(frames, lab, cfg, rng)[:2], glosses.encode,
                                     cfg.batch_size, rng)
    dev_features = eval_features(model, dev, cfg.input_spec)
    log(f"temporal phase: features of {len(cached)} clips cached in {time.time() - start:.0f}s")
    entries = train_temporal(model, cached, lambda out, t, lab, n: sequence_terms(out, t, lab, n, cfg),
                             cfg.temporal_epochs, cfg.temporal_lr, cfg.temporal_batch_size, rng,
                             lambda: greedy_wer_from_features(model, dev_features, dev, glosses), log)
    for entry in entries:
        state = entry.pop("state")
        history.append({"phase": "temporal", **entry})
        if entry["dev_wer"] <= best["dev_wer"]:
            best = {"dev_wer": entry["dev_wer"], "epoch": entry["epoch"], "phase": "temporal", "state": state}
    return best


def _dataset_meta(root: Path) -> dict:
    import json

    path = root / "meta.json"
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"root": str(root)}
    return {k: meta[k] for k in ("name", "version", "generator_version", "seed", "size") if k in meta}
