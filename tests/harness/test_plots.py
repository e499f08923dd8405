"""``slvg-bench run --plots``: per-frame curves equal the run's numbers, plots are resumable."""

import numpy as np
import pandas as pd
import pytest
import torch

from slvg_bench.harness.config import RunConfig
from slvg_bench.harness.runner import run_benchmark
from slvg_bench.plots import choose_frame, frame_series, plot_path, tcd_map, write_video_plot


@pytest.fixture
def env(synthsign_env):
    return synthsign_env


def run(method, out, **kw):
    cfg = RunConfig(method=method, dataset="synthsign", split="test", metrics=("l1", "ssim", "tcd"))
    return run_benchmark(cfg, out=out, device="cpu", progress=False, limit=1, **kw)


def test_tcd_map_is_eq12_on_grey_levels():
    t = torch.zeros(3, 3, 2, 2)
    t[0] = 10 / 255
    t[2] = 20 / 255
    p = t.clone()
    p[1, :, 0, 0] = 25 / 255  # |25 − ½(10 + 20)| = 10
    d = tcd_map(p, t, 1)
    np.testing.assert_allclose(d, [[10, 15], [15, 15]])
    assert choose_frame(10) == 5 and choose_frame(10, 0) == 1 and choose_frame(10, 99) == 8 and choose_frame(2) is None


def test_static_plot_curves_match_the_run(env, tmp_path):
    from slvg_bench.harness.jobs import reconstruction_jobs
    from slvg_bench.video import read_video

    res = run("static", tmp_path / "s", plots=True, plot_frame=3)
    row = res.rows.iloc[0]
    png = plot_path(tmp_path / "s", row["video_id"])
    assert png.is_file() and png.stat().st_size > 10_000
    job = next(iter(reconstruction_jobs("synthsign", ["test"], limit=1)))
    series = frame_series(read_video(tmp_path / "s" / "videos" / f"{row['video_id']}.mp4"), job.target)
    assert len(series["l1"]) == row["n_frames"] and len(series["tcd"]) == row["n_frames"] - 2
    assert series["l1"].mean() == pytest.approx(row["l1"], abs=1e-9)
    assert series["ssim"].mean() == pytest.approx(row["ssim"], abs=1e-9)
    assert series["tcd"].mean() == pytest.approx(row["tcd"], abs=1e-12)
    assert series["l1"][0] == 0 and series["l1"][1:].max() > 0  # frame 0 is the source itself


def test_plots_are_added_to_a_finished_run_without_rescoring(env, tmp_path):
    out = tmp_path / "o"
    run("oracle", out)
    before = pd.read_parquet(out / "results.parquet")
    assert not (out / "plots").exists()
    res = run("oracle", out, plots=True)
    after = pd.read_parquet(out / "results.parquet")
    assert list(after["finished_at"]) == list(before["finished_at"])  # nothing recomputed
    png = plot_path(out, res.rows.iloc[0]["video_id"])
    assert png.is_file()
    mtime = png.stat().st_mtime_ns
    run("oracle", out, plots=True)
    assert png.stat().st_mtime_ns == mtime  # existing plots are kept


def test_plots_need_a_target_and_saved_videos(env, tmp_path, capsys):
    from slvg_bench.errors import UsageError

    cfg = RunConfig(method="static", dataset="synthsign", split="test", task="cross-person", metrics=("fvd-i3d-k400",))
    with pytest.raises(UsageError, match="--plots"):
        run_benchmark(cfg, out=tmp_path / "x", device="cpu", progress=False, limit=1, plots=True)
    run("static", tmp_path / "n", save_videos=False)
    run("static", tmp_path / "n", save_videos=False, plots=True)
    assert not (tmp_path / "n" / "plots").exists()


def test_write_video_plot_short_video(tmp_path):
    v = torch.rand(2, 3, 16, 16)
    assert write_video_plot(tmp_path / "p.png", v, v).is_file()


def test_run_cli_plots_flag(env, tmp_path):
    from click.testing import CliRunner

    from slvg_bench.cli import cli

    out = tmp_path / "cli"
    res = CliRunner().invoke(cli, ["run", "-m", "oracle", "-d", "synthsign", "--metrics", "l1,ssim,tcd", "--limit", "1",
                                   "--device", "cpu", "--out", str(out), "--plots", "--plot-frame", "2"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert len(list((out / "plots").glob("*.png"))) == 1
