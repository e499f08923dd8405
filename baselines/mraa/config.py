"""MRAA configuration dataclasses (loaded from YAML with :func:`slvg_bench.config.load_config`).

Field names follow the official yaml files (snap-research/articulated-animation ``config/*.yaml``):
``model_params`` -> ``model`` (``region_predictor_params`` -> ``model.region_predictor``,
``bg_predictor_params`` -> ``model.bg_predictor``, ``generator_params`` -> ``model.generator`` with
``pixelwise_flow_predictor_params`` -> ``model.generator.pixelwise_flow_predictor``,
``avd_network_params`` -> ``model.avd``); ``train_params`` -> ``loss`` + ``train``;
``train_avd_params`` -> ``avd_stage`` + ``train``. Defaults are the official vox256 values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from baselines.common.loss_config import TransformParams, check_perceptual_loss
from slvg_bench.errors import UsageError
from slvg_bench.train_config import TrainConfig, fomm_augmentation

BG_TYPES = ("zero", "shift", "affine", "perspective")
STAGES = ("reconstruction", "avd")


@dataclass
class RegionPredictorParams:
    """Region predictor (official ``region_predictor_params``).

    ``pad``: padding of the 7×7 region conv; 3 keeps the heatmap at the input size (official vox256),
    0 shrinks it by 6 pixels (official taichi256, ted384, mgif256). ``fast_svd``: compute the SVD on the
    tensor's device instead of the CPU (the official option used an external batched GPU SVD; no official
    config enables it).
    """

    temperature: float = 0.1
    block_expansion: int = 32
    max_features: int = 1024
    scale_factor: float = 0.25
    num_blocks: int = 5
    pca_based: bool = True
    fast_svd: bool = False
    pad: int = 3


@dataclass
class BGPredictorParams:
    """Background motion predictor (official ``bg_predictor_params``); ``bg_type`` in zero|shift|affine|perspective."""

    block_expansion: int = 32
    max_features: int = 1024
    num_blocks: int = 5
    bg_type: str = "affine"


@dataclass
class PixelwiseFlowParams:
    """Pixel-wise flow predictor (official ``pixelwise_flow_predictor_params``).

    ``region_var``: variance of the isotropic region Gaussians when ``use_covar_heatmap`` is off.
    """

    block_expansion: int = 64
    max_features: int = 1024
    num_blocks: int = 5
    scale_factor: float = 0.25
    use_deformed_source: bool = True
    use_covar_heatmap: bool = True
    estimate_occlusion_map: bool = True
    region_var: float = 0.01


@dataclass
class GeneratorParams:
    """Johnson-style generator (official ``generator_params``)."""

    block_expansion: int = 64
    max_features: int = 512
    num_down_blocks: int = 2
    num_bottleneck_blocks: int = 6
    skips: bool = True
    pixelwise_flow_predictor: PixelwiseFlowParams = field(default_factory=PixelwiseFlowParams)


@dataclass
class AVDParams:
    """Animation-via-disentanglement network (official ``avd_network_params``)."""

    id_bottle_size: int = 64
    pose_bottle_size: int = 64


@dataclass
class MRAAModelConfig:
    """Architecture. ``num_regions`` = K (the SLVG comparison uses K = 20).

    ``image_size`` (H, W) is the resolution the model runs at; inputs of another size are resized to
    it (training batches, animator inputs) and outputs back (animator). ``revert_axis_swap``: the sign
    rule that undoes SVD axis flips between source and driving (flow, AVD and the affine equivariance loss).

    ``align_corners``: the ``grid_sample``/resize convention of every warp. The official code uses
    ``False`` (torch 1.4's default) with an identity grid built as ``linspace(−1, 1, n)``, which is the
    ``True`` convention: with no motion at all, the flow at the motion resolution h (¼ of the frame)
    resized and sampled with ``False`` zooms the source by h/(h − 1) about the centre (3 % at h = 32;
    on synthsign the "no motion" warp is L1 0.057 from the source where the next frame is 0.005). The
    official models undo it with the learned affine background motion; ``True`` makes no motion the
    exact identity (TPSMM's convention) and is what a preset without background motion needs.
    """

    num_regions: int = 10
    num_channels: int = 3
    estimate_affine: bool = True
    revert_axis_swap: bool = True
    align_corners: bool = False
    image_size: tuple = (256, 256)
    region_predictor: RegionPredictorParams = field(default_factory=RegionPredictorParams)
    bg_predictor: BGPredictorParams = field(default_factory=BGPredictorParams)
    generator: GeneratorParams = field(default_factory=GeneratorParams)
    avd: AVDParams = field(default_factory=AVDParams)


@dataclass
class MRAALossConfig:
    """Loss weights (official ``loss_weights`` + ``scales``) and the perceptual-loss VGG weights.

    ``perceptual_weights``: ``imagenet`` (requires ``vgg19.imagenet-torchvision``), ``random`` (seeded
    random-feature VGG-19, a documented deviation) or ``auto``. ``bg``: weight of an optional background
    cycle loss ``mean|I − B(S,D)·B(D,S)|`` (TPSMM's); the official MRAA has none, so it defaults to 0.
    """

    scales: tuple = (1, 0.5, 0.25, 0.125)
    perceptual: tuple = (10.0, 10.0, 10.0, 10.0, 10.0)
    equivariance_shift: float = 10.0
    equivariance_affine: float = 10.0
    bg: float = 0.0
    perceptual_weights: str = "imagenet"
    perceptual_seed: int = 0
    pixel: tuple = ()  # L1 weight per pyramid scale (empty: off; the official recipes have none)
    ssim: float = 0.0  # weight of 1 − SSIM (0: off)
    motion_weight: float = 0.0  # pixel terms weigh moving pixels 1 + α (0: plain L1; see appearance_loss)
    # weight of mean(1 − O) of the occlusion map O that blends the warped source into the output
    # (0: off; not in the official recipe; TPSMM's and PGMM's loss.occlusion_sparsity)
    occlusion_sparsity: float = 0.0
    transform: TransformParams = field(default_factory=TransformParams)


@dataclass
class AVDStageConfig:
    """Second stage (official ``train_avd_params``): only the AVD network trains.

    ``init_checkpoint``: the stage-1 checkpoint (ours or official) whose networks are frozen.
    """

    init_checkpoint: Optional[str] = None
    random_scale: float = 0.25
    lambda_shift: float = 1.0
    lambda_affine: float = 1.0


def _official_train() -> TrainConfig:
    return TrainConfig(epochs=100, lr=2e-4, milestones=(60, 90), gamma=0.1, adam_betas=(0.5, 0.999),
                       weight_decay=0.0, batch_size=14, pairs_per_video=75, num_workers=6, augment=fomm_augmentation())


@dataclass
class MRAAConfig:
    """Everything needed to build, train and load an MRAA model.

    ``stage``: ``reconstruction`` (stage 1: region, background and generator networks; official
    ``--mode train``) or ``avd`` (stage 2: the AVD network on a frozen stage-1 model; ``--mode train_avd``).
    """

    stage: str = "reconstruction"
    model: MRAAModelConfig = field(default_factory=MRAAModelConfig)
    loss: MRAALossConfig = field(default_factory=MRAALossConfig)
    avd_stage: AVDStageConfig = field(default_factory=AVDStageConfig)
    train: TrainConfig = field(default_factory=_official_train)


def _inverse_scale(scale: float, what: str) -> int:
    inv = 1 / scale if scale > 0 else math.inf
    if not math.isfinite(inv) or abs(inv - round(inv)) > 1e-9:
        raise UsageError(f"mraa: {what} must be 1/n for an integer n (1, 0.5, 0.25, …), got {scale}")
    return round(inv)


def resolution_multiple(model: MRAAModelConfig) -> int:
    """The number H and W must be multiples of for this architecture."""
    rp, fp = model.region_predictor, model.generator.pixelwise_flow_predictor
    region = _inverse_scale(rp.scale_factor, "region_predictor.scale_factor") * 2**rp.num_blocks
    flow = _inverse_scale(fp.scale_factor, "pixelwise_flow_predictor.scale_factor") * 2**fp.num_blocks
    gen = 2**model.generator.num_down_blocks
    return math.lcm(region, flow, gen)


def check_resolution(model: MRAAModelConfig, height: int, width: int, what: str = "frame size") -> None:
    """Raise :class:`UsageError` unless ``height×width`` fits the architecture.

    The region and flow predictors run at ``scale_factor·H`` and halve that ``num_blocks`` times in their
    hourglasses; the generator halves H ``num_down_blocks`` times.
    """
    m = resolution_multiple(model)
    if height % m or width % m:
        rp, fp = model.region_predictor, model.generator.pixelwise_flow_predictor
        raise UsageError(
            f"mraa: {what} {height}×{width} is not supported by this config: height and width must be "
            f"multiples of {m} (region predictor at scale {rp.scale_factor} with {rp.num_blocks} hourglass blocks, "
            f"flow predictor at scale {fp.scale_factor} with {fp.num_blocks} blocks, generator with "
            f"{model.generator.num_down_blocks} down blocks)"
        )


def validate(cfg: MRAAConfig) -> MRAAConfig:
    """Check a resolved config; raises :class:`UsageError` with one clear line."""
    if cfg.stage not in STAGES:
        raise UsageError(f"mraa: stage must be one of {', '.join(STAGES)}, got {cfg.stage!r}")
    m = cfg.model
    if m.num_regions < 1:
        raise UsageError(f"mraa: model.num_regions must be ≥ 1, got {m.num_regions}")
    if len(m.image_size) != 2:
        raise UsageError(f"mraa: model.image_size must be [height, width], got {list(m.image_size)}")
    if m.bg_predictor.bg_type not in BG_TYPES:
        raise UsageError(f"mraa: model.bg_predictor.bg_type must be one of {', '.join(BG_TYPES)}, "
                         f"got {m.bg_predictor.bg_type!r}")
    has_covar = m.region_predictor.pca_based or m.estimate_affine
    if m.generator.pixelwise_flow_predictor.use_covar_heatmap and not has_covar:
        raise UsageError("mraa: pixelwise_flow_predictor.use_covar_heatmap needs region covariances "
                         "(region_predictor.pca_based or model.estimate_affine)")
    if m.region_predictor.pad < 0 or m.region_predictor.pad > 3:
        raise UsageError(f"mraa: region_predictor.pad must be in 0..3 (7×7 conv), got {m.region_predictor.pad}")
    check_resolution(m, int(m.image_size[0]), int(m.image_size[1]), what="model.image_size")
    loss = cfg.loss
    check_perceptual_loss("mraa", loss, m.image_size)
    for s in loss.scales:
        _inverse_scale(float(s), "loss.scales entries")
    if loss.equivariance_affine != 0 and not has_covar:
        raise UsageError("mraa: loss.equivariance_affine needs region affines (region_predictor.pca_based or "
                         "model.estimate_affine)")
    return cfg
