"""Keypoint extraction for datasets that ship none (``slvg-bench datasets prepare --keypoints ID``).

The estimator is looked up by id in ``slvg_bench.pose.estimators.ESTIMATORS``.
An entry is either an estimator object with ``estimate(frames) -> T×133×3`` or a
factory (class or function, optionally taking ``device=``) that returns one;
``frames`` is a float tensor ``T×3×H×W`` in [0, 1] and the result gives (x, y)
in pixels of those frames plus a confidence (COCO-WholeBody order). Frames go
to the estimator in chunks so a long full-resolution video never sits in memory
as one float tensor.

Every way this can fail before work starts ends in one line naming the fix:
no estimator registry in this install, an unknown id (with the valid ones), a
missing optional package (which extra to install), missing weights (the
``slvg-bench weights`` command, from :class:`~slvg_bench.errors.WeightsUnavailableError`).
"""

from __future__ import annotations

import inspect
from typing import Optional

import numpy as np

from slvg_bench.errors import DatasetError, UsageError

CHUNK = 32
EXTRAS = {"mediapipe": "mediapipe"}  # estimator id -> setup.cfg extra providing its package


def _missing_package_hint(name: str, err: BaseException) -> str:
    extra = EXTRAS.get(name.split("-")[0])
    how = f"pip install 'slvg-bench[{extra}]'" if extra else "install the package it names"
    return f"keypoint estimator {name!r} needs an optional package that is not installed ({err}); fix: {how}"


def load_estimator(name: str, device: Optional[str] = None):
    """The estimator object registered as ``name`` (built on ``device`` when its factory takes one)."""
    try:
        from slvg_bench.pose.estimators import ESTIMATORS
    except ImportError as e:
        raise UsageError(
            f"keypoint estimator {name!r} is unavailable: this install has no estimator registry "
            f"(slvg_bench.pose.estimators: {e}); update slvg-bench to a version that provides it"
        ) from e
    try:
        entry = ESTIMATORS.get(name)
    except UsageError as e:
        if isinstance(e.__cause__, ImportError):
            raise UsageError(_missing_package_hint(name, e.__cause__)) from e
        raise
    if hasattr(entry, "estimate") and not isinstance(entry, type):
        return entry
    if not callable(entry):
        raise UsageError(f"keypoint estimator {name!r} is registered as {type(entry).__name__}, which has no estimate()")
    try:
        params = inspect.signature(entry).parameters
    except (TypeError, ValueError):
        params = {}
    kwargs = {"device": device} if "device" in params else {}
    try:
        est = entry(**kwargs)
    except ImportError as e:
        raise UsageError(_missing_package_hint(name, e)) from e
    if not hasattr(est, "estimate"):
        raise UsageError(f"keypoint estimator {name!r} built a {type(est).__name__}, which has no estimate()")
    return est


def estimate_keypoints(estimator, frames: np.ndarray, name: str = "estimator") -> np.ndarray:
    """uint8 ``T×H×W×3`` frames -> float32 ``T×133×3`` keypoints in pixels of those frames."""
    import torch

    from slvg_bench.video import to_float

    out = []
    with torch.no_grad():
        for i in range(0, len(frames), CHUNK):
            kp = estimator.estimate(to_float(frames[i : i + CHUNK]))
            kp = kp.detach().cpu().numpy() if isinstance(kp, torch.Tensor) else np.asarray(kp)
            out.append(kp.astype(np.float32))
    kp = np.concatenate(out)
    if kp.shape != (len(frames), 133, 3):
        raise DatasetError(f"keypoint estimator {name!r} returned shape {kp.shape}, expected {(len(frames), 133, 3)}")
    return kp
