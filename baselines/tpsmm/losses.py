"""TPSMM training losses and schedules (GeneratorFullModel / train_avd; methods.md §1.8–1.9).

Every loss returns an already-weighted scalar. The perceptual pyramid loss is
:class:`baselines.common.perceptual.PerceptualPyramidLoss`.
"""

from __future__ import annotations

from typing import Callable, Optional

import torch

from baselines.common.random_tps import RandomTPS
from baselines.common.warping import TPSMM_ALIGN_CORNERS


def dropout_schedule(epoch: int, dropout_epoch: int, dropout_startp: float, dropout_maxp: float,
                     dropout_inc_epoch: int) -> tuple[bool, float]:
    """``(dropout_flag, p)`` at ``epoch``: p rises linearly from startp to maxp, off from dropout_epoch."""
    if epoch >= dropout_epoch:
        return False, 0.0
    return True, min(epoch / dropout_inc_epoch * dropout_maxp + dropout_startp, dropout_maxp)


def equivariance_loss(kp_detector: Callable[[torch.Tensor], torch.Tensor], driving: torch.Tensor,
                      kp_driving: torch.Tensor, transform: RandomTPS, weight: float = 10.0,
                      align_corners: bool = TPSMM_ALIGN_CORNERS) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``weight · mean|kp_D − T(kp(T(D)))|`` for a random warp T.

    Args:
        kp_detector: image ``B×C×H×W`` -> keypoints ``B×N×2`` in [-1, 1].
        driving: ``B×C×H×W``; kp_driving: its keypoints ``B×N×2``.
        transform: the random warp (TPSMM kernel for TPSMM).
    Returns:
        ``(loss, transformed_frame, transformed_kp)``.
    """
    transformed = transform.transform_frame(driving, align_corners=align_corners)
    kp_t = kp_detector(transformed)
    value = torch.abs(kp_driving - transform.warp_coordinates(kp_t)).mean()
    return weight * value, transformed, kp_t


def warp_loss(driving_encode: list[torch.Tensor], warped_encoder_maps: list[torch.Tensor],
              weight: float = 10.0) -> torch.Tensor:
    """``weight · Σ_i mean|encode_i(D) − warped_{−1−i}|``.

    ``driving_encode`` runs fine to coarse (``InpaintingNetwork.get_encode``) and
    ``warped_encoder_maps`` coarse to fine (the inpainting output), hence the reversed pairing.
    """
    total = 0.0
    for i, enc in enumerate(driving_encode):
        total = total + torch.abs(enc - warped_encoder_maps[-i - 1]).mean()
    return weight * total


def background_loss(bg_source_to_driving: torch.Tensor, bg_driving_to_source: torch.Tensor,
                    weight: float = 10.0) -> torch.Tensor:
    """``weight · mean|I₃ − B_sd·B_ds|`` (the two background transforms must be inverse)."""
    value = torch.matmul(bg_source_to_driving, bg_driving_to_source)
    eye = torch.eye(3, dtype=value.dtype, device=value.device)
    return weight * torch.abs(eye - value).mean()


def random_scale_keypoints(kp: torch.Tensor, scale: float, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Scale ``B×N×2`` keypoints by ``diag(u_x, u_y)``, ``u ~ U(1 − scale, 1 + scale)`` per sample (AVD input).

    Draws ``torch.rand(B, 2)`` on the CPU (global generator unless given), as the official code.
    """
    u = torch.rand(kp.shape[0], 2, generator=generator) * (2 * scale) + (1 - scale)
    return kp * u.to(dtype=kp.dtype, device=kp.device).view(-1, 1, 2)


def avd_loss(kp_driving: torch.Tensor, kp_reconstructed: torch.Tensor, lambda_shift: float = 1.0) -> torch.Tensor:
    """``lambda_shift · mean|kp_D − AVD(kp_S, scaled kp_D)|``."""
    return lambda_shift * torch.abs(kp_driving - kp_reconstructed).mean()
