"""slvg_bench.testing.assert_no_regression: readable assertion messages, inline baselines, updating, the docs example."""

import importlib.util

import pytest
import yaml

from slvg_bench.evaluator import Evaluator
from slvg_bench.testing import UPDATE_ENV, assert_no_regression, check_results
from tests.evaluator.helpers import pairs

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TORCH_HOME", str(tmp_path_factory.mktemp("torch")))  # LPIPS's AlexNet missing: unavailable
        ev = Evaluator(("l1", "ssim", "lpips"), device="cpu")
    for key, (p, t) in pairs(n=3).items():
        ev.update(p, t, video_id=key)
    return ev.compute()


def test_passing_results_return_the_report(result):
    report = assert_no_regression(result, {"l1": {"value": result["l1"], "relative": 0.01},
                                           "ssim": {"value": result["ssim"], "absolute": 0.0}})
    assert report.passed and [v.status for v in report.verdicts] == ["ok", "ok"]


def test_the_assertion_message_is_the_verdict_table(result, tmp_path):
    path = tmp_path / "baseline.yaml"
    path.write_text(yaml.safe_dump({"metrics": {"l1": {"value": result["l1"] * 0.9, "relative": 0.05},
                                                "ssim": {"value": result["ssim"], "absolute": 0.01},
                                                "lpips": {"value": 0.2, "relative": 0.1}}}, sort_keys=False))
    with pytest.raises(AssertionError) as err:
        assert_no_regression(result, path, require=("lpips",))
    lines = str(err.value).splitlines()
    assert lines[0] == "slvg-bench regression check failed"
    assert lines[1] == f"2 of 3 figure(s) failed against {path}: l1 (regressed), lpips-alex (required, not checked)"
    header = lines[2].split()
    assert header == ["figure", "expected", "measured", "delta", "tolerance", "verdict", "note"]
    l1 = lines[3].split()
    assert l1[:3] == ["l1", "↓", f"{result['l1'] * 0.9:.6g}"] and "REGRESSED" in l1 and "±5%" in l1
    assert l1[5] == "(+11.11%)"
    assert lines[4].split()[-1] == "ok"
    assert "NOT CHECKED (required)" in lines[5] and "slvg-bench weights download alexnet" in lines[5]


def test_update_writes_the_baseline_instead_of_asserting(result, tmp_path, monkeypatch):
    path = tmp_path / "b.yaml"
    assert_no_regression(result, path, update=True)
    data = yaml.safe_load(path.read_text())["metrics"]
    assert data["l1"]["value"] == result["l1"] and data["ssim"]["relative"] == 0.01 and "lpips-alex" not in data
    path.write_text(path.read_text().replace(repr(result["l1"]), repr(result["l1"] / 2)))
    with pytest.raises(AssertionError, match="l1 \\(regressed\\)"):
        assert_no_regression(result, path)
    monkeypatch.setenv(UPDATE_ENV, "1")
    assert_no_regression(result, path)  # rewritten from the results
    monkeypatch.delenv(UPDATE_ENV)
    assert check_results(result, path).passed


def test_the_docs_example_passes():
    spec = importlib.util.spec_from_file_location("docs_example", REPO / "docs" / "examples" / "test_generator_regression.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.test_generator_does_not_regress()
