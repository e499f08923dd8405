import json
import subprocess
import sys
import types

import numpy as np
import pandas as pd
import pytest

from slvg_bench.errors import UsageError
from slvg_bench.evaluate import EvaluateConfig, evaluate, index_videos
from slvg_bench.registry import Registry
from slvg_bench.scoring import InputError, MetricOptions, Scorer, align_pair, check_video
from slvg_bench.video import write_frames, write_gif, write_mp4
from tests.metrics.helpers import noisy, structured_video
from tests.metrics.test_fvd import tiny_extractor
from tests.metrics.test_regions import keypoints

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


def make_folders(root, n=4, t=12, hw=(32, 32)):
    """target/ as lossless mp4; pred/ in mixed forms (frame folder, gif, mp4 in a sub-folder)."""
    vids = {}
    for i in range(n):
        key = f"sub/v{i}" if i == n - 1 else f"v{i}"
        target = structured_video(t, *hw, seed=i)
        pred = noisy(target, 0.03, seed=10 + i)
        write_mp4(root / "target" / f"{key}.mp4", target, lossless=True)
        if i == 0:
            write_frames(root / "pred" / key, pred)
        elif i == 1:
            write_gif(root / "pred" / f"{key}.gif", pred)
        else:
            write_mp4(root / "pred" / f"{key}.mp4", pred, lossless=True)
        vids[key] = (pred, target)
    return root / "pred", root / "target", vids


def cfg(pred, target, **kw):
    return EvaluateConfig(pred=str(pred), target=str(target), **kw)


def test_matching_by_relative_path_across_forms(tmp_path):
    pred, target, _ = make_folders(tmp_path)
    write_gif(tmp_path / "pred" / "extra.gif", structured_video(3, 16, 16))
    assert list(index_videos(target, "target")) == ["sub/v3", "v0", "v1", "v2"]
    assert set(index_videos(pred, "pred")) == {"v0", "v1", "v2", "sub/v3", "extra"}
    write_gif(tmp_path / "pred" / "v2.gif", structured_video(3, 16, 16))
    with pytest.raises(UsageError, match="share the key 'v2'"):
        index_videos(pred, "pred")


