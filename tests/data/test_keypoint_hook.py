"""``prepare --keypoints ID``: the estimator registry is looked up; every failure names its fix."""

import sys
import types

import numpy as np
import pytest
import torch

from slvg_bench.data.cache import PreparedCache
from slvg_bench.data.keypoints import load_estimator
from slvg_bench.data.prepare import prepare
from slvg_bench.errors import UnknownNameError, UsageError, WeightsUnavailableError
from slvg_bench.registry import Registry
from tests.data.fakes import lsa64_tree

pytestmark = pytest.mark.filterwarnings("ignore::slvg_bench.data.adapters.base.DatasetCountWarning")


class BoxEstimator:
    """Puts the nose at (20, 10) and the left wrist at (40, 30) in every frame; other points unknown."""

    calls: list = []

    def __init__(self, device=None):
        self.device = device

    def estimate(self, frames):
        assert frames.dtype == torch.float32 and frames.ndim == 4 and frames.shape[1] == 3
        assert 0 <= float(frames.min()) and float(frames.max()) <= 1
        BoxEstimator.calls.append(tuple(frames.shape))
        kp = torch.zeros(frames.shape[0], 133, 3)
        kp[:, 0] = torch.tensor([20.0, 10.0, 0.9])
        kp[:, 9] = torch.tensor([40.0, 30.0, 0.8])
        return kp


def _no_weights(device=None):
    raise WeightsUnavailableError("weights hrnet_w32.coco-wholebody are not installed: run 'slvg-bench weights add ...'")


@pytest.fixture
def registry(monkeypatch):
    reg = Registry("estimator", {"needs-pkg": "slvg_bench_no_such_package.est:Estimator"})
    reg.register("box", BoxEstimator)
    reg.register("noweights", _no_weights)
    reg.register("ready", BoxEstimator())
    module = types.ModuleType("slvg_bench.pose.estimators")
    module.ESTIMATORS = reg
    monkeypatch.setitem(sys.modules, "slvg_bench.pose.estimators", module)
    return reg


def test_extracted_keypoints_set_the_crop_and_are_stored(tmp_path, registry):
    lsa64_tree(tmp_path, [(1, 1, 1)], n_frames=40)
    BoxEstimator.calls.clear()
    report = prepare("lsa64", data_root=tmp_path, resolution=24, keypoints="box", workers=1, progress=False)
    assert BoxEstimator.calls == [(32, 3, 36, 64), (8, 3, 36, 64)]  # chunked, full-resolution frames
    cache = PreparedCache(report.folder)
    assert cache.keypoint_source == "box" and cache.has_keypoints
    row = cache.rows().iloc[0]
    assert (row["box_x0"], row["box_y0"], row["box_side"]) == (18, 8, 24)  # 20x20 extent + 10 % margin
    kp = cache.clip("001_001_001").keypoints()
    assert np.allclose(kp[:, 0], [2.0, 2.0, 0.9]) and np.allclose(kp[:, 9], [22.0, 22.0, 0.8])
    assert (kp[:, 1] == 0).all()
    # "auto" prefers the cache with keypoints over one without
    prepare("lsa64", data_root=tmp_path, resolution=24, workers=1, progress=False)
    from slvg_bench.data import build_pair_dataset

    assert build_pair_dataset("lsa64", resolution=24)[0]["source_kp"][0, 2] == pytest.approx(0.9)
    assert build_pair_dataset("lsa64", resolution=24, keypoints="none")[0]["source_kp"].abs().sum() == 0


def test_registry_entries_objects_and_factories(registry):
    assert isinstance(load_estimator("ready"), BoxEstimator)
    assert load_estimator("box", device="cpu").device == "cpu"


def test_unknown_estimator_lists_valid_ones(registry):
    with pytest.raises(UnknownNameError, match="unknown estimator 'bx'. Did you mean 'box'"):
        load_estimator("bx")


def test_missing_optional_package_names_the_fix(registry):
    with pytest.raises(UsageError, match="needs an optional package .*slvg_bench_no_such_package.*fix: install"):
        load_estimator("needs-pkg")


def test_missing_weights_error_passes_through(tmp_path, registry):
    lsa64_tree(tmp_path, [(1, 1, 1)], n_frames=2)
    with pytest.raises(WeightsUnavailableError, match="slvg-bench weights add"):
        prepare("lsa64", data_root=tmp_path, keypoints="noweights", workers=1, progress=False)


def test_absent_registry_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "slvg_bench.pose.estimators", None)
    lsa64_tree(tmp_path, [(1, 1, 1)], n_frames=2)
    with pytest.raises(UsageError, match="no estimator registry .*slvg_bench.pose.estimators"):
        prepare("lsa64", data_root=tmp_path, keypoints="hrnet-w32", workers=1, progress=False)
