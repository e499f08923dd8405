"""Class 9 of issue 16: errors say what is wrong in one line, on stderr, and never advise unsafe loading."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time

import pytest
import torch

from slvg_bench.video import write_mp4

from .conftest import frames_for


class _Payload:
    """Pickled, it would create MARKER when loaded without weights_only."""

    marker = ""

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def hostile_files(tmp_path):
    """name -> path of files that must never load: empty, text, raw pickle, torch file with a payload."""
    marker = tmp_path / "PWNED"
    _Payload.marker = str(marker)
    files = {"empty": tmp_path / "empty.pt", "text": tmp_path / "text.pt", "pickle": tmp_path / "pickle.pt",
             "torch-payload": tmp_path / "payload.pt", "truncated": tmp_path / "truncated.pt"}
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not a checkpoint\n")
    with open(files["pickle"], "wb") as f:
        pickle.dump({"model": _Payload()}, f)
    torch.save({"model": {"w": torch.zeros(2)}, "x": _Payload()}, files["torch-payload"])
    torch.save({"model": {"w": torch.zeros(1000)}}, tmp_path / "full.pt")
    files["truncated"].write_bytes((tmp_path / "full.pt").read_bytes()[:300])
    return files, marker


REASONS = {"empty": "empty or truncated", "text": "not a PyTorch checkpoint", "pickle": "not a PyTorch checkpoint",
           "torch-payload": "Python objects", "truncated": "not a complete PyTorch checkpoint"}


def _check_safe(r, marker):
    assert "weights_only=False" not in r.err and "`False`" not in r.err and "trusted source" not in r.err
    assert len([line for line in r.err.splitlines() if line.startswith("error:")]) == 1
    assert not marker.exists(), "a pickled payload ran"


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_hostile_checkpoint_for_run(kind, cli, tmp_path, synth):
    files, marker = hostile_files(tmp_path)
    r = cli("run", "-m", "tpsmm", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--no-train",
            "--checkpoint", files[kind], "--out", tmp_path / "r")
    r.expect(1, str(files[kind]), REASONS[kind])
    _check_safe(r, marker)


@pytest.mark.parametrize("method", ["pgmm", "mraa", "dynast"])
def test_hostile_checkpoint_for_every_method(method, cli, tmp_path, synth):
    files, marker = hostile_files(tmp_path)
    for kind in ("empty", "torch-payload"):
        r = cli("reconstruct", "-m", method, "-d", "synthsign", "--data-root", synth, "--video", "s10_a",
                "--checkpoint", files[kind], "--out", tmp_path / "rec")
        r.expect(1, str(files[kind]), REASONS[kind])
        _check_safe(r, marker)


@pytest.mark.parametrize("kind", ["empty", "text", "torch-payload"])
def test_hostile_i3d_in_the_cache_makes_fvd_fail_clearly(kind, cli, tmp_path, monkeypatch):
    """A bad FVD network file placed in the cache by hand (not through `weights add`)."""
    from slvg_bench import weights

    files, marker = hostile_files(tmp_path)
    dest = weights.cache_path("i3d.k400-tats")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(files[kind].read_bytes())
    pred, target = tmp_path / "p", tmp_path / "t"
    for d in (pred, target):
        for i in range(2):
            write_mp4(d / f"v{i}.mp4", frames_for(f"v{i}{d.name}", 16), lossless=True)
    r = cli("evaluate", "--pred", pred, "--target", target, "--metrics", "fvd", "--out", tmp_path / "r.parquet",
            "--no-progress")
    assert r.code == 1 and "Traceback" not in r.err and "aborted" not in r.err
    assert REASONS[kind] in r.err and str(dest) in r.err
    _check_safe(r, marker)


def test_hostile_posenet_in_the_cache(cli, tmp_path, clip_path=None):
    from slvg_bench import weights

    files, marker = hostile_files(tmp_path)
    dest = weights.cache_path("posenet.synthsign")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(files["torch-payload"].read_bytes())
    video = tmp_path / "v.mp4"
    write_mp4(video, frames_for("v", 3), lossless=True)
    r = cli("pose", "estimate", video, "--estimator", "posenet-synthsign", "--out", tmp_path / "kp.npy")
    r.expect(1, str(dest), "Python objects")
    _check_safe(r, marker)


def test_unknown_dataset_in_train_is_named_not_the_preset(cli, monkeypatch):
    import slvg_bench.training.runner as training

    monkeypatch.setattr(training, "train_resolved", lambda *a, **k: pytest.fail("training started"))
    cli("train", "-m", "tpsmm", "-d", "synthsing", "--preset", "quick").expect(
        2, "unknown dataset 'synthsing'", "Did you mean 'synthsign'")


def test_leaderboard_unknown_split_suggests(cli, tmp_path):
    cli("leaderboard", "-d", "synthsign", "--split", "tset", "--runs", tmp_path, "--out", tmp_path / "lb").expect(
        2, "'tset'", "Did you mean 'test'")


def test_leaderboard_names_a_corrupt_aggregate(cli, tmp_path, synth):
    runs = tmp_path / "runs"
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1",
        "--out", runs / "ok" / "static").expect(0)
    bad = runs / "bad" / "oracle" / "aggregate.json"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"aggregate": [1, 2')
    r = cli("leaderboard", "-d", "synthsign", "--runs", runs, "--out", tmp_path / "lb", "--no-reported").expect(0)
    assert f"skipped {str(bad)!r}" in r.err and "not a readable slvg-bench aggregate" in r.err
    assert "| static | measured |" in (tmp_path / "lb" / "synthsign_test_reconstruction.md").read_text()


def test_leaderboard_marks_an_incomplete_run(cli, tmp_path, synth):
    import csv as _csv

    runs = tmp_path / "runs"
    with open(synth / "synthsign" / "index.csv", newline="") as f:
        row = next(r for r in _csv.DictReader(f) if r["id"] == "s11_a")
    (synth / "synthsign" / row["video"]).write_bytes(b"broken")
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1",
        "--out", runs / "static").expect(1, "1 of 4 videos failed")
    cli("leaderboard", "-d", "synthsign", "--runs", runs, "--out", tmp_path / "lb", "--no-reported").expect(0)
    md = (tmp_path / "lb" / "synthsign_test_reconstruction.md").read_text()
    assert "| static | measured |  | 3 of 4 (incomplete) |" in md or "3 of 4 (incomplete)" in md
    assert "incomplete: 3 of 4 videos scored" in (tmp_path / "lb" / "synthsign_test_reconstruction.csv").read_text()


def test_compare_unknown_method_suggests(cli, tmp_path, synth):
    cli("compare", "-d", "synthsign", "--data-root", synth, "--methods", "statc", "--video", "s10_a",
        "--out", tmp_path / "c").expect(2, "unknown method 'statc'", "Did you mean 'static'")


def test_compare_and_reconstruct_unknown_video_suggest(cli, tmp_path, synth):
    cli("reconstruct", "-m", "static", "-d", "synthsign", "--data-root", synth, "--video", "s10_c",
        "--out", tmp_path / "r").expect(2, "'s10_c'", "did you mean")
    cli("compare", "-d", "synthsign", "--data-root", synth, "--methods", "static", "--video", "s10_c",
        "--out", tmp_path / "c").expect(2, "'s10_c'", "did you mean")


def test_ctrl_c_in_evaluate_says_interrupted_and_keeps_rows(cli, tmp_path, monkeypatch):
    import slvg_bench.evaluate as ev

    pred, target = tmp_path / "p", tmp_path / "t"
    for i in range(3):
        for d in (pred, target):
            write_mp4(d / f"v{i}.mp4", frames_for(f"v{i}", 4), lossless=True)
    real = ev._score_video
    calls = []

    def interrupt_second(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(ev, "_score_video", interrupt_second)
    out = tmp_path / "r.parquet"
    cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1", "--out", out, "--no-progress",
        "--set", "options.fvd.batch_clips=4").expect(130, "interrupted", "rerun the same command to resume")
    monkeypatch.setattr(ev, "_score_video", real)
    r = cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1", "--out", out, "--no-progress",
            "--set", "options.fvd.batch_clips=4").expect(0)
    assert "3 of 3 videos scored" in r.out


@pytest.mark.slow
def test_sigint_to_a_running_evaluate_process(tmp_path):
    """The real signal, in a process of its own: exit 130 and the 'interrupted' line, not 'aborted'."""
    pred, target = tmp_path / "p", tmp_path / "t"
    for i in range(40):
        for d in (pred, target):
            write_mp4(d / f"v{i:02d}.mp4", frames_for(f"v{i}", 24), lossless=True)
    p = subprocess.Popen([sys.executable, "-m", "slvg_bench", "evaluate", "--pred", pred, "--target", target,
                          "--metrics", "l1,ssim,tcd", "--out", tmp_path / "r.parquet", "--no-progress"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1"},
                         # a test run started in the background inherits SIGINT ignored; Python then keeps it so
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and not (tmp_path / "r.parquet.shards").exists():
        time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err[-2000:]
    assert "interrupted" in err.strip().splitlines()[-1] and "Traceback" not in err


def test_errors_with_markup_characters_are_printed_verbatim(cli, tmp_path):
    weird = tmp_path / "[bold]x[/bold].mp4"
    cli("video", "info", weird).expect(1, "[bold]x[/bold].mp4", "does not exist")


# ---- found by tools/attack.py: typos that were silently ignored, or blamed on something else


def test_unknown_recognizer_id_suggests_everywhere(cli, tmp_path, synth):
    """Before: recognize said "checkpoint does not exist" (exit 1); evaluate and run reported WER
    "unavailable" and exited 0."""
    clip = tmp_path / "c.mp4"
    write_mp4(clip, frames_for("c", 4), lossless=True)
    cli("recognizer", "recognize", clip, "--recognizer", "corrnet-synthsig").expect(
        2, "'corrnet-synthsig'", "Did you mean 'corrnet-synthsign'")
    pred, target = tmp_path / "p", tmp_path / "t"
    for d in (pred, target):
        write_mp4(d / "v0.mp4", frames_for("v0", 4), lossless=True)
    cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1,wer", "--wer-recognizer", "corrnet-synthsig",
        "--no-progress", "--out", tmp_path / "r.parquet").expect(2, "'corrnet-synthsig'", "Did you mean")
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1,wer",
        "--wer-recognizer", "corrnet-synthsig", "--out", tmp_path / "run").expect(2, "'corrnet-synthsig'", "Did you mean")
    assert not (tmp_path / "r.parquet").exists() and not (tmp_path / "run" / "results.parquet").exists()


def test_unknown_video_kind_suggests(cli, synth):
    """Before: "no sentance videos in split 'test'" (exit 1), as if the split were empty."""
    cli("recognizer", "eval", "--data-root", synth / "synthsign", "--kinds", "sentance").expect(
        2, "--kinds 'sentance'", "Did you mean 'sentence'")


def test_unknown_train_preset_is_never_ignored(cli, tmp_path, synth):
    """Before: an unused --train-preset (static; a checkpoint given) was ignored and the run exited 0."""
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--train-preset", "quik",
        "--out", tmp_path / "a").expect(2, "--train-preset 'quik'", "not trainable")
    cli("run", "-m", "tpsmm", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--train-preset", "quik",
        "--checkpoint", "tpsmm.synthsign", "--out", tmp_path / "b").expect(2, "--train-preset 'quik'", "unknown preset")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize("argv", [
    ["run", "-m", "static", "-d", "synthsign", "--metrics", "l11", "--out", "OUT"],
    ["run", "-m", "static", "-d", "synthsign", "--metrics", "akd", "--keypoint-estimator", "posenet-synthsig",
     "--out", "OUT"],
    ["evaluate", "--pred", "P", "--target", "T", "--metrics", "akd", "--keypoint-estimator", "posenet-synthsig",
     "--out", "OUT/r.parquet"],
], ids=["run metric", "run estimator", "evaluate estimator"])
def test_a_typo_creates_no_output_folder(argv, cli, tmp_path, synth, monkeypatch):
    """Names are checked before the output folder is made (before: an empty run folder was left behind)."""
    monkeypatch.chdir(tmp_path)
    for d in ("P", "T"):
        write_mp4(tmp_path / d / "v0.mp4", frames_for("v0", 4), lossless=True)
    if argv[0] == "run":
        argv += ["--data-root", str(synth)]
    r = cli(*argv)
    assert r.code == 2 and "Traceback" not in r.err and "Did you mean" in r.last, r.err[-2000:]
    assert not (tmp_path / "OUT").exists()


@pytest.mark.parametrize("kind", ["torch-payload", "text"])
def test_a_bad_wer_recognizer_file_fails_instead_of_unavailable(kind, cli, tmp_path):
    """Before: a damaged or malicious --wer-recognizer file made WER 'unavailable' and evaluate exited 0."""
    files, marker = hostile_files(tmp_path)
    pred, target = tmp_path / "p", tmp_path / "t"
    for d in (pred, target):
        write_mp4(d / "v0.mp4", frames_for("v0", 4), lossless=True)
    glosses = tmp_path / "g.txt"
    glosses.write_text("v0|HELLO\n")
    r = cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1,wer", "--glosses", glosses,
            "--wer-recognizer", files[kind], "--no-progress", "--out", tmp_path / "r.parquet")
    r.expect(1, str(files[kind]), REASONS[kind])
    _check_safe(r, marker)


def test_a_checkpoint_of_the_wrong_shapes_is_one_line(cli, tmp_path, synth):
    """Before: torch's multi-line 'size mismatch' traceback; now one line naming the file and the first mismatch."""
    from slvg_bench import weights

    shipped = torch.load(weights.weight_path("tpsmm.synthsign"), map_location="cpu", weights_only=True)
    key = next(k for k, v in shipped["model"].items() if v.dim() >= 2)
    shipped["model"][key] = torch.zeros(*[s + 1 for s in shipped["model"][key].shape])
    bad = tmp_path / "wrong-shape.pt"
    torch.save(shipped, bad)
    cli("run", "-m", "tpsmm", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--no-train",
        "--checkpoint", bad, "--out", tmp_path / "r", "--device", "cpu").expect(1, str(bad), "size mismatch")


def test_run_with_a_checkpoint_from_elsewhere_writes_nothing_beside_it(cli, tmp_path, synth):
    """Before: run --checkpoint X left X.sha256.json next to the user's file (a write outside the run folder)."""
    import shutil

    from slvg_bench import weights

    theirs = tmp_path / "theirs"
    theirs.mkdir()
    ck = theirs / "tpsmm.pt"
    shutil.copy(weights.weight_path("tpsmm.synthsign"), ck)
    before = sorted(p.name for p in theirs.iterdir())
    cli("run", "-m", "tpsmm", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--no-train", "--limit", 1,
        "--checkpoint", ck, "--out", tmp_path / "r", "--device", "cpu").expect(0)
    assert sorted(p.name for p in theirs.iterdir()) == before
    assert weights.cached_sha256(ck) == weights.sha256_file(ck)  # the record lives in the cache home
