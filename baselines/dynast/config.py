"""DynaST configuration (dataclasses, filled from ``baselines/dynast/configs/*.yaml``).

Defaults are the SLVG-benchmark setting: 128×128, whole-body pose maps, the
official architecture otherwise, and the official DeepFashion loss recipe with
two documented adaptations (see ``docs/methods/dynast.md``):

- the official warp-self and VGG feature-matching terms are weighted by
  ``self_ref / (Σ self_ref + 1e-5)`` per DataParallel replica, i.e. divided by
  the per-GPU batch (5 in the released recipe: 40 over 8 GPUs). Our terms are
  plain batch means, so the factor 1/5 is folded into the weights
  (warp_self 1000 -> 200, vgg 10 -> 2), which keeps the released balance at
  any batch size;
- VGG-19 is torchvision's ImageNet model instead of CoCosNet's caffe VGG.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from baselines.dynast.generator import GeneratorConfig
from baselines.dynast.pose_maps import pose_channels
from slvg_bench.train_config import TrainConfig


@dataclass
class PoseConfig:
    encoding: str = "wholebody"  # deepfashion20 | wholebody (see baselines/dynast/pose_maps.py)
    min_confidence: float = 0.3  # a keypoint is drawn when its confidence is greater
    joint_radius: Optional[int] = None  # None: the encoding's default (deepfashion20: 4, wholebody: 1)
    stick_width: Optional[int] = None  # limb half-width; None: the encoding's default (4 / 1)


@dataclass
class DiscriminatorConfig:
    num_d: int = 2
    n_layers: int = 4
    ndf: int = 64


@dataclass
class LossConfig:
    gan: float = 10.0  # hinge GAN, generator side
    gan_feat: float = 10.0  # discriminator feature matching (divided by num_d)
    vgg: float = 2.0  # VGG feature matching relu1_2..relu5_2 with weights 1/32..1; official 10 / replica batch 5
    perceptual: float = 0.001  # MSE on relu4_2
    perceptual_layer: str = "relu4_2"  # relu4_2 | relu5_2 (official which_perceptual)
    warp_self: float = 200.0  # official 1000 / replica batch 5
    perceptual_weights: str = "auto"  # imagenet | random | auto
    # Direct terms on the output frame (baselines/common/appearance_loss.py, shared with the FOMM-family
    # CPU presets), off in the official recipe: pixel-pyramid L1 (one weight per entry of pixel_scales)
    # and w·(1 − SSIM), both on [0, 1] frames at the generator's crop size.
    pixel: tuple = ()
    pixel_scales: tuple = (1.0, 0.5, 0.25, 0.125)
    ssim: float = 0.0
    # With generator.output_blend (not in DynaST): ``unblended`` repeats the pixel/SSIM terms on the
    # generator's own image before the blend (times this factor), so the generator learns even where the
    # mask has closed; ``blend_select`` trains the mask with a binary cross-entropy towards the per-pixel
    # choice "the generated image is closer to the target than the blend base" (detached), a gradient
    # that does not vanish when the sigmoid saturates.
    unblended: float = 0.0
    blend_select: float = 0.0

    @property
    def adversarial(self) -> bool:
        """Whether the discriminator takes part (gan or gan_feat > 0); without it no discriminator step runs."""
        return bool(self.gan or self.gan_feat)


@dataclass
class OptimConfig:
    """Two-timescale update rule (TTUR) of the official recipe; ``train.lr`` is the base lr."""

    g_lr_mult: float = 0.5  # generator lr = train.lr * 0.5
    d_lr_mult: float = 2.0  # discriminator lr = train.lr * 2
    g_eps: float = 1e-3  # the official generator Adam uses eps 1e-3
    d_eps: float = 1e-8


def _default_train() -> TrainConfig:
    # official: lr 1e-4, Adam betas (0, 0.9), 100 epochs (linear decay to 0 over the last 20; a step
    # schedule at 80 and 90 is the closest the shared trainer's MultiStepLR offers)
    return TrainConfig(lr=1e-4, adam_betas=(0.0, 0.9), epochs=100, milestones=(80, 90), gamma=0.1)


@dataclass
class DynaSTConfig:
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    pose: PoseConfig = field(default_factory=PoseConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=_default_train)

    @property
    def semantic_nc(self) -> int:
        """Pose-map channels (20 for deepfashion20, 133 for wholebody)."""
        return pose_channels(self.pose.encoding)


def official_deepfashion() -> DynaSTConfig:
    """The released DeepFashion model's options (256×256, 20-channel maps)."""
    cfg = DynaSTConfig()
    cfg.generator = GeneratorConfig(crop_size=256)
    cfg.pose = PoseConfig(encoding="deepfashion20", min_confidence=0.0)
    return cfg
