"""Pose estimators behind one interface, in one registry.

``ESTIMATORS.get(name)`` returns the estimator *class*; its class attributes
(``differentiable``, ``has_heatmaps``, ``weight_id``) can be read without
loading anything, and calling it builds the estimator with its default weights::

    from slvg_bench.pose.estimators import ESTIMATORS, load_estimator

    est = ESTIMATORS.get("mediapipe")()            # or load_estimator("mediapipe", device="cpu")
    keypoints = est.estimate(frames)               # frames T×3×H×W in [0,1] -> T×133×3

Built-ins:

- ``hrnet-w32-wholebody``: MMPose HRNet-W32 COCO-WholeBody 256×192, differentiable,
  heatmaps; needs the weight file ``hrnet-w32.coco-wholebody-256x192``.
- ``mediapipe``: MediaPipe Holistic (extra ``mediapipe``), offline, not differentiable.
- ``posenet-synthsign``: a small heatmap network trained here on synthsign
  (``slvg-bench pose train --dataset synthsign``), differentiable, heatmaps.
"""

from __future__ import annotations

from slvg_bench.pose.estimators.base import PoseEstimator, check_frames, resolve_device
from slvg_bench.registry import Registry

ESTIMATORS: Registry[type[PoseEstimator]] = Registry(
    "pose estimator",
    {
        "hrnet-w32-wholebody": "slvg_bench.pose.estimators.hrnet_wholebody:HRNetWholeBody",
        "mediapipe": "slvg_bench.pose.estimators.mediapipe_holistic:MediaPipeHolistic",
        "posenet-synthsign": "slvg_bench.pose.estimators.posenet:PoseNetSynthsign",
    },
)


def load_estimator(name: str, device=None, **kwargs) -> PoseEstimator:
    """Build the registered estimator ``name`` with its default weights."""
    return ESTIMATORS.get(name)(device=device, **kwargs)


__all__ = ["ESTIMATORS", "PoseEstimator", "check_frames", "load_estimator", "resolve_device"]
