"""L1, SSIM and LPIPS inside boxes around each hand and the mouth.

The paper's claim is about hands and faces, where whole-frame metrics are
dominated by the body and the background. Boxes come from the *target* video's
keypoints (dataset keypoints via ``--keypoints DIR`` or the dataset, else an
estimator run on the target frames), one fixed size per video and region
(:mod:`.region_boxes`); the same boxes cut the generated and the target frames.

- ``region-l1``   → columns ``l1-left-hand``, ``l1-right-hand``, ``l1-mouth``:
  :func:`~slvg_bench.metrics.l1.l1_per_frame` on the crops.
- ``region-ssim`` → ``ssim-…``: Wang-settings SSIM on the crops (boxes are at
  least 16 px, the 11-tap window leaves a valid region).
- ``region-lpips-alex`` → ``lpips-alex-…``: LPIPS on the crops resized to
  64×64 (bilinear; antialiased when shrinking) — AlexNet's five layers need
  inputs of roughly 40 px or more, and a common size makes regions comparable.

Per video: mean over the frames that have the region; dataset: mean over
videos. A region never seen in a video gives NaN + reason for that column.
"""

from __future__ import annotations

import abc
from dataclasses import asdict

import torch
import torch.nn.functional as F

from slvg_bench.metrics.base import Metric, MetricInfo, Missing, VideoPair, frame_batches
from slvg_bench.metrics.l1 import l1_per_frame
from slvg_bench.metrics.lpips_metric import BACKBONE_WEIGHTS, LPIPSAlex
from slvg_bench.metrics.region_boxes import REGIONS, BoxOptions, RegionBoxes, crop_boxes, region_boxes
from slvg_bench.metrics.ssim import WANG, ssim_per_frame

LPIPS_REGION_SIZE = 64


def boxes_for(pair: VideoPair, options: BoxOptions) -> dict[str, RegionBoxes]:
    """Boxes of every region from the target keypoints (computed once per pair and options)."""
    key = ("region-boxes", tuple(sorted(asdict(options).items())))
    if key not in pair._cache:
        kp = pair.keypoints_of_target()
        hw = tuple(pair.target.shape[-2:])
        pair._cache[key] = {r: region_boxes(kp, r, hw, options) for r in REGIONS}
    return pair._cache[key]


class _RegionMetric(Metric, abc.ABC):
    """Shared loop: crop both videos per region, score crops in batches, average over frames."""

    prefix: str = ""
    options_key = "regions"
    options_class = BoxOptions

    @abc.abstractmethod
    def crop_scores(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``N×3×S×S`` crops -> ``N`` per-crop values."""

    def describe(self) -> dict:
        return {"boxes": asdict(self.options)}

    def score(self, pair: VideoPair) -> dict[str, float | Missing]:
        out: dict[str, float | Missing] = {}
        for region, boxes in boxes_for(pair, self.options).items():
            col = f"{self.prefix}-{region}"
            if boxes.empty:
                o = self.options
                out[col] = Missing(
                    f"{region} not found in the target keypoints (no frame has {o.min_points} points "
                    f"with confidence > {o.conf_threshold})"
                )
                continue
            p, t = crop_boxes(pair.pred, boxes), crop_boxes(pair.target, boxes)
            parts = [self.crop_scores(p[s], t[s]).cpu() for s in frame_batches(len(p), self.batch_frames)]
            out[col] = float(torch.cat(parts).mean())
        return out


BOX_SIGNATURE = "boxes:conf{conf_threshold:g}/pts{min_points}/margin{margin:g}/min{min_size}/p{percentile:g}"


def _info(metric_id: str, prefix: str, higher: bool, summary: str, weights: tuple[str, ...] = (),
          signature: tuple[str, ...] = ()) -> MetricInfo:
    return MetricInfo(
        id=metric_id,
        version=1,
        higher_is_better=higher,
        columns=tuple(f"{prefix}-{r}" for r in REGIONS),
        weights=weights,
        needs=("target_keypoints",),
        summary=summary,
        signature=(BOX_SIGNATURE, *signature),
    )


class RegionL1(_RegionMetric):
    prefix = "l1"
    info = _info("region-l1", "l1", False, "L1 on [0,1] RGB inside hand/mouth boxes from target keypoints",
                 signature=("range:[0,1]", "rgb"))

    def crop_scores(self, pred, target):
        return l1_per_frame(pred, target)


class RegionSSIM(_RegionMetric):
    prefix = "ssim"
    info = _info("region-ssim", "ssim", True, "Wang-settings SSIM inside hand/mouth boxes from target keypoints",
                 signature=("range:[0,1]", "rgb-mean", "win:gauss11/sigma1.5", "k:0.01/0.03"))

    def crop_scores(self, pred, target):
        return ssim_per_frame(pred, target, WANG)


def resize_crops(crops: torch.Tensor, size: int = LPIPS_REGION_SIZE) -> torch.Tensor:
    """``N×3×S×S`` -> ``N×3×size×size`` (bilinear, antialiased when shrinking), clamped to [0, 1].

    One CPU thread, whatever torch's thread count (:mod:`slvg_bench.threads`)."""
    if crops.shape[-1] == size:
        return crops
    from slvg_bench.threads import torch_threads

    with torch_threads(1, crops.device):
        out = F.interpolate(crops.float(), size=(size, size), mode="bilinear", align_corners=False,
                            antialias=crops.shape[-1] > size)
    return out.clamp(0, 1)


class RegionLPIPSAlex(_RegionMetric):
    prefix = "lpips-alex"
    info = _info("region-lpips-alex", "lpips-alex", False,
                 "LPIPS-alex v0.1 on hand/mouth crops resized to 64×64", (BACKBONE_WEIGHTS["alex"],),
                 signature=("net:alex", "lin:v0.1", "range:[-1,1]", f"crop:{LPIPS_REGION_SIZE}"))

    def __init__(self, options: BoxOptions | None = None, device="cpu", batch_frames: int = 32, *,
                 random_backbone: bool = False, backbone_path=None):
        super().__init__(options, device, batch_frames)
        self.lpips = LPIPSAlex(None, device, batch_frames, random_backbone=random_backbone, backbone_path=backbone_path)

    def unavailable_reason(self):
        reason = self.lpips.unavailable_reason()
        return reason.replace("lpips-alex unavailable", f"{self.info.id} unavailable", 1) if reason else None

    def weight_digests(self):
        return self.lpips.weight_digests()

    def crop_scores(self, pred, target):
        return self.lpips.per_frame(resize_crops(pred), resize_crops(target))
