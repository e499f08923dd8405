"""The MRAA model: its four networks under their official names, and the inference path.

State-dict keys are ``<network>.<official key>`` with network in ``region_predictor``,
``bg_predictor``, ``generator`` (which contains ``pixelwise_flow_predictor``) and
``avd_network`` (only when built ``with_avd``: stage 2, or a checkpoint that has one). A
``bg_type: zero`` background predictor has no parameters (as officially). This state dict is the
``"model"`` entry of our checkpoints.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from baselines.mraa.avd_network import AVDNetwork
from baselines.mraa.bg_motion_predictor import BGMotionPredictor
from baselines.mraa.config import MRAAModelConfig, check_resolution
from baselines.mraa.generator import Generator
from baselines.mraa.region_predictor import RegionPredictor
from baselines.mraa.regions import expand_batch

NETWORKS = ("region_predictor", "bg_predictor", "generator", "avd_network")


def build_networks(cfg: MRAAModelConfig, with_bg: bool = True, with_avd: bool = False) -> dict:
    """The four networks from a model config, with the official constructor arguments."""
    rp, bg, gen, avd = cfg.region_predictor, cfg.bg_predictor, cfg.generator, cfg.avd
    fp = gen.pixelwise_flow_predictor
    return {
        "region_predictor": RegionPredictor(
            rp.block_expansion, cfg.num_regions, cfg.num_channels, rp.max_features, rp.num_blocks,
            rp.temperature, estimate_affine=cfg.estimate_affine, scale_factor=rp.scale_factor,
            pca_based=rp.pca_based, fast_svd=rp.fast_svd, pad=rp.pad),
        "bg_predictor": BGMotionPredictor(bg.block_expansion, cfg.num_channels, bg.max_features, bg.num_blocks,
                                          bg.bg_type) if with_bg else None,
        "generator": Generator(
            cfg.num_channels, cfg.num_regions, gen.block_expansion, gen.max_features, gen.num_down_blocks,
            gen.num_bottleneck_blocks,
            dict(block_expansion=fp.block_expansion, num_blocks=fp.num_blocks, max_features=fp.max_features,
                 estimate_occlusion_map=fp.estimate_occlusion_map, scale_factor=fp.scale_factor,
                 region_var=fp.region_var, use_covar_heatmap=fp.use_covar_heatmap,
                 use_deformed_source=fp.use_deformed_source),
            skips=gen.skips, revert_axis_swap=cfg.revert_axis_swap, align_corners=cfg.align_corners),
        "avd_network": AVDNetwork(cfg.num_regions, avd.id_bottle_size, avd.pose_bottle_size,
                                  revert_axis_swap=cfg.revert_axis_swap) if with_avd else None,
    }


class MRAA(nn.Module):
    """Container of the MRAA networks with the inference path.

    Args:
        cfg: architecture.
        with_bg: build ``bg_predictor`` (False only for official files that lack one: background = identity).
        with_avd: build ``avd_network``.
    """

    def __init__(self, cfg: MRAAModelConfig, with_bg: bool = True, with_avd: bool = False):
        super().__init__()
        self.model_config = cfg
        for name, net in build_networks(cfg, with_bg, with_avd).items():
            setattr(self, name, net)

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.model_config.image_size[0]), int(self.model_config.image_size[1])

    def check_input(self, frames: torch.Tensor, what: str = "input") -> None:
        check_resolution(self.model_config, frames.shape[-2], frames.shape[-1], what=f"{what} size")

    def source_features(self, source: torch.Tensor) -> dict:
        """Per-video source encodings for ``B×C×H×W`` (usually B = 1): region parameters, the
        flow predictor's downsampled source and the generator's encoder features."""
        return {
            "region_params": self.region_predictor(source),
            "source_down": self.generator.pixelwise_flow_predictor.downsample(source),
            "features": self.generator.encode(source),
        }

    def generate(self, source: torch.Tensor, source_params: dict, driving_params: dict,
                 bg_params: Optional[torch.Tensor] = None, *, source_down: Optional[torch.Tensor] = None,
                 features: Optional[list] = None) -> dict:
        """Generator forward for given region parameters, broadcasting batch-1 source inputs.

        Args:
            source: ``1×C×H×W`` or ``B×C×H×W`` in [0, 1].
            source_params: region parameters of the source (batch 1 or B); driving_params: batch B.
            bg_params: ``B×3×3`` or None (identity background).
            source_down, features: per-video source encodings (:meth:`source_features`), batch 1 or B.
        Returns:
            the generator's dict (``prediction`` ``B×C×H×W`` in [0, 1], ``deformed``, ``occlusion_map``,
            ``motion``).
        """
        bs = driving_params["shift"].shape[0]

        def expand(t):
            return t if t is None or t.shape[0] == bs else t.expand(bs, *t.shape[1:])

        source_params = expand_batch(source_params, bs)
        if features is not None:
            features = [expand(f) for f in features]
        return self.generator(expand(source), driving_params, source_params, bg_params,
                              features=features, source_down=expand(source_down))
