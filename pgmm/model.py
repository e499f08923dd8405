"""The PGMM model: its networks, the motion and pose branches, and generation.

State-dict keys are ``<network>.<key>`` with network in ``kp_detector``,
``dense_motion_network`` (TPSMM's, without its flow/occlusion heads),
``bg_predictor`` (when ``bg``), ``encoder``, ``pose_net`` (when the variant fuses
pose) and ``generator``. The frozen pose estimator P_e is not part of it.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from baselines.tpsmm.bg_motion_predictor import BGMotionPredictor
from baselines.tpsmm.dense_motion import DenseMotionNetwork
from baselines.tpsmm.keypoint_detector import KPDetector
from baselines.common.frames import resize_frames
from pgmm.config import PGMMModelConfig, variant_switches
from pgmm.generator import Generator, ImageEncoder
from pgmm.modules import PoseNet
from slvg_bench.errors import UsageError
from slvg_bench.pose import layout


class PGMM(nn.Module):
    """Container of the PGMM networks.

    ``forward`` is not defined here: :class:`pgmm.trainable.PGMMTrainingModel` adds the
    training step and :mod:`pgmm.animator` the inference path; both use :meth:`motion`,
    :meth:`pose_features` and :meth:`generate`.
    """

    def __init__(self, cfg: PGMMModelConfig, estimator=None):
        super().__init__()
        self.model_config = cfg
        fusion, self.use_pose_distance, self.use_alignment = variant_switches(cfg)
        self.fusion = fusion
        dm = cfg.dense_motion
        self.kp_detector = KPDetector(cfg.num_tps, cfg.num_channels, cfg.kp_width)
        self.dense_motion_network = DenseMotionNetwork(
            dm.block_expansion, dm.num_blocks, dm.max_features, cfg.num_tps, cfg.num_channels,
            scale_factor=dm.scale_factor, bg=cfg.bg, multi_mask=True, kp_variance=dm.kp_variance, heads=False)
        self.bg_predictor = BGMotionPredictor(cfg.num_channels) if cfg.bg else None
        e = cfg.encoder
        self.encoder = ImageEncoder(cfg.num_channels, e.block_expansion, e.max_features, e.num_down_blocks, e.stem)
        n = e.num_down_blocks + 1
        h, w = (int(v) for v in cfg.image_size)
        self.subset = layout.subset(cfg.pose.subset)
        self.pose_net = (PoseNet(len(self.subset), tuple(cfg.pose.channels), (h // 2 ** (n - 1), w // 2 ** (n - 1)),
                                 antialias=cfg.pose.resize_antialias)
                         if fusion != "none" else None)
        self.generator = Generator(self.encoder.channels, self.dense_motion_network.feature_channels, cfg.num_tps + 1,
                                   tuple(cfg.pose.channels), fusion, cfg.pfm_scales, cfg.resblocks_per_scale,
                                   cfg.num_channels, output_blend=cfg.output_blend)
        self._estimator = estimator  # frozen P_e, built lazily (not a submodule: not trained, not saved)

    # -- helpers -------------------------------------------------------------------------------------
    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.model_config.image_size[0]), int(self.model_config.image_size[1])

    @property
    def needs_estimator(self) -> bool:
        """P_e is needed for L_pd (training) or for the heatmaps when ``pose.source = estimator``."""
        return self.use_pose_distance or (self.fusion != "none" and self.model_config.pose.source == "estimator")

    def estimator(self):
        """The frozen pose estimator P_e (built on first use with its default weights)."""
        if self._estimator is None:
            from slvg_bench.pose.estimators import ESTIMATORS

            name = self.model_config.pose.estimator
            cls = ESTIMATORS.get(name)
            if not cls.has_heatmaps:
                raise UsageError(f"pgmm: pose estimator {name!r} produces no heatmaps; choose one with heatmaps")
            self._estimator = cls(device=next(self.parameters()).device)
        device = next(self.parameters()).device
        if getattr(self._estimator, "device", device) != device:
            self._estimator.to(device)
        return self._estimator

    def prepare(self, frames: torch.Tensor) -> torch.Tensor:
        return resize_frames(frames, self.image_size)

    # -- branches ------------------------------------------------------------------------------------
    def source_features(self, source: torch.Tensor) -> dict:
        """Per-source features reused across driving frames: the source, its keypoints, downsampled source, E_I maps."""
        return {
            "source": source,
            "kp_source": self.kp_detector(source),
            "source_down": self.dense_motion_network.downsample(source),
            "encoder_maps": self.encoder(source),
        }

    def transformations_at(self, kp_driving: torch.Tensor, kp_source: torch.Tensor,
                           bg_param: Optional[torch.Tensor], size: tuple[int, int]) -> torch.Tensor:
        """``B×(K+1)×h×w×2`` background + TPS grids at resolution ``size``."""
        shape_only = kp_driving.new_empty(kp_driving.shape[0], 1, *size)  # transformations() reads only its shape
        return self.dense_motion_network.transformations(shape_only, kp_driving, kp_source, bg_param)

    def motion(self, source_down: torch.Tensor, kp_source: torch.Tensor, kp_driving: torch.Tensor,
               bg_param: Optional[torch.Tensor] = None, dropout_p: float = 0.0) -> dict:
        """E_M: motion features per scale and, through each scale's CMM heads, flow and occlusion.

        Returns ``flows`` (``B×h×w×2`` per scale, coarse to fine), ``occlusions``
        (``B×1×h×w``), ``contributions`` and ``features``.
        """
        bs = kp_driving.shape[0]
        if kp_source.shape[0] != bs:
            kp_source = kp_source.expand(bs, *kp_source.shape[1:])
        if source_down.shape[0] != bs:
            source_down = source_down.expand(bs, *source_down.shape[1:])
        m = self.dense_motion_network.motion_features(source_down, kp_driving, kp_source, bg_param)
        seed = int(torch.randint(0, 2**31 - 1, (1,))) if dropout_p > 0 else None
        flows, occlusions, contributions = [], [], []
        for cmm, feat in zip(self.generator.cmm, m["features"]):
            size = tuple(feat.shape[-2:])
            grids = self.transformations_at(kp_driving, kp_source, bg_param, size)
            flow, occ, weights = cmm.motion(feat, grids, dropout_p, seed)
            flows.append(flow)
            occlusions.append(occ)
            contributions.append(weights)
        return {"flows": flows, "occlusions": occlusions, "contributions": contributions, "features": m["features"]}

    def heatmaps(self, driving: torch.Tensor, driving_kp: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The driving frame's pose heatmaps H (``B×P×h×w``, P = subset size).

        From the dataset's keypoints (``pose.source = keypoints``; ``driving_kp`` ``B×133×3`` in
        pixels of ``driving``) or from P_e.
        """
        p = self.model_config.pose
        if p.source == "keypoints":
            if driving_kp is None:
                raise UsageError("pgmm: pose.source is 'keypoints' but no driving keypoints were given "
                                 "(the dataset has none: use pose.source=estimator)")
            from slvg_bench.pose.heatmaps import render_heatmaps

            return render_heatmaps(driving_kp.to(driving.dtype), driving.shape[-2:], tuple(p.heatmap_size),
                                   sigma=p.sigma, indices=self.subset)
        return self.estimator_heatmaps(driving).detach()

    def estimator_heatmaps(self, frames: torch.Tensor) -> torch.Tensor:
        """P_e heatmaps of the subset's points, differentiable w.r.t. ``frames``."""
        est = self.estimator()
        hm = est.heatmaps(frames)
        index = {k: i for i, k in enumerate(est.heatmap_indices)}
        missing = [k for k in self.subset if k not in index]
        if missing:
            raise UsageError(f"pgmm: pose estimator {est.name!r} has no heatmaps for keypoints {missing[:5]}…")
        return hm[:, [index[k] for k in self.subset]]

    def pose_features(self, heatmaps: torch.Tensor) -> Optional[list[torch.Tensor]]:
        """P_d features coarse to fine (None when the variant does not fuse pose)."""
        if self.pose_net is None:
            return None
        return self.pose_net(heatmaps)

    def generate(self, encoder_maps: list[torch.Tensor], motion: Optional[dict],
                 pose: Optional[list[torch.Tensor]], use_fusion: bool = True,
                 source: Optional[torch.Tensor] = None) -> dict:
        """G (see :class:`pgmm.generator.Generator`); ``source`` is needed for the output blend."""
        pairs = list(zip(motion["flows"], motion["occlusions"])) if motion is not None else None
        return self.generator(encoder_maps, pairs, pose, use_fusion=use_fusion, source=source)


def pixel_to_normalized(xy: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Heatmap-pixel (x, y) -> [-1, 1] (pixel-centre convention, align_corners=True)."""
    h, w = size
    scale = xy.new_tensor([2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)])
    return xy * scale - 1


def upsample_like(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)
