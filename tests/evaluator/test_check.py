"""`slvg-bench check`: exit 0 / 1 / 2, the verdict table, tolerance and significant modes, "not checked"
for unavailable metrics and --require, --write-baseline round trips, every run source."""

import json
import math
import shutil

import pytest
import yaml

from slvg_bench.errors import UsageError
from slvg_bench.evaluate import EvaluateConfig, evaluate
from slvg_bench.regression.baseline import parse_baseline, read_baseline
from slvg_bench.regression.compare import check
from slvg_bench.regression.measured import Measured, load_measured
from slvg_bench.results import AggregateRow
from tests.evaluator.helpers import write_folders
from tests.metrics.helpers import noisy, structured_video

METRICS = ("l1", "ssim", "tcd", "lpips")


def _evaluate(root, sigmas):
    videos = {}
    for i, sigma in enumerate(sigmas):  # the same targets and noise draws in every run, scaled by sigma
        target = structured_video(8, 32, 32, seed=i)
        videos[f"v{i}"] = (noisy(target, sigma, seed=50 + i), target)
    pred, target = write_folders(root, videos)
    return evaluate(EvaluateConfig(pred=str(pred), target=str(target), metrics=METRICS), root / "r.parquet",
                    progress=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Result files of four 4-video runs: base, worse (more noise everywhere), mixed (as good overall)."""
    root = tmp_path_factory.mktemp("runs")
    mp = pytest.MonkeyPatch()
    mp.setenv("TORCH_HOME", str(root / "torch"))  # LPIPS unavailable
    try:
        out = {
            "base": _evaluate(root / "base", [0.03] * 4),
            "worse": _evaluate(root / "worse", [0.05] * 4),
            "mixed": _evaluate(root / "mixed", [0.02, 0.04, 0.02, 0.04]),
            "slightly": _evaluate(root / "slightly", [0.0302] * 4),
        }
    finally:
        mp.undo()
    return {k: v.out_path for k, v in out.items()}


@pytest.fixture
def cli(capsys, monkeypatch):
    from slvg_bench import console
    from slvg_bench.cli import main

    monkeypatch.setattr(console.out_console, "width", 160)
    monkeypatch.setattr(console.err_console, "width", 160)

    def call(*argv):
        with pytest.raises(SystemExit) as done:
            main(["check", *map(str, argv)])
        captured = capsys.readouterr()
        return done.value.code, captured.out, captured.err

    return call


def test_unchanged_run_passes_and_the_written_baseline_round_trips(runs, cli, tmp_path):
    base = tmp_path / "ci" / "baseline.yaml"
    code, out, err = cli(runs["base"], "--baseline", base, "--write-baseline")
    assert code == 0 and base.is_file(), err
    assert "lpips-alex" in out and "unavailable" in out  # told why it is not in the file
    data = yaml.safe_load(base.read_text())
    agg = {r["name"]: r for r in json.loads(runs["base"].with_name("r.aggregate.json").read_text())["aggregate"]}
    assert set(data["metrics"]) == {"l1", "ssim", "tcd", "tcd-target"}  # primary figures with a value
    assert data["metrics"]["l1"] == {"value": agg["l1"]["value"], "direction": "lower", "relative": 0.01, "n_videos": 4}
    code, out, err = cli(runs["base"], "--baseline", base)
    assert code == 0, out + err
    assert "passed: 4 figure(s)" in out and "REGRESSED" not in out
    # JSON baselines too, and an explicit tolerance for chosen figures
    jbase = tmp_path / "baseline.json"
    code, *_ = cli(runs["base"], "-b", jbase, "--write-baseline", "--metric", "l1,ssim", "--absolute", "0.001")
    assert code == 0 and json.loads(jbase.read_text())["metrics"]["ssim"]["absolute"] == 0.001
    assert cli(runs["base"], "-b", jbase)[0] == 0


def test_worse_run_exits_1_with_a_readable_table(runs, cli, tmp_path):
    base = tmp_path / "baseline.yaml"
    cli(runs["base"], "-b", base, "--write-baseline")
    code, out, err = cli(runs["worse"], "-b", base)
    assert code == 1
    header = next(line for line in out.splitlines() if "expected" in line)
    assert all(col in header for col in ("figure", "expected", "measured", "delta", "tolerance", "verdict"))
    l1_line = next(line for line in out.splitlines() if line.strip("│ ").startswith("l1 "))
    assert "REGRESSED" in l1_line and "±1%" in l1_line and "+" in l1_line
    assert "error:" in err and "failed against" in err and "l1 (regressed)" in err
    code, out, err = cli(runs["worse"], "-b", base, "--json")
    report = json.loads(out)
    assert code == 1 and report["passed"] is False and report["exit_code"] == 1
    l1 = next(m for m in report["metrics"] if m["name"] == "l1")
    assert l1["status"] == "regressed" and l1["failed"] and l1["delta"] == pytest.approx(l1["measured"] - l1["expected"])
    assert "REGRESSED" in err  # the table went to stderr
    # the old run is better than the worse one's baseline: "improved" passes
    worse_base = tmp_path / "worse.yaml"
    cli(runs["worse"], "-b", worse_base, "--write-baseline")
    code, out, _ = cli(runs["base"], "-b", worse_base)
    assert code == 0 and "improved" in out


def test_unavailable_metric_is_not_checked_and_require_fails_it(runs, cli, tmp_path):
    base = tmp_path / "b.yaml"
    base.write_text(yaml.safe_dump({"metrics": {"l1": {"value": 1.0, "absolute": 0.0},
                                                "lpips": {"value": 0.1, "relative": 0.05}}}))
    code, out, err = cli(runs["base"], "-b", base)
    assert code == 0, err
    lp = next(line for line in out.splitlines() if "lpips-alex" in line)
    assert "not checked" in lp and "passed" not in lp
    assert "1 not checked" in out
    code, out, err = cli(runs["base"], "-b", base, "--require", "lpips")
    assert code == 1 and "NOT CHECKED (required)" in out and "lpips-alex (required, not checked)" in err
    code, out, _ = cli(runs["base"], "-b", base, "--require", "akd", "--json")
    assert code == 1 and json.loads(out)["metrics"][-1]["note"].startswith("not in the baseline")


def test_significant_mode_fails_only_on_a_significant_paired_difference(runs, cli, tmp_path):
    base = tmp_path / "sig.yaml"
    code, _, err = cli(runs["base"], "-b", base, "--write-baseline", "--significant", "--metric", "l1,ssim")
    assert code == 0, err
    data = yaml.safe_load(base.read_text())["metrics"]["l1"]
    assert data["significant"] is True and sorted(data["per_video"]) == ["v0", "v1", "v2", "v3"]
    # each video ~0.7 % noisier: within a 1 % tolerance, but all 4 videos worse is significant
    code, out, _ = cli(runs["slightly"], "-b", base, "--json")
    l1 = next(m for m in json.loads(out)["metrics"] if m["name"] == "l1")
    assert code == 1 and l1["status"] == "regressed" and l1["p_value"] == pytest.approx(1 / 10001)
    # half the videos better, half worse: not significant at 0.05 -> passes
    code, out, _ = cli(runs["mixed"], "-b", base, "--json")
    report = json.loads(out)
    l1 = next(m for m in report["metrics"] if m["name"] == "l1")
    assert code == 0 and l1["status"] == "ok" and l1["p_value"] > 0.05 and "paired Δ" in l1["note"]
    assert cli(runs["worse"], "-b", base)[0] == 1
    # a different level and seed from the command line are honoured (and reproducible)
    a = json.loads(cli(runs["mixed"], "-b", base, "--json", "--alpha", "0.9", "--seed", "3")[1])
    b = json.loads(cli(runs["mixed"], "-b", base, "--json", "--alpha", "0.9", "--seed", "3")[1])
    assert a == b and a["metrics"][0]["tolerance"] == "p < 0.9"


def test_significant_mode_needs_per_video_rows_and_per_video_figures(runs, cli, tmp_path):
    base = tmp_path / "sig.yaml"
    cli(runs["base"], "-b", base, "--write-baseline", "--significant", "--metric", "l1")
    lone = tmp_path / "lone" / "agg.aggregate.json"
    lone.parent.mkdir()
    shutil.copy(runs["mixed"].with_name("r.aggregate.json"), lone)  # no rows beside it
    code, _, err = cli(lone, "-b", base)
    assert code == 2 and "needs the run's per-video rows" in err and "\n" not in err.strip()
    fvd = AggregateRow("fvd-i3d-k400", "fvd-i3d-k400", "corpus", 10.0, False, 1, 4, 0)
    measured = Measured("m", {"fvd-i3d-k400": fvd})
    spec = parse_baseline({"fvd": {"significant": True, "per_video": {"a": 1.0, "b": 2.0}}})
    with pytest.raises(UsageError, match="corpus figure; give it value: and absolute:/relative: instead"):
        check(measured, spec)


def test_every_run_source_gives_the_same_figures(runs, tmp_path):
    parquet = load_measured(runs["base"])  # figures recomputed from the rows + provenance
    agg_json = load_measured(runs["base"].with_name("r.aggregate.json"))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(runs["base"].with_name("r.aggregate.json"), run_dir / "aggregate.json")
    shutil.copy(runs["base"], run_dir / "results.parquet")
    directory = load_measured(run_dir)
    for m in (parquet, agg_json, directory):
        assert set(m.unavailable) == {"lpips-alex"} and m.rows is not None and len(m.rows) == 4

    def values(m):
        return {k: (None if math.isnan(f.value) else f.value) for k, f in m.figures.items()}

    assert values(parquet) == values(agg_json) == values(directory)


@pytest.mark.parametrize("setup, argv, message", [
    (None, ["RUN", "-b", "missing.yaml"], "baseline 'missing.yaml' does not exist"),
    (None, ["RUN", "-b", "b.txt"], "must end in .yaml, .yml or .json"),
    (None, ["nowhere", "-b", "b.yaml"], "run 'nowhere' does not exist"),
    (None, ["RUN", "-b", "b.yaml", "--relative", "0.1"], "--relative only apply with --write-baseline"),
    (None, ["RUN", "-b", "b.yaml", "--alpha", "2"], "--alpha must be between 0 and 1"),
    ({"metrics": {"l1": {"value": 0.1, "tolerance": 0.1}}}, ["RUN", "-b", "b.yaml"],
     "metric 'l1': unknown key(s) 'tolerance'; valid keys: value, direction"),
    ({"metrics": {"l1": {"value": 0.1}}}, ["RUN", "-b", "b.yaml"], "metric 'l1' needs value: and a tolerance"),
    ({"metrics": {"l1": {"value": "x", "relative": 0.1}}}, ["RUN", "-b", "b.yaml"], "value must be a finite number"),
    ({"metrics": {"ssim": {"value": 0.9, "relative": 0.1, "direction": "lower"}}}, ["RUN", "-b", "b.yaml"],
     "says lower is better, but the run's ssim is higher-is-better"),
    ({"format": "other/2", "metrics": {}}, ["RUN", "-b", "b.yaml"], "is not 'slvg-bench-baseline/1'"),
])
def test_usage_errors_exit_2_with_one_line(runs, cli, tmp_path, monkeypatch, setup, argv, message):
    monkeypatch.chdir(tmp_path)
    if setup is not None:
        (tmp_path / "b.yaml").write_text(yaml.safe_dump(setup))
    code, _, err = cli(*[runs["base"] if a == "RUN" else a for a in argv])
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_rewriting_keeps_tolerances_and_entries_it_cannot_measure(runs, cli, tmp_path):
    base = tmp_path / "b.yaml"
    base.write_text(yaml.safe_dump({"metrics": {"l1": {"value": 1.0, "absolute": 0.002},
                                                "lpips": {"value": 0.1, "relative": 0.05}}}))
    code, out, _ = cli(runs["base"], "-b", base, "--write-baseline")
    assert code == 0 and "kept the previous entry" in out
    b = read_baseline(base)
    assert list(b.metrics) == ["l1", "lpips-alex"]
    assert b.metrics["l1"].absolute == 0.002 and b.metrics["l1"].relative is None and b.metrics["l1"].value != 1.0
    assert b.metrics["lpips-alex"].value == 0.1  # weights missing here: the previous entry stays


@pytest.mark.slow  # generates the tiny synthsign (~15 s) and runs `static` on 2 videos
def test_a_real_run_directory(synthsign_env, cli, tmp_path):
    from slvg_bench.harness.config import RunConfig
    from slvg_bench.harness.runner import run_benchmark

    out = tmp_path / "runs" / "static"
    run_benchmark(RunConfig(method="static", dataset="synthsign", metrics=("l1", "ssim", "tcd")), out=out,
                  device="cpu", limit=2, progress=False)
    base = tmp_path / "baseline.yaml"
    assert cli(out, "-b", base, "--write-baseline", "--significant", "--metric", "l1")[0] == 0
    code, stdout, err = cli(out, "-b", base, "--require", "l1")
    assert code == 0 and "passed: 1 figure(s)" in stdout, err
