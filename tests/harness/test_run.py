"""slvg-bench run: the sanity methods bracket the metrics, runs resume, configs don't mix,
a 2-process torchrun equals 1 process, and leaderboards are written."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from slvg_bench.errors import UnknownNameError, UsageError
from slvg_bench.harness.config import RunConfig
from slvg_bench.harness.runner import run_benchmark

METRICS = ("l1", "ssim", "tcd", "region-l1")


@pytest.fixture
def env(synthsign_env):
    return synthsign_env


def run(method, out, **kw):
    cfg = RunConfig(method=method, dataset="synthsign", split="test", metrics=kw.pop("metrics", METRICS))
    return run_benchmark(cfg, out=out, device="cpu", progress=False, **kw)


def values(result):
    return {e.name: e.value for e in result.entries}


def test_static_and_oracle_bracket_every_metric(env, tmp_path):
    oracle = values(run("oracle", tmp_path / "oracle"))
    static = values(run("static", tmp_path / "static"))
    assert oracle["l1"] == 0 and oracle["ssim"] == 1 and oracle["l1-left-hand"] == 0
    assert oracle["tcd"] == pytest.approx(oracle["tcd-target"])
    assert static["l1"] > 0.005 and static["ssim"] < 0.99 and static["tcd"] > oracle["tcd"]
    assert static["tcd-target"] == pytest.approx(oracle["tcd-target"])
    rows = pd.read_parquet(tmp_path / "static" / "results.parquet")
    assert len(rows) == 4 and set(rows["status"]) == {"ok"}  # tiny: 2 test signers × 2 videos
    assert {"run_id", "method", "checkpoint_sha256", "dataset", "split", "task", "video_id", "n_frames",
            "code_version", "config_hash"} <= set(rows.columns)
    agg = json.loads((tmp_path / "static" / "aggregate.json").read_text())
    assert agg["provenance"]["config_hash"] == rows["config_hash"].iloc[0]
    assert agg["provenance"]["dataset_cache"].startswith("r128-")
    assert len(list((tmp_path / "static" / "videos").glob("*.mp4"))) == 4


def test_saved_videos_rescore_to_the_same_numbers(env, tmp_path):
    from slvg_bench.evaluate import EvaluateConfig, evaluate
    from slvg_bench.harness.jobs import reconstruction_jobs
    from slvg_bench.video import write_mp4, to_uint8

    res = run("static", tmp_path / "s")
    targets = tmp_path / "targets"
    for job in reconstruction_jobs("synthsign", ["test"]):
        write_mp4(targets / f"{job.video_id}.mp4", to_uint8(job.target), lossless=True)
    ev = evaluate(EvaluateConfig(pred=str(tmp_path / "s" / "videos"), target=str(targets), metrics=("l1", "ssim", "tcd")),
                  tmp_path / "ev.parquet", progress=False)
    again = {e.name: e.value for e in ev.aggregate}
    for k in ("l1", "ssim", "tcd"):
        assert again[k] == pytest.approx(values(res)[k], abs=1e-12)


def test_resume_skips_finished_videos(env, tmp_path):
    run("static", tmp_path / "r", limit=1)
    first = pd.read_parquet(tmp_path / "r" / "results.parquet")
    assert len(first) == 1
    run("static", tmp_path / "r")
    both = pd.read_parquet(tmp_path / "r" / "results.parquet")
    assert len(both) == 4
    kept = both[both["video_id"] == first["video_id"].iloc[0]]
    assert kept["finished_at"].iloc[0] == first["finished_at"].iloc[0]  # not recomputed
    stamp = (tmp_path / "r" / "results.parquet").stat().st_mtime_ns
    res = run("static", tmp_path / "r")  # finished: results again without new rows
    assert len(res.rows) == 4 and set(pd.read_parquet(tmp_path / "r" / "results.parquet")["finished_at"]) == set(both["finished_at"])


def test_another_config_in_the_same_run_dir_is_refused(env, tmp_path):
    run("static", tmp_path / "x", limit=1)
    with pytest.raises(UsageError, match="another configuration.*--overwrite"):
        run("static", tmp_path / "x", limit=1, metrics=("l1",))
    res = run("static", tmp_path / "x", limit=1, metrics=("l1",), overwrite=True)
    assert [e.name for e in res.entries if e.primary] == ["l1"]


def test_bad_names_list_the_valid_choices(env, tmp_path):
    with pytest.raises(UnknownNameError, match="Did you mean 'static'"):
        run_benchmark(RunConfig(method="statc", dataset="synthsign"), out=tmp_path)
    with pytest.raises(UnknownNameError, match="Valid datasets"):
        run_benchmark(RunConfig(method="static", dataset="phoenix2014"), out=tmp_path)
    with pytest.raises(UsageError, match="no evaluation split 'train'"):
        run_benchmark(RunConfig(method="static", dataset="synthsign", split="train"), out=tmp_path)
    with pytest.raises(UsageError, match="need the ground-truth target"):
        run_benchmark(RunConfig(method="static", dataset="synthsign", task="cross-person", metrics=("l1",)),
                      out=tmp_path, progress=False)


def test_cross_person_runs_with_the_fixed_pair_list(env, tmp_path):
    # TCD needs the target too, so cross-person refuses it; with no target metric the run still generates videos
    with pytest.raises(UsageError):
        run_benchmark(RunConfig(method="static", dataset="synthsign", task="cross-person", metrics=("tcd",)),
                      out=tmp_path / "cp", device="cpu", progress=False)
    res = run_benchmark(RunConfig(method="static", dataset="synthsign", task="cross-person", metrics=("fvd",)),
                        out=tmp_path / "cp", device="cpu", progress=False)
    assert list(res.rows["video_id"]) == [f"test-{i:05d}" for i in range(4)]
    assert res.summary["unavailable_metrics"]  # no I3D here: reported, not 0


@pytest.mark.slow
def test_two_process_torchrun_equals_one_process(env, tmp_path):
    one = values(run("static", tmp_path / "one"))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "-m", "slvg_bench", "run",
           "-m", "static", "-d", "synthsign", "--metrics", ",".join(METRICS), "--device", "cpu",
           "--out", str(tmp_path / "two")]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    agg = json.loads((tmp_path / "two" / "aggregate.json").read_text())
    two = {a["name"]: a["value"] for a in agg["aggregate"]}
    for k, v in one.items():
        assert two[k] == pytest.approx(v, abs=1e-12), k
    assert agg["provenance"]["world_size"] == 2


def test_leaderboard_from_runs_with_reported_rows(env, tmp_path):
    from slvg_bench.leaderboard import write_leaderboard

    runs = tmp_path / "runs"
    run("oracle", runs / "a" / "oracle")
    run("static", runs / "a" / "static")
    csv_path, md_path, rows = write_leaderboard("synthsign", "test", "reconstruction", runs, tmp_path / "lb")
    md = md_path.read_text()
    assert "| oracle | measured |" in md and "| static | measured |" in md
    assert "**" not in md  # only sanity rows: nothing takes the best mark
    assert "l1 ↓" in md and "ssim ↑" in md
    table = pd.read_csv(csv_path)
    assert list(table["method"]) == ["oracle", "static"] and set(table["source"]) == {"measured"}
    _, md2, rows2 = write_leaderboard("phoenix", "dev", "reconstruction", runs, tmp_path / "lb")
    assert all(e.source == "reported" for e in rows2) and "reported (PGMM paper, Table 2)" in md2.read_text()


def test_leaderboard_bold_skips_sanity_rows_and_footnotes_have_no_machine_paths():
    import math

    from slvg_bench.leaderboard import Entry, render_markdown

    reason = ("lpips-alex unavailable: weight 'alexnet.imagenet-torchvision' is not installed at "
              "/root/.cache/torch/hub/checkpoints/alexnet.pth; install it with `slvg-bench weights download "
              "alexnet.imagenet-torchvision` (or offline: `slvg-bench weights add alexnet.imagenet-torchvision "
              "/path/to/alexnet.pth`)")
    rows = [Entry("oracle", "measured", {"l1": 0.0, "lpips-alex": math.nan}, details={"lpips-alex": reason}),
            Entry("pgmm", "measured", {"l1": 0.05, "lpips-alex": math.nan}, details={"lpips-alex": reason}),
            Entry("static", "measured", {"l1": 0.01, "lpips-alex": math.nan}, details={"lpips-alex": reason}),
            Entry("tpsmm", "measured", {"l1": 0.07, "lpips-alex": math.nan}, details={"lpips-alex": reason})]
    md = render_markdown(["l1", "lpips-alex"], rows, "synthsign", "test", "reconstruction")
    lines = {line.split("|")[1].strip(): line for line in md.splitlines() if line.startswith("| ")}
    assert "**0.05000**" in lines["pgmm"] and "**" not in lines["oracle"] + lines["static"] + lines["tpsmm"]
    assert md.count("[^1]:") == 1 and "/root/" not in md and "is not installed; install it with" in md
    assert "/path/to/alexnet.pth" in md  # the placeholder in the fix command stays


def test_run_command_takes_resamples_and_seed_and_reaggregates_a_finished_run(env, tmp_path):
    from click.testing import CliRunner

    from slvg_bench.cli import cli

    base = ["run", "-m", "static", "-d", "synthsign", "--metrics", "l1,ssim", "--limit", "3", "--device", "cpu",
            "--no-save-videos", "--out", str(tmp_path / "r")]
    r = CliRunner().invoke(cli, base + ["--resamples", "300", "--resample-seed", "4"])
    assert r.exit_code == 0, r.output
    agg = json.loads((tmp_path / "r" / "aggregate.json").read_text())
    assert agg["summary"]["bootstrap"]["resamples"] == 300 and agg["summary"]["bootstrap"]["seed"] == 4
    l1 = next(a for a in agg["aggregate"] if a["name"] == "l1")
    assert l1["ci_low"] < l1["value"] < l1["ci_high"] and l1["n_videos"] == 3
    finished = set(pd.read_parquet(tmp_path / "r" / "results.parquet")["finished_at"])
    r = CliRunner().invoke(cli, base + ["--resamples", "0"])  # same run identity: only re-aggregated
    assert r.exit_code == 0, r.output
    again = json.loads((tmp_path / "r" / "aggregate.json").read_text())
    l1_again = next(a for a in again["aggregate"] if a["name"] == "l1")
    assert l1_again["value"] == l1["value"] and l1_again["ci_low"] is None and again["summary"]["bootstrap"]["resamples"] == 0
    assert set(pd.read_parquet(tmp_path / "r" / "results.parquet")["finished_at"]) == finished  # nothing regenerated
    r = CliRunner().invoke(cli, base + ["--resamples", "-1"])
    assert r.exit_code != 0 and "--resamples" in r.output
