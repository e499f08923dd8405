"""TPSMM configuration dataclasses (loaded from YAML with :func:`slvg_bench.config.load_config`).

Field names follow the official yaml files where they exist
(``model_params.common_params`` -> ``model``, ``generator_params`` -> ``model.generator``,
``dense_motion_params`` -> ``model.dense_motion``, ``avd_network_params`` -> ``model.avd``,
``train_params`` -> ``loss`` + ``schedule`` + ``train``, ``train_avd_params`` -> ``avd_stage`` + ``train``).
Defaults are the official vox-256 values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from baselines.common.loss_config import TransformParams, check_perceptual_loss
from slvg_bench.errors import UsageError
from slvg_bench.train_config import TrainConfig, fomm_augmentation


@dataclass
class GeneratorParams:
    """Inpainting network (official ``generator_params``)."""

    block_expansion: int = 64
    max_features: int = 512
    num_down_blocks: int = 3


@dataclass
class DenseMotionParams:
    """Dense motion network (official ``dense_motion_params``)."""

    block_expansion: int = 64
    max_features: int = 1024
    num_blocks: int = 5
    scale_factor: float = 0.25
    kp_variance: float = 0.01


@dataclass
class AVDParams:
    """AVD network (official ``avd_network_params``)."""

    id_bottle_size: int = 128
    pose_bottle_size: int = 128


@dataclass
class TPSMMModelConfig:
    """Architecture. ``num_tps`` = K TPS transforms = 5K keypoints (SLVG comparison and PGMM: K = 20).

    ``image_size`` (H, W) is the resolution the model runs at; inputs of another size are
    resized to it (training batches, animator inputs) and outputs back (animator).
    """

    num_tps: int = 10
    num_channels: int = 3
    bg: bool = True
    multi_mask: bool = True
    kp_width: int = 64  # base width of the keypoint detector's ResNet-18 (64 = official)
    image_size: tuple = (256, 256)
    generator: GeneratorParams = field(default_factory=GeneratorParams)
    dense_motion: DenseMotionParams = field(default_factory=DenseMotionParams)
    avd: AVDParams = field(default_factory=AVDParams)


@dataclass
class TPSMMLossConfig:
    """Loss weights (official ``loss_weights`` + ``scales``) and the perceptual-loss VGG weights.

    ``perceptual_weights``: ``imagenet`` (requires ``vgg19.imagenet-torchvision``), ``random``
    (seeded random-feature VGG-19, a documented deviation) or ``auto``.
    """

    scales: tuple = (1, 0.5, 0.25, 0.125)
    perceptual: tuple = (10.0, 10.0, 10.0, 10.0, 10.0)
    equivariance_value: float = 10.0
    warp_loss: float = 10.0
    bg: float = 10.0
    perceptual_weights: str = "imagenet"
    perceptual_seed: int = 0
    pixel: tuple = ()  # L1 weight per pyramid scale (empty: off; the official recipes have none)
    ssim: float = 0.0  # weight of 1 − SSIM (0: off)
    motion_weight: float = 0.0  # pixel terms weigh moving pixels 1 + α (0: plain L1; see appearance_loss)
    blur_warp: float = 0.0  # weight of the blurred-frame warp loss of the flow (0: off; not in the official recipe)
    blur_warp_sigmas: tuple = (2.0, 4.0, 8.0, 16.0)  # its Gaussian σ in pixels of the model's frames
    # weight of mean(1 − visibility) of the output blend (0: off; not in the official recipe): where the
    # inpainting output adds nothing the warped source is preferred (see pgmm's loss.occlusion_sparsity)
    occlusion_sparsity: float = 0.0
    transform: TransformParams = field(default_factory=TransformParams)


@dataclass
class ScheduleConfig:
    """Epoch schedules and clipping of the generator stage (official ``train_params``).

    TPS dropout probability at epoch e < dropout_epoch:
    ``min(e / dropout_inc_epoch · dropout_maxp + dropout_startp, dropout_maxp)``; none afterwards.
    The background predictor (and its loss) is used from epoch ``bg_start``.
    ``clip_grad_inf_norm``: max-abs gradient clipping of the keypoint detector, dense motion and
    background networks, each separately (official 10; None disables).
    """

    dropout_epoch: int = 35
    dropout_maxp: float = 0.3
    dropout_startp: float = 0.1
    dropout_inc_epoch: int = 10
    bg_start: int = 10
    clip_grad_inf_norm: Optional[float] = 10.0


@dataclass
class AVDStageConfig:
    """Second stage (official ``train_avd_params``): only the AVD network trains.

    ``init_checkpoint``: the stage-1 checkpoint (ours or official) whose networks are frozen.
    """

    init_checkpoint: Optional[str] = None
    random_scale: float = 0.25
    lambda_shift: float = 1.0


def _official_train() -> TrainConfig:
    return TrainConfig(epochs=100, lr=2e-4, milestones=(70, 90), gamma=0.1, adam_betas=(0.5, 0.999),
                       weight_decay=1e-4, batch_size=28, pairs_per_video=75, augment=fomm_augmentation())


@dataclass
class TPSMMConfig:
    """Everything needed to build, train and load a TPSMM model.

    ``stage``: ``generator`` (stage 1: keypoints, dense motion, inpainting, background) or
    ``avd`` (stage 2: the AVD network on a frozen stage-1 model).
    """

    stage: str = "generator"
    model: TPSMMModelConfig = field(default_factory=TPSMMModelConfig)
    loss: TPSMMLossConfig = field(default_factory=TPSMMLossConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    avd_stage: AVDStageConfig = field(default_factory=AVDStageConfig)
    train: TrainConfig = field(default_factory=_official_train)


STAGES = ("generator", "avd")


def resolution_multiple(model: TPSMMModelConfig) -> int:
    """The number H and W must be multiples of for this architecture."""
    dm = model.dense_motion
    inv = 1 / dm.scale_factor
    motion = round(inv) * 2**dm.num_blocks
    inpaint = 2**model.generator.num_down_blocks
    return motion * inpaint // math.gcd(motion, inpaint)


def check_resolution(model: TPSMMModelConfig, height: int, width: int, what: str = "frame size") -> None:
    """Raise :class:`UsageError` unless ``height×width`` fits the architecture.

    The dense motion runs at ``scale_factor·H`` and its hourglass halves that ``num_blocks`` times;
    the inpainting network halves H ``num_down_blocks`` times; the 4 occlusion masks must then
    meet the inpainting levels exactly.
    """
    dm = model.dense_motion
    inv = 1 / dm.scale_factor
    if abs(inv - round(inv)) > 1e-9 or round(inv) & (round(inv) - 1):
        raise UsageError(f"tpsmm: dense_motion.scale_factor must be 1/2^n (1, 0.5, 0.25, …), got {dm.scale_factor}")
    m = resolution_multiple(model)
    if height % m or width % m:
        raise UsageError(
            f"tpsmm: {what} {height}×{width} is not supported by this config: height and width must be "
            f"multiples of {m} (dense motion at scale {dm.scale_factor} with {dm.num_blocks} hourglass blocks "
            f"needs multiples of {round(inv) * 2 ** dm.num_blocks}; the inpainting network with "
            f"{model.generator.num_down_blocks} down blocks needs multiples of {2 ** model.generator.num_down_blocks})"
        )


def validate(cfg: TPSMMConfig) -> TPSMMConfig:
    """Check a resolved config; raises :class:`UsageError` with one clear line."""
    if cfg.stage not in STAGES:
        raise UsageError(f"tpsmm: stage must be one of {', '.join(STAGES)}, got {cfg.stage!r}")
    m = cfg.model
    if m.num_tps < 1:
        raise UsageError(f"tpsmm: model.num_tps must be ≥ 1, got {m.num_tps}")
    if len(m.image_size) != 2:
        raise UsageError(f"tpsmm: model.image_size must be [height, width], got {list(m.image_size)}")
    if m.multi_mask and m.generator.num_down_blocks != 3:
        raise UsageError(
            f"tpsmm: model.multi_mask needs generator.num_down_blocks = 3 (4 occlusion masks), "
            f"got {m.generator.num_down_blocks}"
        )
    check_resolution(m, int(m.image_size[0]), int(m.image_size[1]), what="model.image_size")
    if m.multi_mask and not 0 <= 4 - round(math.log2(1 / m.dense_motion.scale_factor)) <= m.dense_motion.num_blocks:
        raise UsageError(
            "tpsmm: model.multi_mask needs 4 − log2(1/dense_motion.scale_factor) ≤ dense_motion.num_blocks")
    check_perceptual_loss("tpsmm", cfg.loss, m.image_size)
    return cfg
