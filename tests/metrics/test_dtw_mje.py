"""DTW-MJE (pose-evaluation's definition): exact DTW checked against a plain double loop, hand-worked
sequences of unequal lengths (shoulder normalisation, masked points in both variants), the metric on
estimator keypoints, and how it is registered and finds the dataset's estimator."""

import math

import numpy as np
import pytest
import torch

from slvg_bench.metrics.base import MetricSkip, VideoPair
from slvg_bench.metrics.dtw_mje import DTWMJE, KEYPOINTS, DTWMJEOptions, dtw_cost, dtw_mje
from slvg_bench.metrics.registry import DEFAULT_METRICS, METRICS


def naive_dtw(cost: np.ndarray) -> float:
    """The textbook recursion, one cell at a time."""
    n, m = cost.shape
    acc = np.full((n, m), np.inf)
    for i in range(n):
        for j in range(m):
            prev = 0.0 if i == j == 0 else min(acc[i - 1, j] if i else np.inf, acc[i, j - 1] if j else np.inf,
                                                acc[i - 1, j - 1] if i and j else np.inf)
            acc[i, j] = cost[i, j] + prev
    return float(acc[-1, -1])


def test_dtw_cost_by_hand_and_against_the_textbook_recursion():
    # hyp [0, 2] against ref [0, 1, 2], |a - b|: the path (0,0) (1,1) (1,2) costs 0 + 1 + 0 = 1
    cost = np.abs(np.array([0.0, 2.0])[:, None] - np.array([0.0, 1.0, 2.0])[None, :])
    assert dtw_cost(cost[None])[0] == 1.0
    rng = np.random.default_rng(0)
    for n, m in [(1, 1), (1, 5), (5, 1), (7, 4), (4, 9), (12, 12)]:
        many = rng.random((3, n, m))
        np.testing.assert_allclose(dtw_cost(many), [naive_dtw(c) for c in many], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="K×n×m"):
        dtw_cost(np.zeros((2, 0, 3)))


def pose(points: dict[int, tuple[float, float] | None], shoulders: tuple[tuple[float, float], tuple[float, float]]):
    """One frame ``133×3``: the shoulders (5, 6) and ``points`` (None = not detected), the rest unknown."""
    kp = np.zeros((133, 3))
    kp[5] = (*shoulders[0], 1.0)
    kp[6] = (*shoulders[1], 1.0)
    for i, xy in points.items():
        if xy is not None:
            kp[i] = (*xy, 0.9)
    return kp


# Reference (the real video, 3 frames): shoulders (60,40) and (40,40) -> centre (50,40), width 20.
#   point 9  (left wrist):  (50,60) (50,80) (70,80)  -> normalised (0,1) (0,2) (1,2)
#   point 10 (right wrist): (30,40) in every frame    -> (-1,0)
#   point 7  (left elbow):  (90,40), unseen, (90,40)  -> (2,0), masked, (2,0)
# Hypothesis (generated, 2 frames): shoulders (120,80) and (80,80) -> centre (100,80), width 40 (twice
# the size, shifted: normalisation removes both).
#   point 9:  (100,120) (140,160) -> (0,1) (1,2)
#   point 10: (60,80), unseen     -> (-1,0), masked
#   point 7:  (100,80) twice      -> (0,0) (0,0)
REF = np.stack([pose({9: (50, 60), 10: (30, 40), 7: (90, 40)}, ((60, 40), (40, 40))),
                pose({9: (50, 80), 10: (30, 40), 7: None}, ((60, 40), (40, 40))),
                pose({9: (70, 80), 10: (30, 40), 7: (90, 40)}, ((60, 40), (40, 40)))])
HYP = np.stack([pose({9: (100, 120), 10: (60, 80), 7: (100, 80)}, ((120, 80), (80, 80))),
                pose({9: (140, 160), 10: None, 7: (100, 80)}, ((120, 80), (80, 80)))])
# Worked by hand (rows = hypothesis frames, columns = reference frames, D = accumulated cost):
#   point 9:  c = [[0, 1, √2], [√2, 1, 0]];  D = [[0, 1, 1+√2], [√2, 1, 1]]           -> 1
#   point 10: dtw-mje: row 1 masked -> all 0                                          -> 0
#             ndtw-mje: row 1 = ‖(-1,0)‖/2 = 0.5;  D = [[0, 0, 0], [.5, .5, .5]]       -> 0.5
#   point 7:  c = [[2, 0, 2], [2, 0, 2]] (the masked reference column costs 0 in both);
#             D = [[2, 2, 4], [4, 2, 4]]                                              -> 4
#   shoulders: the same normalised positions in every frame                           -> 0
#   the other 116 of the 121 keypoints are unseen in both                             -> 0
HAND_DTW_MJE = (1 + 0 + 4) / 121
HAND_NDTW_MJE = (1 + 0.5 + 4) / 121


def test_hand_worked_sequences_of_unequal_lengths():
    assert len(KEYPOINTS) == 121 and not {11, 12, 13, 14, 15, 16, *range(17, 23)} & set(KEYPOINTS)
    assert dtw_mje(HYP, REF) == pytest.approx(HAND_DTW_MJE, abs=1e-12)
    assert dtw_mje(HYP, REF, masking="ndtw-mje") == pytest.approx(HAND_NDTW_MJE, abs=1e-12)
    # nDTW-MJE is not symmetric: the generated video's missing points cost, the real video's do not
    # (swapped: point 7's unseen hypothesis frame now costs ‖(0,0)‖/2 = 0; point 10's reference
    # frame 1 is unseen -> 0): 1 + 0 + 4
    assert dtw_mje(REF, HYP, masking="ndtw-mje") == pytest.approx(5 / 121, abs=1e-12)


