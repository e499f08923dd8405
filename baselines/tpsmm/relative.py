"""Relative motion transfer for cross-identity animation (TPSMM demo ``relative`` mode, methods.md §1.11).

``kp = kp_S + (kp_D − kp_D0) · sqrt(area(hull(kp_S)) / area(hull(kp_D0)))``: the driving
keypoints' displacement since the first driving frame, rescaled by the ratio of
convex-hull areas, applied to the source keypoints. TPSMM always adapts the
scale. The official demo takes sample 0's hulls for the whole batch; here each
sample uses its own (equal to the demo's per-video result).
"""

from __future__ import annotations

import torch

from baselines.common.movement import hull_area, movement_scale

__all__ = ["adapt_movement_scale", "hull_area", "relative_keypoints"]


def adapt_movement_scale(kp_source: torch.Tensor, kp_driving_initial: torch.Tensor) -> torch.Tensor:
    """Per-sample ``sqrt(area(hull(kp_S))) / sqrt(area(hull(kp_D0)))`` as a ``B`` tensor (float64, CPU).

    :func:`baselines.common.movement.movement_scale` (shared with MRAA); a degenerate hull gives 1.
    """
    return movement_scale(kp_source, kp_driving_initial)


def relative_keypoints(kp_source: torch.Tensor, kp_driving: torch.Tensor, kp_driving_initial: torch.Tensor,
                       scale: torch.Tensor | None = None) -> torch.Tensor:
    """Relative keypoints.

    Args:
        kp_source: ``B×N×2`` (or ``1×N×2``, broadcast over driving frames).
        kp_driving: ``B×N×2``.
        kp_driving_initial: keypoints of the first driving frame, same batch as kp_source.
        scale: precomputed :func:`adapt_movement_scale` (per video), else computed here.
    Returns:
        ``B×N×2``.
    """
    if scale is None:
        scale = adapt_movement_scale(kp_source, kp_driving_initial)
    s = scale.to(device=kp_driving.device, dtype=kp_driving.dtype).view(-1, 1, 1)
    return (kp_driving - kp_driving_initial) * s + kp_source
