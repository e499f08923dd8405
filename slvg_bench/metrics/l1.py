"""L1: mean absolute difference on [0, 1] RGB (the FOMM/TPSMM reconstruction error).

Per frame: ``mean |pred − target|`` over the 3×H×W values, both in [0, 1].
Dataset figure (primary, as FOMM/TPSMM's ``reconstruction.py`` prints it): the
mean over all frames of all videos, i.e. per-video means weighted by their frame
counts. The video-weighted mean (each video counts once) is reported too.
"""

from __future__ import annotations

import torch

from slvg_bench.metrics.base import Metric, MetricInfo, VideoPair, frame_batches
from slvg_bench.metrics.inputs import check_pair


def l1_per_frame(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``T×3×H×W`` pair, float with finite values in [0, 1] -> ``T`` float64 per-frame mean absolute
    differences. Anything else (uint8, NaN, other shapes) raises TensorInputError."""
    check_pair(pred, target, "l1_per_frame")
    return (pred.float() - target.float()).abs().flatten(1).double().mean(dim=1)


class L1(Metric):
    """Per-video mean of :func:`l1_per_frame`; frame-weighted dataset figure."""

    info = MetricInfo(
        id="l1",
        version=1,
        higher_is_better=False,
        reducers=("frame", "video"),
        unit="[0,1] intensity",
        value_range="0 (identical) … 1",
        summary="mean |pred − target| on [0,1] RGB; dataset = mean over all frames (FOMM)",
        signature=("range:[0,1]", "rgb"),
    )

    def score(self, pair: VideoPair) -> dict[str, float]:
        per_frame = [l1_per_frame(pair.pred[s], pair.target[s]).cpu() for s in frame_batches(pair.n_frames, self.batch_frames)]
        return {"l1": float(torch.cat(per_frame).mean())}
