"""Class 3 of issue 16: no expected video silently vanishes from a run or an evaluation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slvg_bench.video import write_mp4

from .conftest import DEFAULT_VIDEOS, frames_for, make_synthsign


def _video_file(data: Path, video_id: str) -> Path:
    with open(data / "synthsign" / "index.csv", newline="") as f:
        return data / "synthsign" / next(r["video"] for r in csv.DictReader(f) if r["id"] == video_id)


def _aggregate(out: Path) -> tuple[dict, pd.DataFrame]:
    return json.loads((out / "aggregate.json").read_text()), pd.read_csv(out / "aggregate.csv")


def test_videos_that_failed_to_prepare_fail_the_run(synth, tmp_path, cli):
    for vid in ("s10_b", "s11_a"):
        _video_file(synth, vid).write_bytes(b"not a video at all")
    r = cli("datasets", "prepare", "synthsign", "--data-root", synth).expect(0)
    assert "2 failed" in r.err
    out = tmp_path / "run"
    r = cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1,ssim", "--out", out)
    r.expect(1, "2 of 4 videos failed", "s10_b", "failed to prepare", str(out))
    assert "2 of 4 videos" in r.err  # the table title counts every expected video
    rows = pd.read_parquet(out / "results.parquet").set_index("video_id")
    assert sorted(rows.index) == ["s10_a", "s10_b", "s11_a", "s11_b"]
    assert dict(rows["status"]) == {"s10_a": "ok", "s10_b": "failed", "s11_a": "failed", "s11_b": "ok"}
    agg, table = _aggregate(out)
    assert agg["summary"]["n_expected"] == 4 and agg["summary"]["n_failed"] == 2
    assert set(agg["summary"]["failed_videos"]) == {"s10_b", "s11_a"}
    l1 = table[table["name"] == "l1"].iloc[0]
    assert l1["n_videos"] == 2 and l1["n_missing"] == 2 and "2 of 4 videos failed" in l1["reason"]
    assert all(a["n_missing"] >= 2 for a in agg["aggregate"])
    # fixed videos: prepare again, and the same command finishes the run, keeping the scored rows
    for vid, n in (("s10_b", 7), ("s11_a", 8)):
        write_mp4(_video_file(synth, vid), frames_for(vid, n), lossless=True)
    cli("datasets", "prepare", "synthsign", "--data-root", synth).expect(0)
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1,ssim", "--out", out).expect(0)
    again = pd.read_parquet(out / "results.parquet").set_index("video_id")
    assert set(again["status"]) == {"ok"} and again.loc["s10_a", "finished_at"] == rows.loc["s10_a", "finished_at"]
    assert _aggregate(out)[1].set_index("name").loc["l1", "n_missing"] == 0


def test_a_stale_cache_does_not_hide_videos_the_index_lists(tmp_path, cli):
    data = make_synthsign(tmp_path / "data", DEFAULT_VIDEOS[:4])  # test: s10_a, s10_b
    cli("datasets", "prepare", "synthsign", "--data-root", data).expect(0)
    meta = (data / "synthsign" / "meta.json").read_text()
    make_synthsign(tmp_path / "data", DEFAULT_VIDEOS)  # two more test videos, same meta.json below
    (data / "synthsign" / "meta.json").write_text(meta)
    out = tmp_path / "run"
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", data, "--metrics", "l1", "--out", out).expect(
        1, "2 of 4 videos failed", "s11_a", "not in the prepared synthsign cache", "datasets prepare synthsign")
    cli("datasets", "prepare", "synthsign", "--data-root", data).expect(0)
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", data, "--metrics", "l1", "--out", out).expect(0)
    assert len(pd.read_parquet(out / "results.parquet")) == 4


def test_a_video_missing_from_the_download_fails_the_run(synth, tmp_path, cli):
    _video_file(synth, "s11_b").unlink()
    out = tmp_path / "run"
    cli("run", "-m", "oracle", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--out", out).expect(
        1, "1 of 4 videos failed", "s11_b", "missing from the synthsign download")
    assert _aggregate(out)[0]["summary"]["failed_videos"].keys() == {"s11_b"}


def test_without_the_release_the_cache_index_defines_the_expected_set(tmp_path, cli):
    """A real dataset whose download is gone: the prepared cache's index (failed rows included) counts."""
    from tests.data.fakes import lsa64_tree

    root = tmp_path / "data"
    ds = lsa64_tree(root, [(1, 1, 1), (57, 1, 1), (58, 2, 1), (59, 3, 1)], n_frames=4)
    (ds / "all_cut" / "058_002_001.mp4").write_bytes(b"broken")
    cli("datasets", "prepare", "lsa64", "--data-root", root, "--resolution", 32).expect(0)
    ds.rename(tmp_path / "lsa64-moved")  # the release is gone, the cache stays
    out = tmp_path / "run"
    # LSA64's test split has 400 published videos; the cache remembers which were missing or failed
    cli("run", "-m", "static", "-d", "lsa64", "--data-root", root, "--resolution", 32, "--metrics", "l1",
        "--out", out).expect(1, "398 of 400 videos failed", "missing from the lsa64 download")
    rows = pd.read_parquet(out / "results.parquet").set_index("video_id")
    assert len(rows) == 400 and sorted(rows.index[rows["status"] == "ok"]) == ["057_001_001", "059_003_001"]
    assert rows.loc["058_002_001", "message"].startswith("failed to prepare")


