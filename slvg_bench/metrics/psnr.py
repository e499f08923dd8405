"""PSNR: peak signal-to-noise ratio per frame on [0, 1] RGB, data range 1.

Per frame: ``10·log10(1 / MSE)`` in dB, MSE the mean of ``(pred − target)²`` over the 3×H×W values
in float64 — ``skimage.metrics.peak_signal_noise_ratio(target, pred, data_range=1)`` on the
``H×W×3`` frame (tested equal).

Identical frames have MSE 0 and an infinite PSNR (skimage returns ``inf``). Convention: every
frame's PSNR is **capped at** :data:`PSNR_CAP` = 100 dB, i.e. MSE ≤ 1e-10 (RMS error 1e-5, a
400th of one 8-bit grey level; a frame whose values are all one grey level off scores 48.1 dB).
The cap keeps the ``oracle`` row and a method's exact frames (``static`` reproduces frame 0)
finite and counted; it is monotone — it never reorders two frames, it only ties those above
100 dB. Excluding such frames instead would drop a method's best frames from its mean. At
128×128, one value off by one grey level is 95.0 dB, still below the cap.

Per video: mean of the per-frame values (dB, the usual reading of "video PSNR"). Dataset
(primary): mean over all frames of all videos (per-video means weighted by their frame counts, as
L1); the mean over videos is reported too (``psnr [video mean]``). Higher is better.
"""

from __future__ import annotations

import torch

from slvg_bench.metrics.base import Metric, MetricInfo, VideoPair, frame_batches
from slvg_bench.metrics.inputs import check_pair

PSNR_CAP = 100.0  # dB; the value of identical frames (module docstring)


def psnr_per_frame(pred: torch.Tensor, target: torch.Tensor, cap: float | None = PSNR_CAP) -> torch.Tensor:
    """``T×3×H×W`` pair, float with finite values in [0, 1] -> ``T`` float64 PSNR values in dB
    (data range 1), each at most ``cap`` (None: no cap, ``inf`` for identical frames, as skimage).

    Anything else (uint8, NaN, other shapes) raises TensorInputError.
    """
    check_pair(pred, target, "psnr_per_frame")
    mse = (pred.to(torch.float64) - target.to(torch.float64)).square_().flatten(1).mean(dim=1)
    psnr = mse.reciprocal().log10_().mul_(10.0)  # MSE 0 -> 1/0 = inf -> inf dB
    return psnr if cap is None else psnr.clamp_(max=float(cap))


class PSNR(Metric):
    """Per-video mean of :func:`psnr_per_frame` (capped); frame-weighted dataset figure."""

    info = MetricInfo(
        id="psnr",
        version=1,
        higher_is_better=True,
        reducers=("frame", "video"),
        unit="dB",
        value_range=f"0 … {PSNR_CAP:g} dB (identical frames = {PSNR_CAP:g}, the cap)",
        summary=f"10·log10(1/MSE) per frame on [0,1] RGB, data range 1 (= skimage), capped at {PSNR_CAP:g} dB; "
                f"dataset = mean over all frames",
        signature=("range:[0,1]", "rgb", f"cap:{PSNR_CAP:g}dB"),
    )

    def score(self, pair: VideoPair) -> dict[str, float]:
        parts = [psnr_per_frame(pair.pred[s], pair.target[s]).cpu() for s in frame_batches(pair.n_frames, self.batch_frames)]
        return {"psnr": float(torch.cat(parts).mean())}
