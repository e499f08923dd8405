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

``mpjpe`` (:class:`KeypointMPJPE`) extends this to a per-region MPJPE (mean per-joint position error)
on the same re-extracted keypoints, for ``face``, ``left-hand`` and ``right-hand``, over the
(frame, keypoint) pairs detected in both videos:

- ``mpjpe-<region>``: mean Euclidean distance **in pixels of the 128×128 frame** — x scaled by
  128 / W and y by 128 / H of the stored frame before the distance, so numbers from other frame
  sizes are on the benchmark's scale (on 128² frames it equals ``akd-<region>``);
- ``nmpjpe-<region>``: the mean distance in stored-frame pixels divided by the **real video's mean
  shoulder width** (points 5–6, frames where both are detected; pose_format's normalisation scale,
  :mod:`.keypoint_norm`). One scale for both videos, from the real one: a generator that shrinks the
  signer is not rewarded. NaN + reason when the real video's shoulders are never seen.

Per video as above; dataset: mean over videos; lower is better.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from slvg_bench.metrics.base import Metric, MetricInfo, Missing, VideoPair
from slvg_bench.metrics.keypoint_norm import shoulder_frame
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


MPJPE_REGIONS: dict[str, tuple[int, ...]] = {"face": layout.FACE, "left-hand": layout.LEFT_HAND,
                                             "right-hand": layout.RIGHT_HAND}
MPJPE_FRAME = 128  # the benchmark's frame size: mpjpe-<region> is in pixels of a 128×128 frame


def mpjpe(pred_kp: torch.Tensor, target_kp: torch.Tensor, indices: tuple[int, ...], frame_hw: tuple[int, int],
          conf_threshold: float = 0.3) -> tuple[float, float, int]:
    """``(mpjpe_128, mpjpe_pixels, n_both)`` of ``T×133×3`` keypoints restricted to ``indices``.

    ``mpjpe_128``: mean distance with x·128/W, y·128/H (``frame_hw`` = (H, W) of the stored frames);
    ``mpjpe_pixels``: the same in stored-frame pixels. NaN for both when no point is detected in both.
    """
    if pred_kp.shape != target_kp.shape:
        raise ValueError(f"keypoint shapes differ: {tuple(pred_kp.shape)} vs {tuple(target_kp.shape)}")
    idx = list(indices)
    p = pred_kp[:, idx].to(torch.float64)
    t = target_kp[:, idx].to(torch.float64)
    both = (p[..., 2] > conf_threshold) & (t[..., 2] > conf_threshold)
    n_both = int(both.sum())
    if not n_both:
        return float("nan"), float("nan"), 0
    diff = (p[..., :2] - t[..., :2])[both]
    h, w = frame_hw
    scale = torch.tensor([MPJPE_FRAME / w, MPJPE_FRAME / h], dtype=torch.float64)
    return float((diff * scale).norm(dim=-1).mean()), float(diff.norm(dim=-1).mean()), n_both


class KeypointMPJPE(Metric):
    """``mpjpe-<region>`` (128² pixels) and ``nmpjpe-<region>`` (real shoulder widths) for face and hands."""

    options_key = "keypoint_distance"
    options_class = KeypointDistanceOptions
    info = MetricInfo(
        id="mpjpe",
        version=1,
        higher_is_better=False,
        columns=tuple(f"mpjpe-{r}" for r in MPJPE_REGIONS) + tuple(f"nmpjpe-{r}" for r in MPJPE_REGIONS),
        needs=("keypoint_estimator",),
        unit="pixels of a 128×128 frame (mpjpe), shoulder widths of the real video (nmpjpe)",
        value_range="0 (same keypoints) … ~181 px at 128² (the frame diagonal); nmpjpe unbounded",
        summary="per-region MPJPE (face, hands) between estimator keypoints on generated and real frames",
    )

    def describe(self) -> dict:
        return {"conf_threshold": self.options.conf_threshold, "frame": f"{MPJPE_FRAME}x{MPJPE_FRAME}",
                "regions": {k: [v[0], v[-1]] for k, v in MPJPE_REGIONS.items()},
                "normalisation": "mean shoulder width (points 5-6) of the real video"}

    def score(self, pair: VideoPair) -> dict[str, float | Missing]:
        pred_kp = pair.estimated_keypoints("pred")
        target_kp = pair.estimated_keypoints("target")
        thr = self.options.conf_threshold
        hw = (int(pair.target.shape[-2]), int(pair.target.shape[-1]))
        shoulders = shoulder_frame(target_kp.double().numpy(), thr)
        out: dict[str, float | Missing] = {}
        for region, idx in MPJPE_REGIONS.items():
            px128, px, n_both = mpjpe(pred_kp, target_kp, idx, hw, thr)
            if not n_both:
                why = Missing(f"no {region} keypoint detected (conf > {thr}) in both videos")
                out[f"mpjpe-{region}"] = out[f"nmpjpe-{region}"] = why
                continue
            out[f"mpjpe-{region}"] = px128
            out[f"nmpjpe-{region}"] = (px / shoulders.width if shoulders is not None else Missing(
                f"the real video's shoulders (points 5 and 6) are never both detected (conf > {thr}): no scale"))
        return out
