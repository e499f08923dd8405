"""AKD-style keypoint distance and missed-keypoint rate, per body part.

FOMM/TPSMM report AKD (average keypoint distance) and MKR (missing keypoint
rate) between keypoints detected on generated and on real frames by the same
detector. Here the detector is a COCO-WholeBody estimator (``--keypoint-estimator``)
run on both videos, and the figures are split by part — ``body`` (0–16),
``left-hand`` (91–111), ``right-hand`` (112–132), ``face`` (23–90) — because the
hands carry sign language and are where generators fail.

For one video and part, with "detected" = confidence > ``conf_threshold``:

- ``akd-<part>``: mean Euclidean distance in pixels of the stored frame over all
  (frame, keypoint) pairs detected in both videos; NaN + reason when there is none;
- ``mkr-<part>``: fraction of the (frame, keypoint) pairs detected in the target
  that are not detected in the generated video; NaN + reason when the target has none.

Per video as above; dataset: mean over videos. Both lower is better.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from slvg_bench.metrics.base import Metric, MetricInfo, Missing, VideoPair
from slvg_bench.pose import layout

PARTS: dict[str, tuple[int, ...]] = {
    "body": layout.BODY,
    "left-hand": layout.LEFT_HAND,
    "right-hand": layout.RIGHT_HAND,
    "face": layout.FACE,
}


@dataclass(frozen=True)
class KeypointDistanceOptions:
    conf_threshold: float = 0.3


def keypoint_distance(
    pred_kp: torch.Tensor, target_kp: torch.Tensor, indices: tuple[int, ...], conf_threshold: float = 0.3
) -> tuple[float, float, int, int]:
    """``(akd, mkr, n_both, n_target)`` for ``T×133×3`` keypoints restricted to ``indices``.

    ``akd`` is NaN when no point is detected in both, ``mkr`` NaN when none in the target.
    """
    if pred_kp.shape != target_kp.shape:
        raise ValueError(f"keypoint shapes differ: {tuple(pred_kp.shape)} vs {tuple(target_kp.shape)}")
    idx = list(indices)
    p = pred_kp[:, idx].to(torch.float64)
    t = target_kp[:, idx].to(torch.float64)
    seen_p = p[..., 2] > conf_threshold
    seen_t = t[..., 2] > conf_threshold
    both = seen_p & seen_t
    n_both, n_target = int(both.sum()), int(seen_t.sum())
    dist = (p[..., :2] - t[..., :2]).norm(dim=-1)
    akd = float(dist[both].mean()) if n_both else float("nan")
    mkr = float((seen_t & ~seen_p).sum()) / n_target if n_target else float("nan")
    return akd, mkr, n_both, n_target


class KeypointDistance(Metric):
    """``akd-<part>`` and ``mkr-<part>`` from estimator keypoints on the generated and target videos."""

    options_key = "keypoint_distance"
    options_class = KeypointDistanceOptions
    info = MetricInfo(
        id="akd",
        version=1,
        higher_is_better=False,
        columns=tuple(f"akd-{p}" for p in PARTS) + tuple(f"mkr-{p}" for p in PARTS),
        needs=("keypoint_estimator",),
        unit="pixels (akd), fraction (mkr)",
        summary="AKD/MKR between estimator keypoints on generated and target frames, per body part",
    )

    def describe(self) -> dict:
        return {"conf_threshold": self.options.conf_threshold, "parts": {k: [v[0], v[-1]] for k, v in PARTS.items()}}

    def score(self, pair: VideoPair) -> dict[str, float | Missing]:
        pred_kp = pair.estimated_keypoints("pred")
        target_kp = pair.estimated_keypoints("target")
        out: dict[str, float | Missing] = {}
        for part, idx in PARTS.items():
            akd, mkr, n_both, n_target = keypoint_distance(pred_kp, target_kp, idx, self.options.conf_threshold)
            thr = self.options.conf_threshold
            out[f"akd-{part}"] = akd if n_both else Missing(f"no {part} keypoint detected (conf > {thr}) in both videos")
            out[f"mkr-{part}"] = mkr if n_target else Missing(f"no {part} keypoint detected (conf > {thr}) in the target")
        return out
