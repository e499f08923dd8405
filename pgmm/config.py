"""PGMM configuration (dataclasses loaded from YAML with :func:`slvg_bench.config.load_config`).

The motion branch reuses TPSMM's parameter groups (``dense_motion``, ``transform``,
``schedule``). The Table 4 ablation rows are one switch, ``model.variant``:

| variant        | pose fusion | L_pd | L_align |
|----------------|-------------|------|---------|
| ``baseline``   | none        | off  | off     |  (PGMM's generator without the pose branch; not Table 4's row)
| ``+pose``      | add         | off  | off     |
| ``+pfm``       | PFM         | off  | off     |
| ``+pfm+lpd``   | PFM         | on   | off     |
| ``+pfm+lalign``| PFM         | off  | on      |
| ``full``       | PFM         | on   | on      |

Table 4's "baseline" row is exactly the paper's TPSMM row (identical numbers in Tables 2 and 4), so
it is reproduced with the method ``tpsmm``, not with ``variant: baseline``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from baselines.common.loss_config import TransformParams, check_perceptual_loss
from baselines.tpsmm.config import DenseMotionParams, ScheduleConfig
from slvg_bench.errors import UsageError
from slvg_bench.train_config import TrainConfig, fomm_augmentation

VARIANTS: dict[str, tuple[str, bool, bool]] = {
    "baseline": ("none", False, False),
    "+pose": ("add", False, False),
    "+pfm": ("pfm", False, False),
    "+pfm+lpd": ("pfm", True, False),
    "+pfm+lalign": ("pfm", False, True),
    "full": ("pfm", True, True),
}
POSE_SOURCES = ("estimator", "keypoints")
ENCODER_STEMS = ("conv", "conv-norm-relu")


@dataclass
class EncoderParams:
    """E_I and the generator widths (TPSMM inpainting-network layout).

    ``stem``: ``conv`` (the paper's initial 7×7 convolution, no normalisation: the finest features keep
    absolute colours) or ``conv-norm-relu`` (TPSMM's first block; see :class:`pgmm.generator.ImageEncoder`).
    """

    block_expansion: int = 64
    max_features: int = 512
    num_down_blocks: int = 3
    stem: str = "conv"


@dataclass
class PoseParams:
    """The pose branch.

    ``source``: where the driving frame's heatmaps H come from — ``estimator`` (P_e, the
    paper) or ``keypoints`` (rendered from the dataset's keypoints; exact on synthsign).
    ``estimator``: registry id of P_e (``slvg_bench.pose.estimators``), used for H when
    ``source = estimator`` and always for the Pose Distance loss (must be differentiable).
    ``subset``: keypoint subset fed to PoseNet (paper: 36 points, ``sign36``).
    ``heatmap_size``/``sigma``: rendering of H from keypoints (heatmap pixels).
    ``channels``: PoseNet feature channels per generator scale, coarse to fine.
    ``resize_antialias``: PoseNet shrinks H to its coarsest scale with an antialiased bilinear
    filter (default), so every keypoint reaches it with the same weight; off = plain bilinear
    sampling, under which a peak keeps 0.18–0.90 of its height depending on its sub-pixel position.
    """

    source: str = "estimator"
    estimator: str = "hrnet-w32-wholebody"
    subset: str = "sign36"
    heatmap_size: tuple = (64, 64)
    sigma: float = 2.0
    channels: tuple = (256, 128, 64, 32)
    resize_antialias: bool = True


@dataclass
class PGMMModelConfig:
    """Architecture. ``pfm_scales``: generator scales (0 = coarsest) that carry a PFM; None = all (paper).

    ``output_blend``: end G with TPSMM's blend ``G·O + warp(I_s)·(1 − O)`` (default; the paper does
    not mention it, its TPSMM base has it; off = the sigmoid output alone, the paper's literal text).
    """

    variant: str = "full"
    num_tps: int = 20
    num_channels: int = 3
    bg: bool = True
    kp_width: int = 64  # base width of the keypoint detector's ResNet-18 (64 = official TPSMM)
    image_size: tuple = (128, 128)
    encoder: EncoderParams = field(default_factory=EncoderParams)
    dense_motion: DenseMotionParams = field(default_factory=DenseMotionParams)
    pose: PoseParams = field(default_factory=PoseParams)
    pfm_scales: Optional[tuple] = None
    resblocks_per_scale: int = 2
    output_blend: bool = True


@dataclass
class PGMMLossConfig:
    """Loss weights: L_r (TPSMM's four terms) + L_pd + L_align (eq. 7).

    The paper gives no weights for L_pd and L_align; ours: ``pose_distance`` 10 on
    keypoint coordinates normalised to [-1, 1] (the scale of TPSMM's equivariance loss),
    ``feature_alignment`` 1 on the mean absolute feature difference.
    ``pose_distance_min_confidence``: target keypoints whose heatmap peak is lower are
    left out of L_pd (points the estimator does not see in the real frame).
    """

    scales: tuple = (1, 0.5, 0.25, 0.125)
    perceptual: tuple = (10.0, 10.0, 10.0, 10.0, 10.0)
    equivariance_value: float = 10.0
    warp_loss: float = 10.0
    bg: float = 10.0
    pose_distance: float = 10.0
    pose_distance_min_confidence: float = 0.3
    feature_alignment: float = 1.0
    perceptual_weights: str = "imagenet"
    perceptual_seed: int = 0
    pixel: tuple = ()  # L1 weight per pyramid scale (empty: off; the official recipes have none)
    ssim: float = 0.0  # weight of 1 − SSIM (0: off)
    motion_weight: float = 0.0  # pixel terms weigh moving pixels 1 + α (0: plain L1; see appearance_loss)
    blur_warp: float = 0.0  # weight of the blurred-frame warp loss of the flow (0: off; not in the official recipe)
    blur_warp_sigmas: tuple = (2.0, 4.0, 8.0, 16.0)  # its Gaussian σ in pixels of the model's frames
    # weight of mean(O) of the output blend (0: off; not in the paper): where G adds nothing the warped
    # source is preferred, so G's colour errors on unseen signers do not leak into still pixels
    occlusion_sparsity: float = 0.0
    transform: TransformParams = field(default_factory=TransformParams)


@dataclass
class PGMMScheduleConfig(ScheduleConfig):
    """TPSMM's schedule and clipping; ``clip_cmm_heads`` clips the CMMs' flow/occlusion heads with the
    dense-motion network (where TPSMM has its heads), default on; off = only the networks TPSMM names."""

    clip_cmm_heads: bool = True


def _paper_train() -> TrainConfig:
    """§4.1 (Adam 2e-4, ×0.1 at 60 and 90, 100 epochs, 5 pairs per video); fp32; TPSMM's augmentation
    (the paper is silent on both; PGMM trains with TPSMM's pipeline)."""
    return TrainConfig(epochs=100, lr=2e-4, milestones=(60, 90), gamma=0.1, adam_betas=(0.5, 0.999),
                       weight_decay=1e-4, batch_size=8, pairs_per_video=5, augment=fomm_augmentation())


@dataclass
class PGMMConfig:
    model: PGMMModelConfig = field(default_factory=PGMMModelConfig)
    loss: PGMMLossConfig = field(default_factory=PGMMLossConfig)
    schedule: PGMMScheduleConfig = field(default_factory=PGMMScheduleConfig)
    train: TrainConfig = field(default_factory=_paper_train)


def variant_switches(model: PGMMModelConfig) -> tuple[str, bool, bool]:
    """(pose fusion: none|add|pfm, pose-distance loss on, feature-alignment loss on)."""
    if model.variant not in VARIANTS:
        raise UsageError(f"pgmm: model.variant must be one of {', '.join(VARIANTS)}, got {model.variant!r}")
    return VARIANTS[model.variant]


def num_scales(model: PGMMModelConfig) -> int:
    return model.encoder.num_down_blocks + 1


def validate(cfg: PGMMConfig) -> PGMMConfig:
    """Check a resolved config; raises :class:`UsageError` with one clear line."""
    m = cfg.model
    fusion, _, _ = variant_switches(m)
    if m.encoder.stem not in ENCODER_STEMS:
        raise UsageError(f"pgmm: model.encoder.stem must be one of {', '.join(ENCODER_STEMS)}, got {m.encoder.stem!r}")
    if m.encoder.num_down_blocks != 3:
        raise UsageError(f"pgmm: encoder.num_down_blocks must be 3 (4 generator scales), got {m.encoder.num_down_blocks}")
    if len(m.image_size) != 2:
        raise UsageError(f"pgmm: model.image_size must be [height, width], got {list(m.image_size)}")
    dm = m.dense_motion
    inv = round(1 / dm.scale_factor)
    if abs(1 / dm.scale_factor - inv) > 1e-9 or inv & (inv - 1) or not 0 <= 4 - int(math.log2(inv)) <= dm.num_blocks:
        raise UsageError(f"pgmm: dense_motion.scale_factor must be 1/2^n with 4 − n ≤ num_blocks, got {dm.scale_factor}")
    multiple = max(inv * 2**dm.num_blocks, 8)
    h, w = (int(v) for v in m.image_size)
    if h % multiple or w % multiple:
        raise UsageError(f"pgmm: model.image_size {h}×{w} must be multiples of {multiple} "
                         f"(dense motion at scale {dm.scale_factor} with {dm.num_blocks} hourglass blocks)")
    if len(m.pose.channels) != num_scales(m):
        raise UsageError(f"pgmm: model.pose.channels needs {num_scales(m)} entries (one per scale), got {list(m.pose.channels)}")
    if m.pose.source not in POSE_SOURCES:
        raise UsageError(f"pgmm: model.pose.source must be one of {', '.join(POSE_SOURCES)}, got {m.pose.source!r}")
    if m.pfm_scales is not None and any(not 0 <= int(s) < num_scales(m) for s in m.pfm_scales):
        raise UsageError(f"pgmm: model.pfm_scales entries must be in 0..{num_scales(m) - 1}, got {list(m.pfm_scales)}")
    check_perceptual_loss("pgmm", cfg.loss, m.image_size)
    return cfg
