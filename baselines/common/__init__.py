"""Building blocks shared by the FOMM-family baselines (TPSMM, MRAA) and PGMM.

One module per concern:

- :mod:`~baselines.common.grids` — ``make_coordinate_grid``, homogeneous coordinates;
- :mod:`~baselines.common.downsample` — ``AntiAliasInterpolation2d`` (persistent ``weight``
  buffer), ``ImagePyramid``;
- :mod:`~baselines.common.heatmaps` — ``kp2gaussian``, ``covariance_gaussian``;
- :mod:`~baselines.common.warping` — ``warp``/``warp_with_flow``/``resize_flow``/``resize_map``
  with an explicit ``align_corners`` (TPSMM True, MRAA False);
- :mod:`~baselines.common.blocks` — ``SameBlock2d``, ``DownBlock2d``, ``UpBlock2d``, ``ResBlock2d``
  (``norm="instance"`` or ``"batch"``), official attribute names;
- :mod:`~baselines.common.hourglass` — ``Encoder``, ``Decoder``, ``Hourglass``;
- :mod:`~baselines.common.perceptual` — ``PerceptualPyramidLoss`` (VGG-19, ``imagenet|random|auto``);
- :mod:`~baselines.common.random_tps` — ``RandomTPS`` (TPSMM and FOMM/MRAA kernels, Jacobian);
- :mod:`~baselines.common.frames` — ``resize_frames`` (frames to a model's resolution and back);
- :mod:`~baselines.common.movement` — ``hull_area``, ``movement_scale`` (relative-motion scale);
- :mod:`~baselines.common.checkpoint_io` — ``weights_only`` reads and our checkpoint format
  (``save_own``/``load_own``, catalog ids), parameterised by method id, config class and model factory;
- :mod:`~baselines.common.official_checkpoint` — official TPSMM/MRAA files through a key table
  (``convert_state_dict``, ``check_official``, ``scale_from_kernel``, ``ConversionReport``);
- :mod:`~baselines.common.loss_config` — ``TransformParams``, ``check_perceptual_loss``.

The last three are imported from their modules (not re-exported here).
"""

from baselines.common.blocks import DownBlock2d, NormKind, ResBlock2d, SameBlock2d, UpBlock2d, make_norm
from baselines.common.downsample import AntiAliasInterpolation2d, ImagePyramid, gaussian_kernel_2d, pyramid_key
from baselines.common.frames import resize_frames
from baselines.common.grids import apply_homography, from_homogeneous, make_coordinate_grid, to_homogeneous
from baselines.common.heatmaps import covariance_gaussian, kp2gaussian
from baselines.common.hourglass import Decoder, Encoder, Hourglass
from baselines.common.movement import hull_area, movement_scale
from baselines.common.perceptual import (
    VGG19_WEIGHT_ID,
    PerceptualPyramidLoss,
    Vgg19Features,
    resolve_perceptual_weights,
)
from baselines.common.random_tps import RandomTPS
from baselines.common.warping import (
    MRAA_ALIGN_CORNERS,
    TPSMM_ALIGN_CORNERS,
    resize_flow,
    resize_map,
    warp,
    warp_with_flow,
)

__all__ = [
    "AntiAliasInterpolation2d", "Decoder", "DownBlock2d", "Encoder", "Hourglass", "ImagePyramid",
    "MRAA_ALIGN_CORNERS", "NormKind", "PerceptualPyramidLoss", "RandomTPS", "ResBlock2d", "SameBlock2d",
    "TPSMM_ALIGN_CORNERS", "UpBlock2d", "VGG19_WEIGHT_ID", "Vgg19Features", "apply_homography",
    "covariance_gaussian", "from_homogeneous", "gaussian_kernel_2d", "hull_area", "kp2gaussian",
    "make_coordinate_grid", "make_norm", "movement_scale", "pyramid_key", "resize_flow", "resize_frames",
    "resize_map", "resolve_perceptual_weights", "to_homogeneous", "warp", "warp_with_flow",
]
