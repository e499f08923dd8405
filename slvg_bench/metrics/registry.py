"""The metric registry: id -> lazily imported :class:`~slvg_bench.metrics.base.Metric` subclass.

Ids say the variant and are also the result columns (multi-column metrics list
theirs in ``info.columns``). Short aliases are accepted on the command line.
"""

from __future__ import annotations

from typing import Any, Iterable

from slvg_bench.registry import Registry

METRICS: Registry[type] = Registry(
    "metric",
    {
        "l1": "slvg_bench.metrics.l1:L1",
        "ssim": "slvg_bench.metrics.ssim:SSIM",
        "ssim-skimage-default": "slvg_bench.metrics.ssim:SSIMSkimageDefault",
        "psnr": "slvg_bench.metrics.psnr:PSNR",
        "lpips-alex": "slvg_bench.metrics.lpips_metric:LPIPSAlex",
        "lpips-vgg": "slvg_bench.metrics.lpips_metric:LPIPSVgg",
        "fvd-i3d-k400": "slvg_bench.metrics.fvd:FVD",
        "tcd": "slvg_bench.metrics.tcd:TCD",
        "region-l1": "slvg_bench.metrics.regions:RegionL1",
        "region-ssim": "slvg_bench.metrics.regions:RegionSSIM",
        "region-lpips-alex": "slvg_bench.metrics.regions:RegionLPIPSAlex",
        "fid-inception": "slvg_bench.metrics.fid:FIDInception",
        "akd": "slvg_bench.metrics.keypoint_distance:KeypointDistance",
        "mpjpe": "slvg_bench.metrics.keypoint_distance:KeypointMPJPE",
        "dtw-mje": "slvg_bench.metrics.dtw_mje:DTWMJE",
        "wer": "slvg_bench.metrics.wer_metric:WER",
    },
)

ALIASES = {"lpips": "lpips-alex", "fvd": "fvd-i3d-k400", "fid": "fid-inception",
           "regions": "region-l1,region-ssim,region-lpips-alex"}

# `slvg-bench evaluate` without --metrics; region metrics are added when keypoints are
# available, akd when an estimator is given. Not defaults (request them with --metrics):
# fid-inception (Inception-v3 at 299² on every frame of both videos, ~0.1-0.3 s per frame and side
# on a CPU core) and the pose metrics mpjpe and dtw-mje (a pose estimator on both videos).
DEFAULT_METRICS = ("l1", "ssim", "psnr", "lpips-alex", "fvd-i3d-k400", "tcd")
REGION_METRICS = ("region-l1", "region-ssim", "region-lpips-alex")


def resolve(names: str | Iterable[str]) -> list[str]:
    """``"l1,lpips,fvd"`` or a list -> registered ids in the given order (aliases expanded, duplicates dropped)."""
    items = names.split(",") if isinstance(names, str) else list(names)
    out: list[str] = []
    for raw in items:
        name = raw.strip().lower()
        if not name:
            continue
        for part in ALIASES.get(name, name).split(","):
            METRICS.check(part)
            if part not in out:
                out.append(part)
    return out


def metric_class(name: str) -> type:
    return METRICS.get(name)


def build(name: str, options_root: Any = None, device: str = "cpu", batch_frames: int = 32, **kwargs):
    """Instantiate metric ``name`` with its options section taken from ``options_root`` (a dataclass)."""
    cls = METRICS.get(name)
    options = getattr(options_root, cls.options_key) if (options_root is not None and cls.options_key) else None
    return cls(options, device=device, batch_frames=batch_frames, **kwargs)