def test_cross_person_pairs_with_a_failed_video_are_failed_rows(synth, tmp_path, cli):
    _video_file(synth, "s10_a").write_bytes(b"garbage")
    out = tmp_path / "cp"
    r = cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--task", "cross-person",
            "--metrics", "fvd", "--out", out)
    r.expect(1, "videos failed or are missing", "s10_a", "failed to prepare")
    rows = pd.read_parquet(out / "results.parquet")
    assert len(rows) == 4 and (rows["status"] == "failed").sum() >= 1


def _eval_tree(tmp_path: Path, n: int = 4) -> tuple[Path, Path]:
    pred, target = tmp_path / "pred", tmp_path / "target"
    for i in range(n):
        frames = frames_for(f"v{i}", 6)
        write_mp4(target / f"v{i}.mp4", frames, lossless=True)
        write_mp4(pred / f"v{i}.mp4", np.clip(frames.astype(int) + 3, 0, 255).astype(np.uint8), lossless=True)
    return pred, target


def test_evaluate_with_a_missing_prediction_exits_1_and_counts_it(tmp_path, cli):
    pred, target = _eval_tree(tmp_path)
    (pred / "v2.mp4").unlink()
    out = tmp_path / "r.parquet"
    cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1,ssim", "--out", out, "--no-progress").expect(
        1, "1 of 4 videos failed", "v2", "no prediction")
    table = pd.read_csv(tmp_path / "r.aggregate.csv").set_index("name")
    assert table.loc["l1", "n_videos"] == 3 and table.loc["l1", "n_missing"] == 1
    agg = json.loads((tmp_path / "r.aggregate.json").read_text())
    assert agg["summary"]["n_expected"] == 4 and agg["summary"]["n_failed"] == 1
    assert len(pd.read_parquet(out)) == 4  # the finished rows are kept


def test_evaluate_with_an_unreadable_prediction_exits_1(tmp_path, cli):
    pred, target = _eval_tree(tmp_path)
    (pred / "v1.mp4").write_bytes(b"\x00\x01 not an mp4")
    cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1", "--out", tmp_path / "r.parquet",
        "--no-progress").expect(1, "1 of 4 videos failed", "v1", "prediction unreadable")
    assert pd.read_csv(tmp_path / "r.aggregate.csv").set_index("name").loc["l1", "n_missing"] == 1


def test_evaluate_mismatch_names_the_fix_on_the_last_stderr_line(tmp_path, cli):
    pred, target = _eval_tree(tmp_path, 2)
    write_mp4(pred / "v0.mp4", frames_for("v0", 4), lossless=True)
    cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1", "--out", tmp_path / "r.parquet",
        "--no-progress").expect(1, "v0", "--align truncate")


def test_evaluate_limit_takes_the_first_n(tmp_path, cli):
    pred, target = _eval_tree(tmp_path)
    cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1", "--out", tmp_path / "r.parquet",
        "--limit", 1, "--no-progress").expect(0)
    assert list(pd.read_parquet(tmp_path / "r.parquet")["video_id"]) == ["v0"]


# ---- found by tools/attack.py


def test_evaluate_glosses_without_usable_references_is_an_error(tmp_path, cli):
    """Before: an empty --glosses file, or one whose ids match no video, gave WER 'unavailable' and exit 0."""
    pred, target = _eval_tree(tmp_path, 2)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1,wer", "--glosses", empty, "--no-progress",
        "--out", tmp_path / "r.parquet").expect(2, "empty.txt")
    other = tmp_path / "other.txt"
    other.write_text("zz|HELLO\n")
    cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1,wer", "--glosses", other, "--no-progress",
        "--out", tmp_path / "r.parquet").expect(2, "--glosses", "no reference for any of the 2", "'zz'")
    assert not (tmp_path / "r.parquet").exists()


@pytest.mark.parametrize("argv", [
    ["datasets", "verify", "synthsign"],
    ["run", "-m", "static", "-d", "synthsign", "--metrics", "l1", "--out", "RUN"],
    ["train", "-m", "tpsmm", "-d", "synthsign", "--preset", "quick", "--max-steps", "1", "--out", "TRAIN"],
    ["reconstruct", "-m", "static", "-d", "synthsign", "--video", "s10_a", "--out", "REC"],
], ids=["verify", "run", "train", "reconstruct"])
@pytest.mark.parametrize("root", ["missing", "damaged"])
def test_a_data_root_without_synthsign_is_never_swapped_for_the_default_copy(argv, root, tmp_path, cli, monkeypatch):
    """Before: --data-root naming a missing folder (or a copy without meta.json) silently generated and used
    the default copy in $SLVG_BENCH_HOME (a minute of work, results on other data, exit 0)."""
    import slvg_bench.data.synthsign as generator

    def boom(*a, **k):
        raise AssertionError("the default synthsign copy was generated instead of using --data-root")

    monkeypatch.setattr(generator, "generate", boom)
    monkeypatch.setattr(generator, "ensure", boom)
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "nope"
    if root == "damaged":
        data = make_synthsign(tmp_path / "data")
        (data / "synthsign" / "meta.json").unlink()
    r = cli(*argv, "--data-root", data, "--device", "cpu") if argv[0] != "datasets" else cli(*argv, "--data-root", data)
    r.expect(1, "synthsign not found under --data-root", str(data))
    assert not (tmp_path / "home" / "data").exists()