def test_identical_and_time_stretched_sequences_score_zero():
    assert dtw_mje(REF, REF) == 0.0 and dtw_mje(REF, REF, masking="ndtw-mje") == 0.0
    stretched = np.repeat(REF, 3, axis=0)  # every frame three times: DTW aligns it for free
    assert dtw_mje(stretched, REF) == 0.0
    moved = REF.copy()
    moved[:, :, :2] = moved[:, :, :2] * 1.5 + np.array([7.0, -3.0])  # a scaled, shifted copy of the signer
    assert dtw_mje(moved, REF) == pytest.approx(0.0, abs=1e-12)


def test_a_sequence_without_both_shoulders_cannot_be_normalised():
    no_shoulders = HYP.copy()
    no_shoulders[:, 6, 2] = 0.0
    with pytest.raises(ValueError, match="hypothesis's shoulders .* never both seen"):
        dtw_mje(no_shoulders, REF)


def frames_marked(value: float, t: int) -> torch.Tensor:
    return torch.full((t, 3, 16, 16), value)


def lookup_estimator(table: dict[float, np.ndarray]):
    """A fake estimator: the keypoints of a video are looked up by its first pixel."""
    calls = []

    def estimate(frames: torch.Tensor) -> torch.Tensor:
        calls.append(frames.shape[0])
        return torch.from_numpy(table[round(float(frames[0, 0, 0, 0]), 3)]).float()

    estimate.calls = calls
    return estimate


def test_metric_on_estimator_keypoints_of_both_videos():
    # the harness aligns lengths before scoring: 3 generated frames whose poses are HYP's with one repeated
    hyp3 = np.stack([HYP[0], HYP[1], HYP[1]])
    est = lookup_estimator({0.2: hyp3, 0.8: REF})
    pair = VideoPair("v", frames_marked(0.2, 3), frames_marked(0.8, 3), estimator=est)
    out = DTWMJE().score(pair)
    # the repeated last frame aligns with the reference's last frame at cost 0 except point 10 (ndtw: 0.5 more)
    assert out["dtw-mje"] == pytest.approx(HAND_DTW_MJE, abs=1e-6)
    assert out["ndtw-mje"] == pytest.approx((1 + 1.0 + 4) / 121, abs=1e-6)
    assert est.calls == [3, 3]  # once per video, shared with akd/mpjpe through the pair's cache
    # reference="dataset": the real video's stored keypoints instead of re-extracted ones
    stored = torch.from_numpy(REF).float()
    pair = VideoPair("v", frames_marked(0.2, 3), frames_marked(0.8, 3), target_keypoints=stored,
                     estimator=lookup_estimator({0.2: hyp3}))
    assert DTWMJE(DTWMJEOptions(reference="dataset")).score(pair)["dtw-mje"] == pytest.approx(HAND_DTW_MJE, abs=1e-6)
    with pytest.raises(MetricSkip, match="no stored keypoints"):
        DTWMJE(DTWMJEOptions(reference="dataset")).score(VideoPair("v", frames_marked(0.2, 3), frames_marked(0.8, 3),
                                                                   estimator=est))


def test_missing_shoulders_and_missing_estimator_are_reasons_not_zeros():
    no_shoulders = REF.copy()
    no_shoulders[:, 5, 2] = 0.0
    pair = VideoPair("v", frames_marked(0.2, 3), frames_marked(0.8, 3),
                     estimator=lookup_estimator({0.2: REF, 0.8: no_shoulders}))
    with pytest.raises(MetricSkip, match="real video's shoulders"):
        DTWMJE().score(pair)
    with pytest.raises(MetricSkip, match="no keypoints were given"):
        DTWMJE().score(VideoPair("v", frames_marked(0.2, 3), frames_marked(0.8, 3)))


def test_registration():
    cls = METRICS.get("dtw-mje")
    assert cls is DTWMJE and not cls.info.higher_is_better and cls.info.level == "video"
    assert cls.info.output_columns == ("dtw-mje", "ndtw-mje") and cls.info.needs == ("keypoint_estimator",)
    assert "dtw-mje" not in DEFAULT_METRICS and "mpjpe" not in DEFAULT_METRICS
    assert cls.info.unit and cls.info.value_range
    with pytest.raises(Exception, match="reference must be one of"):
        DTWMJE(DTWMJEOptions(reference="gt"))


def test_the_dataset_estimator_is_used_and_reported_unavailable_with_its_fix(monkeypatch, tmp_path, no_shipped_weights):
    from slvg_bench.metrics.keypoint_source import dataset_estimator, resolve_estimator
    from slvg_bench.scoring import Scorer

    monkeypatch.setenv("SLVG_BENCH_HOME", str(tmp_path))  # no posenet.synthsign installed here
    assert dataset_estimator("synthsign") == "posenet-synthsign" and dataset_estimator("") is None
    scorer = Scorer(["l1", "dtw-mje", "mpjpe"])
    assert resolve_estimator("mediapipe", "synthsign", scorer) == "mediapipe"  # given: used as is
    assert resolve_estimator(None, "synthsign", scorer) is None
    assert set(scorer.unavailable) == {"dtw-mje", "mpjpe"}
    reason = scorer.unavailable["dtw-mje"]
    assert reason.startswith("dtw-mje unavailable: keypoint estimator 'posenet-synthsign' is not installed")
    assert "slvg-bench pose train --dataset synthsign" in reason
    values, reasons, _ = scorer.score(VideoPair("v", frames_marked(0.2, 3), frames_marked(0.8, 3)))
    assert "l1" in values and math.isnan(values.get("dtw-mje", math.nan)) and reasons["ndtw-mje"] == reason
    plain = Scorer(["l1"])
    assert resolve_estimator(None, "synthsign", plain) is None and not plain.unavailable
