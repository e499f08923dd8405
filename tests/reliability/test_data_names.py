"""Classes 1 and 2 of issue 16: ids from data never write outside their folder, never share a file."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from slvg_bench.paths import file_stem

from .conftest import make_synthsign

HOSTILE_IDS = ["../../../escape/pwn", "/abs/pwn", "..", ".", ".hidden", "a\\b", "sA/v", "sA_v", "sA%2Fv",
               "x" * 400, "y" * 400, "é/ü", "a\nb", "a b", "C:x", "~tilde"]


def test_file_stem_is_safe_and_injective():
    stems = [file_stem(i) for i in HOSTILE_IDS]
    assert len(set(stems)) == len(stems)
    for s in stems:
        assert "/" not in s and "\\" not in s and "\n" not in s and not s.startswith(".") and 0 < len(s) <= 160
    assert file_stem("signer10_iso_0000") == "signer10_iso_0000"  # ordinary ids unchanged
    assert file_stem("001_001_001") == "001_001_001" and file_stem("01April_2010_Thursday_heute-6694").endswith("6694")
    with pytest.raises(ValueError):
        file_stem("")


def _all_files(root):
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_hostile_video_id_stays_inside_the_run_directory(tmp_path, cli):
    """Issue example: index.csv names a test video ../../../escape/pwn; run --plots wrote pwn.mp4/png outside."""
    videos = [("s00_a", "train", "signer00", 6), ("s10_a", "test", "signer10", 6),
              ("../../../escape/pwn", "test", "signer11", 6)]
    data = make_synthsign(tmp_path / "data", videos)
    work = tmp_path / "w" / "x" / "y"
    out = work / "run"
    before = _all_files(tmp_path)
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", data, "--plots", "--metrics", "l1,ssim,tcd",
        "--out", out, "--device", "cpu").expect(0)
    new = _all_files(tmp_path) - before
    outside = [f for f in new if not (f.startswith("w/x/y/run/") or f.startswith("home/"))]
    assert outside == []
    assert (out / "videos" / f"{file_stem('../../../escape/pwn')}.mp4").is_file()
    assert (out / "plots" / f"{file_stem('../../../escape/pwn')}.png").is_file()
    assert not list(tmp_path.rglob("pwn.mp4")) and not list(tmp_path.rglob("pwn.png"))
    rows = pd.read_parquet(out / "results.parquet")
    assert sorted(rows["video_id"]) == sorted(["s10_a", "../../../escape/pwn"])


def test_ids_differing_only_in_separator_keep_their_own_clips(tmp_path, cli):
    """Issue example: sA/v and sA_v shared sA_v.sclip; oracle then scored sA/v on the other clip."""
    videos = [("s00_a", "train", "signer00", 6), ("sA/v", "test", "signer10", 9), ("sA_v", "test", "signer11", 5)]
    data = make_synthsign(tmp_path / "data", videos)
    r = cli("datasets", "prepare", "synthsign", "--data-root", data, "--workers", "1").expect(0)
    assert "3 clips ready" in r.err
    out = tmp_path / "run"
    cli("run", "-m", "oracle", "-d", "synthsign", "--data-root", data, "--metrics", "l1", "--out", out).expect(0)
    rows = pd.read_parquet(out / "results.parquet").set_index("video_id")
    assert rows.loc["sA/v", "n_frames"] == 9 and rows.loc["sA_v", "n_frames"] == 5
    assert (rows["l1"] == 0).all()
    assert len(list((out / "videos").glob("*.mp4"))) == 2


def test_repeated_video_id_is_an_error_at_prepare_time(tmp_path, cli):
    videos = [("s00_a", "train", "signer00", 6), ("dup", "test", "signer10", 6), ("dup", "test", "signer11", 7)]
    data = make_synthsign(tmp_path / "data", videos)
    cli("datasets", "prepare", "synthsign", "--data-root", data).expect(1, "'dup'", "twice", "unique")
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", data, "--metrics", "l1",
        "--out", tmp_path / "r").expect(1, "'dup'", "twice")


def test_repeated_id_across_splits_is_an_error(tmp_path, cli):
    videos = [("s00_a", "train", "signer00", 6), ("same", "dev", "signer08", 6), ("same", "test", "signer10", 7)]
    data = make_synthsign(tmp_path / "data", videos)
    cli("datasets", "prepare", "synthsign", "--data-root", data).expect(1, "'same'", "dev and test")


def test_empty_video_id_is_an_error(tmp_path, cli):
    videos = [("s00_a", "train", "signer00", 6), ("", "test", "signer10", 6)]
    data = make_synthsign(tmp_path / "data", videos)
    cli("datasets", "prepare", "synthsign", "--data-root", data).expect(1, "empty id")


def test_old_cache_with_shared_clip_files_is_refused_then_rebuilt(tmp_path, cli):
    """A cache made with the old, non-injective naming (two ids in one file) is not served."""
    videos = [("s00_a", "train", "signer00", 6), ("sA/v", "test", "signer10", 9), ("sA_v", "test", "signer11", 5)]
    data = make_synthsign(tmp_path / "data", videos)
    cli("datasets", "prepare", "synthsign", "--data-root", data).expect(0)
    folder = next((tmp_path / "home" / "cache" / "synthsign").iterdir())
    index = pd.read_parquet(folder / "index.parquet")
    index.loc[index["id"] == "sA/v", "file"] = "clips/test/sA_v.sclip"  # what the old naming wrote
    index.to_parquet(folder / "index.parquet", index=False)
    meta = json.loads((folder / "meta.json").read_text())
    meta.pop("file_naming")
    (folder / "meta.json").write_text(json.dumps(meta))
    cli("run", "-m", "oracle", "-d", "synthsign", "--data-root", data, "--metrics", "l1",
        "--out", tmp_path / "r").expect(1, "shared clip files", "datasets prepare synthsign")
    cli("datasets", "prepare", "synthsign", "--data-root", data).expect(0)
    cli("run", "-m", "oracle", "-d", "synthsign", "--data-root", data, "--metrics", "l1",
        "--out", tmp_path / "r").expect(0)
    rows = pd.read_parquet(tmp_path / "r" / "results.parquet").set_index("video_id")
    assert rows.loc["sA/v", "n_frames"] == 9


def test_hostile_id_in_reconstruct_and_compare_stays_inside_out(tmp_path, cli, monkeypatch):
    videos = [("s00_a", "train", "signer00", 6), ("../../pwn", "test", "signer10", 6), ("s11_a", "test", "signer11", 6)]
    data = make_synthsign(tmp_path / "data", videos)
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", data, "--metrics", "l1",
        "--out", work / "runs" / "synthsign_test_reconstruction" / "static").expect(0)
    cli("reconstruct", "-m", "static", "-d", "synthsign", "--data-root", data, "--video", "../../pwn").expect(0)
    cli("compare", "-d", "synthsign", "--data-root", data, "--methods", "static", "--video", "../../pwn",
        "--frames", 2).expect(0)
    assert not list(tmp_path.rglob("pwn*")), list(tmp_path.rglob("pwn*"))
    assert (work / "reconstruct" / f"synthsign_{file_stem('../../pwn')}" / "static.mp4").is_file()
    assert (work / "compare" / f"synthsign_{file_stem('../../pwn')}.png").is_file()
