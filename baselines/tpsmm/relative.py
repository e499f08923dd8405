"""Relative motion transfer for cross-identity animation (TPSMM demo ``relative`` mode, methods.md §1.11).

``kp = kp_S + (kp_D − kp_D0) · sqrt(area(hull(kp_S)) / area(hull(kp_D0)))``: the driving
keypoints' displacement since the first driving frame, rescaled by the ratio of
convex-hull areas, applied to the source keypoints. TPSMM always adapts the
scale. The official demo takes sample 0's hulls for the whole batch; here each
sample uses its own (equal to the demo's per-video result).
"""

from __future__ import annotations

import logging

import numpy as np
import torch

log = logging.getLogger(__name__)


def hull_area(points: np.ndarray) -> float:
    """Area of the 2-D convex hull of ``N×2`` points (0 for degenerate, e.g. collinear, sets)."""
    from scipy.spatial import ConvexHull
    from scipy.spatial import QhullError

    try:
        return float(ConvexHull(points).volume)
    except (QhullError, ValueError):
        return 0.0


def adapt_movement_scale(kp_source: torch.Tensor, kp_driving_initial: torch.Tensor) -> torch.Tensor:
    """Per-sample ``sqrt(area(hull(kp_S))) / sqrt(area(hull(kp_D0)))`` as a ``B`` tensor (float64, CPU).

    A degenerate hull gives scale 1 (with a warning) instead of the official crash.
    """
    src = kp_source.detach().double().cpu().numpy()
    ini = kp_driving_initial.detach().double().cpu().numpy()
    scales = []
    for s, d in zip(src, ini):
        a_s, a_d = hull_area(s), hull_area(d)
        if a_s <= 0 or a_d <= 0:
            log.warning("relative motion: degenerate keypoint hull; using movement scale 1")
            scales.append(1.0)
        else:
            scales.append(np.sqrt(a_s) / np.sqrt(a_d))
    return torch.tensor(scales, dtype=torch.float64)


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
