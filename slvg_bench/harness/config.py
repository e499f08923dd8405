"""What one ``slvg-bench run`` is: method × dataset × split × task, and how it is scored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from slvg_bench.scoring import MetricOptions
from slvg_bench.stats import BootstrapOptions

TASKS = ("reconstruction", "cross-person")

# Metrics defined for each task. Cross-person has no pixel target (the source person never
# performed the driving video), so only distribution, pose and readability metrics apply.
TASK_METRICS = {
    "reconstruction": ("l1", "ssim", "psnr", "lpips-alex", "fvd-i3d-k400", "tcd"),
    "cross-person": ("fvd-i3d-k400", "akd"),
}
PIXEL_METRICS = ("l1", "ssim", "ssim-skimage-default", "psnr", "lpips-alex", "lpips-vgg", "tcd", "region-l1",
                 "region-ssim", "region-lpips-alex")
REGION_METRICS = ("region-l1", "region-ssim", "region-lpips-alex")


@dataclass
class RunConfig:
    """A benchmark run. Hashed (minus the fields that cannot change a number) into the run's identity.

    ``split``: the evaluation split (``test``; ``dev`` where the dataset has one). Leaderboards are per split.
    ``metrics``: None = the task's defaults (+ region metrics when the dataset has keypoints).
    ``checkpoint_sha256`` is filled in once the checkpoint is known.
    ``bootstrap``: B, seed and level of the figures' confidence intervals (never changes a figure,
    so it is not hashed; :mod:`slvg_bench.stats`).
    """

    method: str = ""
    dataset: str = ""
    task: str = "reconstruction"
    split: str = "test"
    resolution: int = 128
    metrics: Optional[tuple] = None
    keypoint_estimator: Optional[str] = None
    checkpoint: Optional[str] = None
    checkpoint_sha256: Optional[str] = None
    pair_seed: int = 0
    options: MetricOptions = field(default_factory=MetricOptions)
    bootstrap: BootstrapOptions = field(default_factory=BootstrapOptions)


def hashed_fields(cfg: RunConfig) -> dict:
    """The part of the config that defines the numbers (paths and sha256 of the checkpoint included)."""
    from slvg_bench.config import to_dict

    d = to_dict(cfg)
    d.pop("checkpoint", None)  # the same file under another path is the same run
    d.pop("bootstrap", None)  # intervals never change a figure
    return d
