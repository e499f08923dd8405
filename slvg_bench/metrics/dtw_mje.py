"""DTW mean joint error between the poses of the generated and the real video: ``dtw-mje``.

Definition followed: **DTW-MJE of sign-language-processing/pose-evaluation** (Jiang et al. 2025,
"Meaningful Pose-Based Sign Language Evaluation"; its Ham2Pose baselines, ``DTW_MJE`` and
``nDTW_MJE``, built as ``DTWMetric`` + the standard pose processors), itself the Ham2Pose metric
(Shalev-Arkushin et al. 2022, ``metrics.py``). For a hypothesis pose sequence (the generated
video's keypoints) and a reference (the real video's):

1. **Normalise by shoulder width**, each sequence on its own (pose_format ``Pose.normalize``,
   :mod:`.keypoint_norm`): subtract the mean shoulder midpoint, divide by the mean shoulder
   width, both over the frames where both shoulders are known. Units: shoulder widths.
2. **Keypoints**: the standard processors remove the legs (``pose_hide_legs(remove=True)``); for
   the 133-point COCO-WholeBody layout (pose_format's ``alphapose_133``) that drops hips, knees,
   ankles and the six foot points, leaving :data:`KEYPOINTS`: body 0–10 (nose, eyes, ears,
   shoulders, elbows, wrists), face 23–90 and both hands 91–132 — 121 points. (Trimming of
   "meaningless" frames applies to MediaPipe-holistic poses only; other layouts are not trimmed.)
3. **Per keypoint**, DTW between its two trajectories (T_hyp × 2 and T_ref × 2; the lengths may
   differ) with steps (1,0), (0,1), (1,1), the point cost being the Euclidean distance; the
   keypoint's value is the **sum of the point costs along the optimal warping path**.
4. **Masked points** (here: confidence ≤ ``conf_threshold``):
   - ``dtw-mje`` (pose-evaluation's ``DTW_MJE``: power distance of order 2 with default distance
     0): a pair where either point is masked costs 0;
   - ``ndtw-mje`` (Ham2Pose's ``masked_euclidean``, pose-evaluation's ``nDTW_MJE``): 0 when the
     reference point is masked; when only the hypothesis point is masked, half the reference
     point's distance from the origin (the mean shoulder midpoint) — so keypoints the generated
     video lost are not free.
5. **Mean over the 121 keypoints** (keypoints masked throughout count as 0, as there).

Deviations (all forced by our inputs or chosen for exactness):

- the layout is COCO-WholeBody 133 (x, y; no z), not MediaPipe holistic or OpenPose;
- "masked" comes from the estimator's confidence (> ``conf_threshold``, default 0.3 as for
  ``akd`` and the region boxes; Ham2Pose hides < 0.2, pose-evaluation uses the pose file's mask);
- DTW is **exact** (full dynamic programme), where pose-evaluation's ``DTWMetric`` and Ham2Pose call
  ``fastdtw`` (radius 1), an approximation that can only find an equal or costlier path;
- a sequence whose shoulders are never seen cannot be normalised: NaN + reason, never 0.

Per video: the value above; dataset: mean over videos. It is a **sum along the warping path**, so it
grows with the videos' length: compare methods on the same videos only. Lower is better; 0 when the
two sequences are identical.

Keypoints: the pose estimator runs on the generated frames and (``reference="estimated"``,
default) on the real frames, as for ``akd``, so the estimator's own bias cancels and the
``oracle`` scores 0. ``reference="dataset"`` compares with the real video's stored keypoints
(``--keypoints DIR`` / the dataset's), which adds the estimator's error to every method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slvg_bench.errors import UsageError
from slvg_bench.metrics.base import Metric, MetricInfo, MetricSkip, Missing, VideoPair
from slvg_bench.metrics.keypoint_norm import shoulder_frame
from slvg_bench.pose import layout

# pose_hide_legs on COCO-WholeBody: hips 11-12, knees 13-14, ankles 15-16 and feet 17-22 removed
KEYPOINTS: tuple[int, ...] = tuple(range(0, 11)) + layout.FACE + layout.HANDS
REFERENCES = ("estimated", "dataset")


@dataclass(frozen=True)
class DTWMJEOptions:
    """``conf_threshold``: a point is known when its confidence is above it. ``reference``: the real
    video's keypoints are ``estimated`` on its frames (default) or the ``dataset``'s stored ones."""

    conf_threshold: float = 0.3
    reference: str = "estimated"

    def validate(self) -> "DTWMJEOptions":
        if self.reference not in REFERENCES:
            raise UsageError(f"dtw_mje.reference must be one of {', '.join(REFERENCES)}, got {self.reference!r}")
        return self


def dtw_cost(cost: np.ndarray) -> np.ndarray:
    """Exact DTW of many pairs at once: ``K×n×m`` point costs → ``K`` sums along the cheapest path
    from (0, 0) to (n−1, m−1) with steps (1,0), (0,1), (1,1).

    Filled one anti-diagonal at a time (every cell of diagonal i + j = d needs only d−1 and d−2).
    """
    cost = np.asarray(cost, np.float64)
    if cost.ndim != 3 or cost.shape[1] == 0 or cost.shape[2] == 0:
        raise ValueError(f"cost must be K×n×m with n, m >= 1, got shape {cost.shape}")
    k, n, m = cost.shape
    acc = np.full((k, n + 1, m + 1), np.inf)  # acc[:, i+1, j+1] = cheapest path to (i, j)
    acc[:, 0, 0] = 0.0
    for d in range(n + m - 1):
        i = np.arange(max(0, d - m + 1), min(d, n - 1) + 1)
        j = d - i
        best = np.minimum(np.minimum(acc[:, i, j], acc[:, i, j + 1]), acc[:, i + 1, j])
        acc[:, i + 1, j + 1] = cost[:, i, j] + best
    return acc[:, n, m]


def point_costs(hyp: np.ndarray, ref: np.ndarray, hyp_known: np.ndarray, ref_known: np.ndarray,
                masking: str = "dtw-mje") -> np.ndarray:
    """``K×n×m`` costs between every hypothesis frame (n) and reference frame (m) of each keypoint.

    ``hyp``: ``n×K×2``, ``ref``: ``m×K×2`` (normalised); ``*_known``: ``n×K`` / ``m×K`` booleans.
    ``masking``: ``dtw-mje`` (either unknown → 0) or ``ndtw-mje`` (reference unknown → 0, only
    the hypothesis unknown → ‖ref‖ / 2).
    """
    h = np.asarray(hyp, np.float64).transpose(1, 0, 2)[:, :, None, :]  # K×n×1×2
    r = np.asarray(ref, np.float64).transpose(1, 0, 2)[:, None, :, :]  # K×1×m×2
    dist = np.linalg.norm(h - r, axis=-1)  # K×n×m
    hk = np.asarray(hyp_known, bool).T[:, :, None]
    rk = np.asarray(ref_known, bool).T[:, None, :]
    if masking == "dtw-mje":
        return np.where(hk & rk, dist, 0.0)
    if masking == "ndtw-mje":
        half_ref = np.broadcast_to(np.linalg.norm(r, axis=-1) / 2, dist.shape)
        return np.where(rk, np.where(hk, dist, half_ref), 0.0)
    raise ValueError(f"masking must be 'dtw-mje' or 'ndtw-mje', got {masking!r}")


def dtw_mje(hyp_kp: np.ndarray, ref_kp: np.ndarray, conf_threshold: float = 0.3,
            keypoints: tuple[int, ...] = KEYPOINTS, masking: str = "dtw-mje") -> float:
    """DTW-MJE (module docstring) of hypothesis ``n×133×3`` and reference ``m×133×3`` keypoints
    (pixels, confidence); ``n`` and ``m`` may differ.

    Raises:
        ValueError: a sequence has no frame with both shoulders known (it cannot be normalised).
    """
    hyp_kp, ref_kp = np.asarray(hyp_kp, np.float64), np.asarray(ref_kp, np.float64)
    frames = {}
    for name, kp in (("hypothesis", hyp_kp), ("reference", ref_kp)):
        if kp.ndim != 3 or kp.shape[1:] != (layout.NUM_KEYPOINTS, 3) or kp.shape[0] == 0:
            raise ValueError(f"{name} keypoints must be T×133×3 with T >= 1, got shape {kp.shape}")
        frames[name] = shoulder_frame(kp, conf_threshold)
        if frames[name] is None:
            raise ValueError(f"the {name}'s shoulders (points 5 and 6) are never both seen with confidence > "
                             f"{conf_threshold}: it cannot be normalised by shoulder width")
    idx = list(keypoints)
    hyp = frames["hypothesis"].apply(hyp_kp[:, idx, :2])
    ref = frames["reference"].apply(ref_kp[:, idx, :2])
    cost = point_costs(hyp, ref, hyp_kp[:, idx, 2] > conf_threshold, ref_kp[:, idx, 2] > conf_threshold, masking)
    return float(dtw_cost(cost).mean())


class DTWMJE(Metric):
    """``dtw-mje`` and ``ndtw-mje`` from estimator keypoints on the generated and the real video."""

    options_key = "dtw_mje"
    options_class = DTWMJEOptions
    info = MetricInfo(
        id="dtw-mje",
        version=1,
        higher_is_better=False,
        columns=("dtw-mje", "ndtw-mje"),
        needs=("keypoint_estimator",),
        unit="shoulder widths, summed along the warping path, mean over 121 keypoints",
        value_range="0 (same poses) … unbounded (grows with the video length)",
        summary="pose-evaluation DTW-MJE / nDTW-MJE: shoulder-normalised, legs removed, exact DTW per keypoint",
    )

    def __init__(self, options: DTWMJEOptions | None = None, device="cpu", batch_frames: int = 32):
        super().__init__(options, device, batch_frames)
        self.options.validate()

    def describe(self) -> dict:
        o = self.options
        return {"conf_threshold": o.conf_threshold, "reference": o.reference, "keypoints": len(KEYPOINTS),
                "normalisation": "per sequence: mean shoulder midpoint, mean shoulder width (pose_format)",
                "dtw": "exact, steps (1,0)/(0,1)/(1,1), Euclidean point cost, sum along the path"}

    def score(self, pair: VideoPair) -> dict[str, float | Missing]:
        hyp = pair.estimated_keypoints("pred")
        if self.options.reference == "dataset":
            if pair.target_keypoints is None:
                raise MetricSkip(f"dtw_mje.reference=dataset but the real video has no stored keypoints ({pair.keypoint_note})")
            ref = pair.target_keypoints
        else:
            ref = pair.estimated_keypoints("target")
        hyp, ref = hyp.double().numpy(), ref.double().numpy()
        thr = self.options.conf_threshold
        try:
            return {col: dtw_mje(hyp, ref, thr, masking=col) for col in self.info.columns}
        except ValueError as e:
            raise MetricSkip(str(e).replace("hypothesis", "generated video").replace("reference", "real video")) from e
