"""Where region and keypoint metrics get keypoints: a folder of ``.npy`` files or a pose estimator.

- :class:`KeypointFolder`: ``<root>/<video key>.npy`` holding float ``T×133×3``
  (x, y in pixels of the stored target frame, confidence; 0 = unknown) in the
  COCO-WholeBody layout — the layout every dataset in slvg-bench writes
  (synthsign: ``keypoints/<split>/<id>.npy``).
- :func:`load_estimator`: an entry of the pose-estimator registry
  ``slvg_bench.pose.estimators.ESTIMATORS``. An entry is an object with
  ``estimate(frames: T×3×H×W float [0,1]) -> T×133×3`` or a factory returning
  one (called with ``device=`` when it accepts it).
- :func:`resolve_estimator`: the estimator a run uses — the one given (``--keypoint-estimator``),
  else, when a requested metric re-extracts keypoints (``akd``, ``mpjpe``, ``dtw-mje``), the one
  chosen for the dataset (``DatasetAdapter.pose_estimator``: synthsign → ``posenet-synthsign``);
  when that one's weight file is missing, those metrics are unavailable with the install command.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from slvg_bench.errors import UsageError
from slvg_bench.metrics.base import MetricSkip, check_keypoints


class KeypointFolder:
    """Keypoint files matched to videos by relative path (``a/b.mp4`` -> ``<root>/a/b.npy``)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not self.root.is_dir():
            raise UsageError(f"--keypoints {str(self.root)!r} is not a folder (expected <video key>.npy files, T×133×3)")

    def path(self, key: str) -> Path:
        return self.root / f"{key}.npy"

    def load(self, key: str, n_frames: int) -> torch.Tensor:
        """``n_frames×133×3`` float32 keypoints of video ``key``; MetricSkip naming the file otherwise.

        Longer files are cut to ``n_frames`` only by the caller's alignment policy
        (the engine passes the aligned length); a different length is an error.
        """
        path = self.path(key)
        if not path.is_file():
            raise MetricSkip(f"no keypoint file {path}")
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise MetricSkip(f"keypoint file {path} is unreadable: {e}") from e
        kp = torch.from_numpy(np.asarray(arr, dtype=np.float32))
        check_keypoints(kp, n_frames, f"keypoints in {path}")
        if not torch.isfinite(kp).all():
            raise MetricSkip(f"keypoints in {path} contain NaN/Inf (use confidence 0 for unknown points)")
        return kp


def load_estimator(name: str, device: "str | torch.device" = "cpu") -> Callable[[torch.Tensor], torch.Tensor]:
    """``frames T×3×H×W [0,1] -> T×133×3`` from the pose-estimator registry.

    Raises:
        UsageError: the registry does not exist in this installation, or ``name`` is unknown.
    """
    try:
        from slvg_bench.pose.estimators import ESTIMATORS
    except ImportError as e:
        raise UsageError(
            f"--keypoint-estimator {name!r}: this installation has no pose-estimator registry "
            f"(slvg_bench.pose.estimators.ESTIMATORS: {e}); pass --keypoints DIR with <video>.npy files (T×133×3) instead"
        ) from e
    entry = ESTIMATORS.get(name)  # UnknownNameError lists the valid names
    if not (hasattr(entry, "estimate") and not inspect.isclass(entry)):
        params = inspect.signature(entry).parameters
        entry = entry(device=device) if "device" in params else entry()
    if not hasattr(entry, "estimate"):
        raise UsageError(f"pose estimator {name!r} has no estimate(frames) method")

    def estimate(frames: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            out = entry.estimate(frames)
        return torch.as_tensor(out, dtype=torch.float32).cpu()

    return estimate


def dataset_estimator(dataset: str) -> str | None:
    """The pose estimator chosen for registered dataset ``dataset`` (its adapter's ``pose_estimator``), or None."""
    if not dataset:
        return None
    from slvg_bench.data.registry import DATASETS

    if dataset not in DATASETS:
        return None
    return getattr(DATASETS.get(dataset), "pose_estimator", None)


def estimator_unavailable(name: str) -> str | None:
    """Why estimator ``name`` cannot run here (its weight file is missing: the reason names the install
    command), or None. Reads the registry's ``weight_id`` without building the estimator."""
    from slvg_bench import weights
    from slvg_bench.errors import WeightsUnavailableError
    from slvg_bench.pose.estimators import ESTIMATORS

    weight_id = getattr(ESTIMATORS.get(name), "weight_id", None)
    if weight_id is None:
        return None
    try:
        weights.require(weight_id)
    except WeightsUnavailableError as e:
        return f"keypoint estimator {name!r} is not installed: {e}"
    return None


def resolve_estimator(explicit: str | None, dataset: str, scorer) -> str | None:
    """The estimator name to run for ``scorer`` (a :class:`~slvg_bench.scoring.Scorer`): ``explicit`` when
    given; else the dataset's (:func:`dataset_estimator`) when an available metric needs one. When the
    dataset's estimator is not installed, the metrics that need it are marked unavailable with the
    reason and the fix (``scorer.mark_unavailable``) and None is returned."""
    if explicit:
        return explicit
    if not scorer.needs("keypoint_estimator"):
        return None
    name = dataset_estimator(dataset)
    if name is None:
        return None
    reason = estimator_unavailable(name)
    if reason:
        scorer.mark_unavailable("keypoint_estimator", f"{reason} (the estimator chosen for dataset {dataset!r}; "
                                                      f"or pass --keypoint-estimator NAME)")
        return None
    return name
