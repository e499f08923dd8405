"""Shoulder normalisation of a keypoint sequence (pose_format's ``Pose.normalize``, COCO-WholeBody layout).

pose_format (sign-language-processing/pose), which pose-evaluation's metrics call through
``NormalizePosesProcessor``, normalises a whole sequence with one translation and one scale:

- centre: the mean over frames of the shoulders' midpoint ``(p_left + p_right) / 2``;
- scale: ``1 / mean over frames of ‖p_left − p_right‖`` (the mean shoulder width becomes 1);

both over the frames where both shoulders are known (masked frames drop out of the masked means).
For the 133-point COCO-WholeBody layout (pose_format's ``alphapose_133``) the shoulders are
``left_shoulder`` (5) and ``right_shoulder`` (6); "known" here is confidence > ``conf_threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slvg_bench.pose.layout import BODY_INDEX

LEFT_SHOULDER = BODY_INDEX["left_shoulder"]
RIGHT_SHOULDER = BODY_INDEX["right_shoulder"]


@dataclass(frozen=True)
class ShoulderFrame:
    """``center`` (x, y) and mean shoulder ``width`` (pixels) of a sequence, from ``n_frames`` frames."""

    center: np.ndarray
    width: float
    n_frames: int

    def apply(self, xy: np.ndarray) -> np.ndarray:
        """Pixel coordinates ``…×2`` → shoulder-normalised ones (origin at the mean shoulder midpoint)."""
        return (np.asarray(xy, np.float64) - self.center) / self.width


def shoulder_frame(keypoints: np.ndarray, conf_threshold: float) -> ShoulderFrame | None:
    """:class:`ShoulderFrame` of ``T×133×3`` keypoints, or None when no frame has both shoulders
    with confidence > ``conf_threshold`` (or their mean distance is 0)."""
    kp = np.asarray(keypoints, np.float64)
    both = (kp[:, LEFT_SHOULDER, 2] > conf_threshold) & (kp[:, RIGHT_SHOULDER, 2] > conf_threshold)
    if not both.any():
        return None
    left, right = kp[both, LEFT_SHOULDER, :2], kp[both, RIGHT_SHOULDER, :2]
    width = float(np.linalg.norm(left - right, axis=1).mean())
    if not width > 0:
        return None
    return ShoulderFrame(((left + right) / 2).mean(axis=0), width, int(both.sum()))