def test_evaluate_scores_every_video_and_reports_unavailable_lpips(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    pred, target, vids = make_folders(tmp_path)
    write_gif(tmp_path / "pred" / "extra.gif", structured_video(3, 16, 16))
    res = evaluate(cfg(pred, target, metrics=("l1", "ssim", "lpips", "tcd")), tmp_path / "out" / "r.parquet",
                   progress=False)
    rows = res.rows.set_index("video_id")
    assert sorted(rows.index) == ["sub/v3", "v0", "v1", "v2"] and (rows["status"] == "ok").all()
    p, t = vids["v2"]
    ref = np.abs(np.round(p.numpy() * 255) / 255 - np.round(t.numpy() * 255) / 255).mean()
    assert rows.loc["v2", "l1"] == pytest.approx(ref, abs=1e-6)
    assert rows["lpips-alex"].isna().all()
    assert rows["lpips-alex_reason"].str.contains("slvg-bench weights add alexnet.imagenet-torchvision").all()
    assert "lpips-alex" in res.summary["unavailable_metrics"] and not res.summary["errors"]
    assert res.summary["n_predictions_without_target"] == 1
    agg = json.loads(res.json_path.read_text())
    assert {a["name"] for a in agg["aggregate"]} >= {"l1", "l1 [video mean]", "ssim", "tcd", "tcd-target"}
    assert agg["provenance"]["config_hash"] == rows["config_hash"].iloc[0]
    assert res.csv_path.read_text().startswith("name,")


def test_resumable_after_an_interrupt_without_duplicates(tmp_path, monkeypatch):
    pred, target, _ = make_folders(tmp_path, n=5)
    out = tmp_path / "r.parquet"
    c = cfg(pred, target, metrics=("l1", "tcd"))
    real = Scorer.score
    seen = []

    def crash_on_third(self, pair):
        seen.append(pair.video_id)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return real(self, pair)

    monkeypatch.setattr(Scorer, "score", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        evaluate(c, out, progress=False, flush_every=1)
    assert not out.exists() and len(list((tmp_path / "r.parquet.shards").iterdir())) == 2
    monkeypatch.setattr(Scorer, "score", real)
    scored = []
    monkeypatch.setattr(Scorer, "score", lambda self, pair: scored.append(pair.video_id) or real(self, pair))
    res = evaluate(c, out, progress=False)
    assert len(scored) == 3  # the two finished videos were not recomputed
    assert sorted(res.rows["video_id"]) == sorted(["v0", "v1", "v2", "v3", "sub/v4"])
    again = evaluate(c, out, progress=False)
    assert len(scored) == 3 and len(again.rows) == 5
    pd.testing.assert_frame_equal(again.rows, res.rows)


def test_limit_then_full_run_and_config_mismatch(tmp_path):
    pred, target, _ = make_folders(tmp_path)
    out = tmp_path / "r.parquet"
    first = evaluate(cfg(pred, target, metrics=("l1",)), out, limit=2, progress=False)
    assert len(first.rows) == 2
    full = evaluate(cfg(pred, target, metrics=("l1",)), out, progress=False)
    assert len(full.rows) == 4
    with pytest.raises(UsageError, match="different configuration"):
        evaluate(cfg(pred, target, metrics=("l1", "ssim")), out, progress=False)
    replaced = evaluate(cfg(pred, target, metrics=("l1", "ssim")), out, progress=False, overwrite=True)
    assert replaced.rows["ssim"].notna().all()


def test_bad_videos_become_failed_rows_and_the_run_goes_on(tmp_path):
    pred, target, _ = make_folders(tmp_path)
    (pred / "v1.gif").write_bytes(b"not a video at all")
    write_mp4(pred / "v2.mp4", structured_video(12, 32, 48), lossless=True)  # wrong size
    write_mp4(target / "v9.mp4", structured_video(12, 32, 32), lossless=True)  # no prediction
    res = evaluate(cfg(pred, target, metrics=("l1",)), tmp_path / "r.parquet", progress=False)
    rows = res.rows.set_index("video_id")
    assert rows.loc["v0", "status"] == "ok"
    assert rows.loc["v1", "status"] == "failed" and "prediction unreadable" in rows.loc["v1", "message"]
    assert "--align resize" in rows.loc["v2", "message"] and "48×32" in rows.loc["v2", "message"]
    assert "no prediction" in rows.loc["v9", "message"]
    assert rows.loc["v1", "l1_reason"] == rows.loc["v1", "message"]
    resized = evaluate(cfg(pred, target, metrics=("l1",), align=("resize",)), tmp_path / "r2.parquet", progress=False)
    row = resized.rows.set_index("video_id").loc["v2"]
    assert row["status"] == "ok" and "resized" in row["message"]


def test_input_checks_and_alignment():
    v = structured_video(4, 16, 16)
    bad = v.clone()
    bad[2, 0, 3, 3] = float("nan")
    with pytest.raises(InputError, match="NaN/Inf values \\(first in frame 2\\)"):
        check_video(bad, "prediction x")
    with pytest.raises(InputError, match="outside \\[0, 1\\]"):
        check_video(v * 2, "prediction x")
    with pytest.raises(InputError, match="--align truncate"):
        align_pair(v, v[:3])
    p, t, note = align_pair(v, v[:3], ["truncate"])
    assert p.shape[0] == t.shape[0] == 3 and "truncated to 3" in note


def test_region_metrics_with_a_keypoint_folder(tmp_path):
    pred, target, _ = make_folders(tmp_path, n=3, hw=(48, 64))
    kdir = tmp_path / "kp"
    (kdir / "sub").mkdir(parents=True)
    np.save(kdir / "v0.npy", keypoints(12).numpy())
    np.save(kdir / "sub" / "v2.npy", keypoints(12).numpy())
    res = evaluate(cfg(pred, target, metrics=("region-l1", "region-ssim"), keypoints=str(kdir)),
                   tmp_path / "r.parquet", progress=False)
    rows = res.rows.set_index("video_id")
    assert rows.loc["v0", "l1-left-hand"] > 0 and rows.loc["sub/v2", "ssim-mouth"] < 1
    assert np.isnan(rows.loc["v1", "l1-mouth"]) and "no keypoint file" in rows.loc["v1", "l1-mouth_reason"]
    assert res.summary["errors"] == []


def test_default_metric_set_follows_the_keypoint_options():
    assert EvaluateConfig().metric_ids() == ["l1", "ssim", "psnr", "lpips-alex", "fvd-i3d-k400", "tcd"]
    assert "region-l1" in EvaluateConfig(keypoints="kp").metric_ids()
    assert "akd" in EvaluateConfig(keypoint_estimator="x").metric_ids()


def test_keypoint_estimator_hook(tmp_path, monkeypatch):
    pred, target, _ = make_folders(tmp_path, n=2, hw=(48, 64))
    monkeypatch.setitem(sys.modules, "slvg_bench.pose.estimators", None)  # registry absent
    with pytest.raises(UsageError, match="no pose-estimator registry"):
        evaluate(cfg(pred, target, metrics=("akd",), keypoint_estimator="hrnet"), tmp_path / "a.parquet", progress=False)

    class Fake:
        def __init__(self, device="cpu"):
            self.device = device

        def estimate(self, frames):
            return keypoints(frames.shape[0])

    registry = Registry("estimator")
    registry.register("fake", Fake)
    monkeypatch.setitem(sys.modules, "slvg_bench.pose.estimators", types.SimpleNamespace(ESTIMATORS=registry))
    res = evaluate(cfg(pred, target, metrics=("akd", "region-l1"), keypoint_estimator="fake"),
                   tmp_path / "b.parquet", progress=False)
    rows = res.rows.set_index("video_id")
    assert (rows["akd-left-hand"] == 0).all() and (rows["mkr-body"].isna()).all()  # fake sees no body
    assert rows["l1-left-hand"].notna().all()


def test_fvd_short_videos_error_or_skip(tmp_path):
    pred, target, _ = make_folders(tmp_path, n=3, t=16)
    write_mp4(target / "short.mp4", structured_video(8, 32, 32), lossless=True)
    write_mp4(pred / "short.mp4", structured_video(8, 32, 32), lossless=True)
    kwargs = {"fvd-i3d-k400": {"extractor": tiny_extractor(), "cache_root": tmp_path / "cache"}}
    res = evaluate(cfg(pred, target, metrics=("fvd",)), tmp_path / "r.parquet", progress=False, metric_kwargs=kwargs)
    assert res.summary["errors"] and "8 frames" in res.summary["errors"][0]
    assert "--fvd-skip-short" in res.summary["errors"][0]
    opts = MetricOptions()
    opts.fvd = type(opts.fvd)(skip_short=True)
    res = evaluate(cfg(pred, target, metrics=("fvd",), options=opts), tmp_path / "r2.parquet", progress=False,
                   metric_kwargs=kwargs)
    fvd = res.aggregate[0]
    assert res.summary["errors"] == [] and fvd.details["videos_skipped_short"] == 1 and fvd.value == fvd.value


def test_cli_end_to_end_json_and_files(tmp_path):
    pred, target, _ = make_folders(tmp_path, n=2)
    out = tmp_path / "o" / "results.parquet"
    r = subprocess.run([sys.executable, "-m", "slvg_bench", "evaluate", "--pred", str(pred), "--target", str(target),
                        "--metrics", "l1,ssim,tcd,lpips", "--out", str(out), "--json", "--no-progress"],
                       capture_output=True, text=True, cwd=REPO, timeout=300,
                       env={**__import__("os").environ, "TORCH_HOME": str(tmp_path / "torch")})
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    names = {a["name"]: a for a in data["aggregate"]}
    assert names["lpips-alex"]["value"] is None and "slvg-bench weights add" in names["lpips-alex"]["reason"]
    assert 0.9 < names["ssim"]["value"] < 1
    assert (tmp_path / "o" / "results.aggregate.csv").is_file() and (tmp_path / "o" / "results.aggregate.json").is_file()
    assert "unavailable" in r.stderr
    bad = subprocess.run([sys.executable, "-m", "slvg_bench", "evaluate", "--pred", str(pred), "--target", str(target),
                          "--metrics", "l1,sssim", "--out", str(out)], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 2 and "Did you mean 'ssim'" in bad.stderr


def test_cli_resamples_and_seed_reach_the_intervals(tmp_path):
    from click.testing import CliRunner

    from slvg_bench.cli import cli

    pred, target, _ = make_folders(tmp_path, n=3)
    out = tmp_path / "o" / "results.parquet"
    base = ["evaluate", "--pred", str(pred), "--target", str(target), "--metrics", "l1", "--out", str(out), "--json",
            "--no-progress", "--device", "cpu"]
    summaries = {}
    for args in (["--resamples", "200", "--resample-seed", "5"], ["--resamples", "0"]):
        r = CliRunner().invoke(cli, base + args)
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        summaries[args[1]] = (data["summary"]["bootstrap"], next(a for a in data["aggregate"] if a["name"] == "l1"))
    (boot, l1), (boot0, l1_0) = summaries["200"], summaries["0"]
    assert boot["resamples"] == 200 and boot["seed"] == 5 and l1["ci_low"] < l1["value"] < l1["ci_high"]
    assert boot0["resamples"] == 0 and l1_0["ci_low"] is None and l1_0["value"] == l1["value"]

    # a seed given on the command line wins over a config file's, also when it is the default value 0
    config = tmp_path / "boot.yaml"
    config.write_text("bootstrap: {seed: 7, resamples: 50}\n")
    for args, seed in (([], 7), (["--resample-seed", "0"], 0)):
        r = CliRunner().invoke(cli, base + ["--config", str(config), "--overwrite"] + args)
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["summary"]["bootstrap"]["seed"] == seed


def test_fvd_between_two_result_files_from_the_cli(tmp_path):
    pred, target, _ = make_folders(tmp_path, n=3, t=16)
    kwargs = {"fvd-i3d-k400": {"extractor": tiny_extractor(), "cache_root": tmp_path / "cache"}}
    res = evaluate(cfg(pred, target, metrics=("fvd", "l1")), tmp_path / "a.parquet", progress=False, metric_kwargs=kwargs)
    r = subprocess.run([sys.executable, "-m", "slvg_bench", "fvd", str(tmp_path / "a.parquet"), str(tmp_path / "a.parquet")],
                       capture_output=True, text=True, cwd=REPO, timeout=300)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(res.aggregate[0].value, rel=1e-5)
