"""The TPSMM model: its five networks under their official names, and the inference path.

State-dict keys are ``<network>.<official key>`` with network in ``kp_detector``,
``dense_motion_network``, ``inpainting_network``, ``bg_predictor`` (when
``bg``) and ``avd_network`` (only when built ``with_avd``: stage 2 or a
checkpoint that has one). This is the ``"model"`` entry of our checkpoints.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from baselines.tpsmm.avd_network import AVDNetwork
from baselines.tpsmm.bg_motion_predictor import BGMotionPredictor
from baselines.tpsmm.config import TPSMMModelConfig, check_resolution
from baselines.tpsmm.dense_motion import DenseMotionNetwork
from baselines.tpsmm.inpainting import InpaintingNetwork
from baselines.tpsmm.keypoint_detector import KPDetector

NETWORKS = ("kp_detector", "dense_motion_network", "inpainting_network", "bg_predictor", "avd_network")


def build_networks(cfg: TPSMMModelConfig, with_bg: Optional[bool] = None, with_avd: bool = False) -> dict:
    """The five networks from a model config (``with_bg`` defaults to ``cfg.bg``)."""
    with_bg = cfg.bg if with_bg is None else with_bg
    g, dm, avd = cfg.generator, cfg.dense_motion, cfg.avd
    nets = {
        "kp_detector": KPDetector(cfg.num_tps, cfg.num_channels, cfg.kp_width),
        "dense_motion_network": DenseMotionNetwork(
            dm.block_expansion, dm.num_blocks, dm.max_features, cfg.num_tps, cfg.num_channels,
            scale_factor=dm.scale_factor, bg=cfg.bg, multi_mask=cfg.multi_mask, kp_variance=dm.kp_variance),
        "inpainting_network": InpaintingNetwork(
            cfg.num_channels, g.block_expansion, g.max_features, g.num_down_blocks, multi_mask=cfg.multi_mask),
        "bg_predictor": BGMotionPredictor(cfg.num_channels) if with_bg else None,
        "avd_network": AVDNetwork(cfg.num_tps, avd.id_bottle_size, avd.pose_bottle_size) if with_avd else None,
    }
    return nets


class TPSMM(nn.Module):
    """Container of the TPSMM networks with the inference path.

    Args:
        cfg: architecture.
        with_bg: build ``bg_predictor`` (default ``cfg.bg``).
        with_avd: build ``avd_network``.
    """

    def __init__(self, cfg: TPSMMModelConfig, with_bg: Optional[bool] = None, with_avd: bool = False):
        super().__init__()
        self.model_config = cfg
        for name, net in build_networks(cfg, with_bg, with_avd).items():
            setattr(self, name, net)

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.model_config.image_size[0]), int(self.model_config.image_size[1])

    def check_input(self, frames: torch.Tensor, what: str = "input") -> None:
        check_resolution(self.model_config, frames.shape[-2], frames.shape[-1], what=f"{what} size")

    def generate(self, source: torch.Tensor, kp_source: torch.Tensor, kp_driving: torch.Tensor,
                 bg_param: Optional[torch.Tensor] = None, *, source_down: Optional[torch.Tensor] = None,
                 encoder_maps: Optional[list] = None, dropout_flag: bool = False, dropout_p: float = 0.0,
                 warped_maps: bool = False) -> dict:
        """Dense motion + inpainting for given keypoints.

        Args:
            source: ``1×C×H×W`` or ``B×C×H×W`` in [0, 1].
            kp_source: ``1×5K×2`` or ``B×5K×2``; kp_driving: ``B×5K×2``.
            bg_param: ``B×3×3`` or None (identity background).
            source_down, encoder_maps: per-video source features to reuse (see :meth:`source_features`).
        Returns:
            the inpainting dict (``prediction`` ``B×C×H×W`` in [0, 1], ``deformed``, …) updated with the
            dense-motion outputs under ``dense_motion``.
        """
        bs = kp_driving.shape[0]
        if kp_source.shape[0] != bs:
            kp_source = kp_source.expand(bs, *kp_source.shape[1:])
        if source_down is not None and source_down.shape[0] != bs:
            source_down = source_down.expand(bs, *source_down.shape[1:])
        src = source if source.shape[0] == bs else source.expand(bs, *source.shape[1:])
        motion = self.dense_motion_network(src, kp_driving, kp_source, bg_param, dropout_flag, dropout_p,
                                           source_down=source_down)
        out = self.inpainting_network(src, motion, encoder_maps=encoder_maps, warped_maps=warped_maps)
        out["dense_motion"] = motion
        return out

    def source_features(self, source: torch.Tensor) -> dict:
        """Per-video source features (keypoints, downsampled source, encoder maps) for ``B×C×H×W``."""
        return {
            "kp_source": self.kp_detector(source),
            "source_down": self.dense_motion_network.downsample(source),
            "encoder_maps": self.inpainting_network.encode(source),
        }
