"""dtw-mje and mpjpe through `slvg-bench run` on the tiny synthsign: the dataset's estimator is used
when none is given (here a stand-in registered for the test), oracle scores 0 and static does not,
and without the estimator's weight file the metrics are unavailable with the install command."""

import math

import pytest
import torch

from slvg_bench.harness.config import RunConfig
from slvg_bench.harness.runner import run_benchmark

METRICS = ("l1", "mpjpe", "dtw-mje")


class CentroidEstimator:
    """A deterministic stand-in for a pose estimator: point k of a frame sits at the frame's
    brightness-weighted centroid moved by (k mod 11, k // 11) pixels; all points confident."""

    weight_id = None

    def estimate(self, frames: torch.Tensor) -> torch.Tensor:
        grey = frames.float().mean(dim=1)  # T×H×W
        h, w = grey.shape[-2:]
        ys, xs = torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32)
        mass = grey.sum(dim=(1, 2)).clamp_min(1e-6)
        cx = (grey.sum(dim=1) * xs).sum(dim=1) / mass
        cy = (grey.sum(dim=2) * ys).sum(dim=1) / mass
        k = torch.arange(133, dtype=torch.float32)
        kp = torch.stack([cx[:, None] + (k % 11), cy[:, None] + k // 11, torch.ones(len(frames), 133)], dim=-1)
        return kp


@pytest.fixture
def stand_in(monkeypatch, synthsign_env):
    from slvg_bench.data.adapters.synthsign import SynthSignAdapter
    from slvg_bench.pose.estimators import ESTIMATORS

    monkeypatch.setitem(ESTIMATORS._objects, "test-centroid", CentroidEstimator())
    monkeypatch.setattr(SynthSignAdapter, "pose_estimator", "test-centroid")
    return synthsign_env


def run(method, out):
    cfg = RunConfig(method=method, dataset="synthsign", split="test", metrics=METRICS)
    return cfg, run_benchmark(cfg, out=out, device="cpu", progress=False)


def test_the_datasets_estimator_oracle_scores_zero_static_does_not(stand_in, tmp_path):
    cfg, oracle = run("oracle", tmp_path / "oracle")
    assert cfg.keypoint_estimator == "test-centroid"  # recorded in run.yaml and the config hash
    assert "keypoint_estimator: test-centroid" in (tmp_path / "oracle" / "run.yaml").read_text()
    values = {e.name: e.value for e in oracle.entries}
    for col in ("dtw-mje", "ndtw-mje", "mpjpe-face", "nmpjpe-left-hand"):
        assert values[col] == pytest.approx(0.0, abs=1e-9), col
    _, static = run("static", tmp_path / "static")
    values = {e.name: e.value for e in static.entries}
    assert values["dtw-mje"] > 0 and values["mpjpe-face"] > 0 and values["nmpjpe-face"] > 0


def test_without_the_estimators_weights_the_metrics_are_unavailable_with_the_fix(synthsign_env, tmp_path,
                                                                                 no_shipped_weights):
    cfg, res = run("oracle", tmp_path / "r")
    assert cfg.keypoint_estimator is None
    entries = {e.name: e for e in res.entries}
    assert entries["l1"].value == 0
    for col in ("dtw-mje", "ndtw-mje", "mpjpe-face"):
        assert math.isnan(entries[col].value)
    reasons = set(res.rows["dtw-mje_reason"])
    assert len(reasons) == 1
    reason = reasons.pop()
    assert reason.startswith("dtw-mje unavailable: keypoint estimator 'posenet-synthsign' is not installed")
    assert "slvg-bench pose train --dataset synthsign" in reason
