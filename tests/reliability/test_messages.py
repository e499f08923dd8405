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
