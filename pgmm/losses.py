"""PGMM's losses beyond TPSMM's: warp loss per CMM scale, Pose Distance (eq. 8), Feature Alignment (eq. 9–11).

Every function returns an already-weighted scalar.
"""

from __future__ import annotations

from typing import Sequence

import torch

from baselines.common.warping import TPSMM_ALIGN_CORNERS, warp_with_flow
from pgmm.model import pixel_to_normalized
from slvg_bench.pose.heatmaps import soft_argmax

SOFT_ARGMAX_BETA = 20.0  # for peak-1 heatmaps (pose estimator outputs); see slvg_bench.pose.heatmaps.soft_argmax


def cmm_warp_loss(source_maps: Sequence[torch.Tensor], driving_maps: Sequence[torch.Tensor],
                  flows: Sequence[torch.Tensor], occlusions: Sequence[torch.Tensor], weight: float) -> torch.Tensor:
    """TPSMM's warp loss on PGMM's scales: ``Σ_s mean|(1−O_s)·E_s(D) − (1−O_s)·warp(F_s, E_s(S))|``.

    Encoder features and masks are detached, so only the flows (the motion branch) learn from it.
    ``source_maps``/``driving_maps``: E_I features fine to coarse; flows/occlusions coarse to fine.
    """
    total = 0.0
    for s, (flow, occ) in enumerate(zip(flows, occlusions)):
        visible = (1 - occ).detach()
        src = source_maps[-1 - s].detach()
        if src.shape[0] != flow.shape[0]:
            src = src.expand(flow.shape[0], *src.shape[1:])
        warped = warp_with_flow(src, flow, align_corners=TPSMM_ALIGN_CORNERS)
        total = total + torch.abs(visible * driving_maps[-1 - s].detach() - visible * warped).mean()
    return weight * total


def pose_distance_loss(pred_heatmaps: torch.Tensor, target_heatmaps: torch.Tensor, weight: float,
                       min_confidence: float = 0.3) -> torch.Tensor:
    """L_pd (eq. 8): mean L1 between keypoint coordinates of P_e(Î_d) and of the target heatmaps H.

    The paper's ``k_i`` is an argmax, which has no gradient; we use a soft-argmax
    (``softmax(β·H)``, β = 20) on the generated frame's heatmaps so the loss can train the
    generator, and the same on the (detached) target. Coordinates are normalised to
    [-1, 1]; keypoints whose target heatmap peak is below ``min_confidence`` are left out.

    Args:
        pred_heatmaps, target_heatmaps: ``B×P×h×w``.
    """
    size = tuple(pred_heatmaps.shape[-2:])
    pred = pixel_to_normalized(soft_argmax(pred_heatmaps, beta=SOFT_ARGMAX_BETA), size)
    with torch.no_grad():
        target = pixel_to_normalized(soft_argmax(target_heatmaps, beta=SOFT_ARGMAX_BETA), size)
        keep = (target_heatmaps.flatten(-2).amax(-1) >= min_confidence).to(pred.dtype)  # B×P
    if keep.sum() == 0:
        return pred.sum() * 0.0
    dist = torch.abs(pred - target).sum(-1) / 2  # mean over x, y
    return weight * (dist * keep).sum() / keep.sum()


def feature_alignment_loss(source_outputs: Sequence[torch.Tensor], driving_outputs: Sequence[torch.Tensor],
                           weight: float) -> torch.Tensor:
    """L_align (eq. 9): ``Σ_i mean|Y_s^i − Y_d^i|`` over the generator's convolution-module outputs."""
    total = 0.0
    for ys, yd in zip(source_outputs, driving_outputs):
        total = total + torch.abs(ys - yd).mean()
    return weight * total
