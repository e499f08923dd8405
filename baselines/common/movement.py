"""Movement scale of relative motion transfer (FOMM/MRAA/TPSMM demo ``relative`` mode).

Relative animation moves the source's keypoints (or region centres) by the driving
video's displacement since its first frame, rescaled by
``sqrt(area(hull(source points)) / area(hull(first driving frame's points)))`` so a
small face/body drives a large one proportionally. The official demos compute the hull
of sample 0 only and use it for the whole batch; here every sample gets its own scale,
which equals the demo's result video by video.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

log = logging.getLogger(__name__)


def hull_area(points: np.ndarray) -> float:
    """Area of the 2-D convex hull of ``N×2`` points; 0 for degenerate sets (fewer than 3, collinear)."""
    from scipy.spatial import ConvexHull, QhullError

    if points.shape[0] < 3:
        return 0.0
    try:
        return float(ConvexHull(points).volume)
    except (QhullError, ValueError):
        return 0.0


def movement_scale(source_points: torch.Tensor, driving_initial_points: torch.Tensor) -> torch.Tensor:
    """Per-sample ``sqrt(hull area of source) / sqrt(hull area of first driving frame)``.

    Args:
        source_points, driving_initial_points: ``B×N×2`` (any float dtype/device).
    Returns:
        ``B`` float64 tensor on the CPU. A degenerate hull gives 1 (with a warning) where the
        official code would crash or divide by zero.
    """
    src = source_points.detach().double().cpu().numpy()
    ini = driving_initial_points.detach().double().cpu().numpy()
    scales = []
    for s, d in zip(src, ini):
        a_s, a_d = hull_area(s), hull_area(d)
        if a_s <= 0 or a_d <= 0:
            log.warning("relative motion: degenerate hull of the points; using movement scale 1")
            scales.append(1.0)
        else:
            scales.append(float(np.sqrt(a_s) / np.sqrt(a_d)))
    return torch.tensor(scales, dtype=torch.float64)
