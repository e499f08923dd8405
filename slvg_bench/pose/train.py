"""Train the small heatmap network (:class:`~slvg_bench.pose.estimators.posenet.PoseNet`) on synthsign.

``slvg-bench pose train --dataset synthsign`` runs :func:`train_posenet`: frames
of the train split (every ``frame_stride``-th) held in memory as uint8,
augmented per batch (:mod:`slvg_bench.pose.augment`) and cut to random
``crop``-pixel windows, Gaussian targets (σ = ``sigma`` heatmap pixels, zero weight
for unknown points), the quality focal loss on sigmoid heatmaps (or MSE), Adam with
a cosine learning-rate decay. It then measures PCK@0.1 and the mean pixel
error per group on the test split (:mod:`slvg_bench.pose.pck`) and writes the
checkpoint — by default into the weights cache as ``posenet.synthsign`` — with a
JSON report next to it.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from slvg_bench import __version__
from slvg_bench.config import to_dict
from slvg_bench.errors import UsageError
from slvg_bench.pose.augment import AugmentConfig, augment
from slvg_bench.pose.estimators.posenet import PoseNet, PoseNetConfig, PoseNetSynthsign, posenet_checkpoint
from slvg_bench.pose.heatmaps import render_heatmaps
from slvg_bench.pose.keypoint_data import iter_split, load_split_frames
from slvg_bench.pose.pck import PCKAccumulator


@dataclass
class PoseTrainConfig:
    model: PoseNetConfig = field(
        default_factory=lambda: PoseNetConfig(widths=(16, 32, 64, 96), heatmap_stride=4, activation="sigmoid")
    )
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    steps: int = 1200
    batch_size: int = 32
    lr: float = 2e-3
    final_lr_fraction: float = 0.02  # cosine decay from lr to lr·fraction
    sigma: float = 1.0  # Gaussian target, heatmap pixels (stride 4: 4 frame pixels)
    # train on random crop×crop windows of the (augmented) frames: same scale, ~half the compute
    # of full frames; the network is fully convolutional and sees whole frames at inference
    crop: int | None = 96
    frame_stride: int = 2  # use every n-th training frame (neighbouring frames are near-duplicates)
    max_minutes: float | None = None  # stop early when the time is up (the report says so)
    # "focal" learns ~10x faster than plain "mse" here (PCK after 250 steps: body 0.82 vs 0.05)
    loss: str = "focal"  # "focal" (with model.activation "sigmoid") | "mse" (with "none")
    foreground_weight: float = 0.0  # mse only: weight 1 + w·target per pixel
    seed: int = 0
    log_every: int = 50
    eval_split: str = "test"
    eval_alpha: float = 0.1

    def __post_init__(self) -> None:
        """Values the trainer cannot run with, refused before any data is read."""
        for key in ("steps", "batch_size", "frame_stride", "log_every"):
            if getattr(self, key) < 1:
                raise UsageError(f"pose config key {key!r} must be >= 1, got {getattr(self, key)!r}")
        if self.crop is not None and self.crop < 1:
            raise UsageError(f"pose config key 'crop' must be >= 1 (or null), got {self.crop!r}")
        for key in ("lr", "sigma"):
            if not (math.isfinite(getattr(self, key)) and getattr(self, key) > 0):
                raise UsageError(f"pose config key {key!r} must be a finite number > 0, got {getattr(self, key)!r}")
        if not (math.isfinite(self.final_lr_fraction) and 0 <= self.final_lr_fraction <= 1):
            raise UsageError(f"pose config key 'final_lr_fraction' must be in [0, 1], got {self.final_lr_fraction!r}")
        if not (math.isfinite(self.eval_alpha) and 0 < self.eval_alpha <= 1):
            raise UsageError(f"pose config key 'eval_alpha' must be in (0, 1], got {self.eval_alpha!r}")
        if self.max_minutes is not None and not (math.isfinite(self.max_minutes) and self.max_minutes > 0):
            raise UsageError(f"pose config key 'max_minutes' must be a finite number > 0, got {self.max_minutes!r}")
        if self.loss not in ("focal", "mse"):
            raise UsageError(f"pose config key 'loss' must be 'focal' or 'mse', got {self.loss!r}")


def heatmap_loss(
    pred: torch.Tensor,
    keypoints: torch.Tensor,
    frame_size,
    sigma: float,
    kind: str = "mse",
    foreground_weight: float = 0.0,
) -> torch.Tensor:
    """Loss of predicted heatmaps ``B×K×h×w`` against Gaussian targets, over known keypoints only.

    ``kind="mse"``: mean squared error per pixel (MMPose's JointsMSELoss), each pixel
    weighted ``1 + foreground_weight·target`` — the peaks cover a few pixels of each map,
    so with 0 the all-zero map is already a good answer and learning is slow.
    ``kind="focal"``: ``pred`` are logits; binary cross-entropy with the Gaussian as a
    soft label, scaled by ``|target - sigmoid(pred)|²`` (the "quality focal loss" of
    GFL, Li et al. 2020), summed over pixels and averaged over known keypoints.
    """
    target = render_heatmaps(keypoints, frame_size, pred.shape[-2:], sigma=sigma)
    known = (keypoints[..., 2] > 0).to(pred.dtype)[..., None, None]
    if kind == "mse":
        per_pixel = (pred - target) ** 2 * (1 + foreground_weight * target)
        return (per_pixel * known).sum() / (known.sum() * pred.shape[-1] * pred.shape[-2]).clamp(min=1)
    if kind == "focal":
        bce = torch.nn.functional.binary_cross_entropy_with_logits(pred, target, reduction="none")
        per_pixel = bce * (target - torch.sigmoid(pred)).abs().pow(2)
        return (per_pixel * known).sum() / known.sum().clamp(min=1)
    raise ValueError(f"loss kind must be 'mse' or 'focal', got {kind!r}")


def evaluate_estimator(estimator, root: str | Path, split: str = "test", alpha: float = 0.1, limit: int | None = None) -> dict:
    """PCK@alpha and mean error per group of ``estimator`` over a split's videos."""
    from slvg_bench.video import to_float

    accs = {norm: PCKAccumulator(alpha=alpha, norm=norm) for norm in ("person", "group")}
    n_videos = n_frames = 0
    for _, frames, kp in iter_split(root, split, limit):
        pred = estimator.estimate(to_float(frames))
        for acc in accs.values():
            acc.update(pred, kp)
        n_videos += 1
        n_frames += len(frames)
    return {"split": split, "alpha": alpha, "videos": n_videos, "frames": n_frames,
            "pck_person_box": accs["person"].result(), "pck_group_box": accs["group"].result()}  # fmt: skip


def _lr_at(step: int, cfg: PoseTrainConfig) -> float:
    progress = min(step / max(cfg.steps, 1), 1.0)
    return cfg.lr * (cfg.final_lr_fraction + (1 - cfg.final_lr_fraction) * 0.5 * (1 + math.cos(math.pi * progress)))


def _atomic_save(obj, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train_posenet(
    root: str | Path,
    cfg: PoseTrainConfig,
    out: str | Path | None = None,
    device: str | torch.device | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Train, evaluate on ``cfg.eval_split``, save; returns the report (also written as JSON).

    ``out``: checkpoint path; default the weights-cache path of ``posenet.synthsign``.
    """
    from slvg_bench import weights
    from slvg_bench.pose.estimators.base import resolve_device

    if (cfg.loss == "focal") != (cfg.model.activation == "sigmoid"):
        raise UsageError("loss 'focal' trains logits: use it with model.activation='sigmoid' (and 'mse' with 'none')")
    device = resolve_device(device)
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    g = torch.Generator().manual_seed(cfg.seed)
    t0 = time.monotonic()
    frames, kps = load_split_frames(root, "train", cfg.frame_stride)
    frames_t = torch.from_numpy(frames).permute(0, 3, 1, 2)  # uint8 N×3×H×W, converted per batch
    kps_t = torch.from_numpy(kps)
    size = cfg.model.input_size
    if frames_t.shape[-2:] != (size, size):
        raise UsageError(f"training frames are {tuple(frames_t.shape[-2:])}, model.input_size is {size}; set it to match")
    log(f"loaded {len(frames_t)} training frames in {time.monotonic() - t0:.0f}s")

    model = PoseNet(cfg.model).to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    losses: list[float] = []
    t_train, cpu_train = time.monotonic(), time.process_time()
    step = 0
    stopped_early = False
    while step < cfg.steps:
        if cfg.max_minutes is not None and time.monotonic() - t_train > 60 * cfg.max_minutes:
            stopped_early = True
            log(f"time budget of {cfg.max_minutes} min reached after {step} steps")
            break
        idx = torch.randint(len(frames_t), (cfg.batch_size,), generator=g)
        x, kp = augment(frames_t[idx].float() / 255, kps_t[idx].clone(), cfg.augment, g, crop=cfg.crop)
        for group in opt.param_groups:
            group["lr"] = _lr_at(step, cfg)
        loss = heatmap_loss(model(x.to(device)), kp.to(device), tuple(x.shape[-2:]), cfg.sigma, cfg.loss, cfg.foreground_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        step += 1
        if step % cfg.log_every == 0 or step == cfg.steps:
            log(f"step {step}/{cfg.steps}  loss {np.mean(losses[-cfg.log_every:]):.3e}  "
                f"lr {_lr_at(step, cfg):.1e}  {time.monotonic() - t_train:.0f}s")  # fmt: skip
    train_seconds = time.monotonic() - t_train
    # CPU seconds of all threads: on a quiet machine wall time ~ cpu / threads; under contention
    # (shared machines) wall time says little, so both are reported
    cpu_seconds = time.process_time() - cpu_train

    model.eval()
    # points never labelled in training (synthsign: hips, legs, feet) are reported as unknown
    supervised = [int(k) for k in np.flatnonzero((kps[..., 2] > 0).any(0))]
    estimator = PoseNetSynthsign(device=device, model=model, supervised_keypoints=supervised)
    evaluation = evaluate_estimator(estimator, root, cfg.eval_split, cfg.eval_alpha)
    meta = _dataset_meta(root)
    report = {
        "weight_id": "posenet.synthsign",
        "steps": step,
        "stopped_early": stopped_early,
        "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(cpu_seconds, 1),
        "train_frames": len(frames_t),
        "supervised_keypoints": supervised,
        "final_loss": float(np.mean(losses[-cfg.log_every:])) if losses else float("nan"),
        "device": str(device),
        "torch_threads": torch.get_num_threads(),
        "versions": {"slvg_bench": __version__, "torch": str(torch.__version__)},
        "dataset": meta,
        "config": to_dict(cfg),
        "evaluation": evaluation,
    }
    path = Path(out) if out is not None else weights.cache_path("posenet.synthsign")
    _atomic_save(posenet_checkpoint(model.cpu(), report), path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.json.part")
    tmp.write_text(json.dumps(report, indent=2))
    os.replace(tmp, path.with_suffix(".json"))
    report["checkpoint"] = str(path)
    return report


def _dataset_meta(root: str | Path) -> dict:
    meta_path = Path(root) / "meta.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return {"root": str(root)}
    return {k: meta[k] for k in ("name", "version", "generator_version", "seed", "size", "resolution") if k in meta}
