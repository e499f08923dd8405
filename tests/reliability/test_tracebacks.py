"""Class 7 of issue 16: read-only and full disks, a file where a folder belongs, bad devices, files of
the wrong kind: one line naming the path and the problem, never a traceback."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from slvg_bench.video import write_mp4

from .conftest import frames_for


@pytest.fixture
def no_work(monkeypatch):
    """Training or generating synthsign would mean the edge check did not fire: fail loudly instead."""
    import slvg_bench.data.synthsign as gen
    import slvg_bench.training.runner as training

    def boom(*a, **k):
        raise AssertionError("work started although the output location is unusable")

    monkeypatch.setattr(training, "train_resolved", boom)
    monkeypatch.setattr(gen, "generate", boom)


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    write_mp4(path, frames_for("clip", 4), lossless=True)
    return path


@pytest.fixture
def eval_tree(tmp_path):
    pred, target = tmp_path / "pred", tmp_path / "target"
    for i in range(2):
        write_mp4(target / f"v{i}.mp4", frames_for(f"v{i}", 5), lossless=True)
        write_mp4(pred / f"v{i}.mp4", frames_for(f"w{i}", 5), lossless=True)
    return pred, target


def _commands(kind, place, synth, clip, eval_tree):
    """(name, argv) of every writing command, writing into ``place`` (a folder or a file)."""
    pred, target = eval_tree
    return [
        ("run", ["run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--out", place / "run" if kind == "dir" else place]),
        ("train", ["train", "-m", "tpsmm", "-d", "synthsign", "--preset", "quick", "--max-steps", "1",
                   "--out", place / "train" if kind == "dir" else place]),
        ("synth", ["synth", "--size", "tiny", "--out", place / "synth" if kind == "dir" else place]),
        ("evaluate", ["evaluate", "--pred", pred, "--target", target, "--metrics", "l1", "--no-progress",
                      "--out", (place / "r.parquet") if kind == "dir" else place]),
        ("leaderboard", ["leaderboard", "-d", "synthsign", "--runs", place.parent, "--out", place / "lb" if kind == "dir" else place]),
        ("reconstruct", ["reconstruct", "-m", "static", "-d", "synthsign", "--data-root", synth, "--video", "s10_a",
                         "--out", place / "rec" if kind == "dir" else place]),
        ("video convert", ["video", "convert", clip, (place / "c.gif") if kind == "dir" else place]),
    ]


NAMES = ["run", "train", "synth", "evaluate", "leaderboard", "reconstruct", "video convert"]


@pytest.mark.parametrize("name", NAMES)
def test_read_only_output(name, cli, readonly_dir, synth, clip, eval_tree, no_work):
    argv = dict(_commands("dir", readonly_dir, synth, clip, eval_tree))[name]
    cli(*argv).expect(1, str(readonly_dir), "read-only")


@pytest.mark.parametrize("name", NAMES)
def test_full_disk_output(name, cli, full_dir, synth, clip, eval_tree, no_work):
    argv = dict(_commands("dir", full_dir, synth, clip, eval_tree))[name]
    cli(*argv).expect(1, str(full_dir), "no space left")


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("evaluate", "video convert")])
def test_out_naming_an_existing_file(name, cli, tmp_path, synth, clip, eval_tree, no_work):
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me")
    argv = dict(_commands("file", existing, synth, clip, eval_tree))[name]
    cli(*argv).expect(2, str(existing), "is an existing file", "expected a folder")
    assert existing.read_text() == "keep me"


def test_evaluate_out_naming_an_existing_folder(cli, tmp_path, eval_tree):
    (tmp_path / "r.parquet").mkdir()
    cli("evaluate", "--pred", eval_tree[0], "--target", eval_tree[1], "--metrics", "l1", "--no-progress",
        "--out", tmp_path / "r.parquet").expect(2, "r.parquet", "existing folder")


def test_video_convert_onto_an_existing_folder(cli, tmp_path, clip):
    (tmp_path / "x.mp4").mkdir()
    cli("video", "convert", clip, tmp_path / "x.mp4").expect(2, "x.mp4", "existing folder")


def test_weights_add_into_a_read_only_cache(cli, tmp_path, readonly_dir, monkeypatch):
    monkeypatch.setenv("SLVG_BENCH_HOME", str(readonly_dir / "home"))
    src = tmp_path / "posenet.pt"
    src.write_bytes(b"whatever")
    cli("weights", "add", "posenet.synthsign", src).expect(1, "weights", "read-only")


def test_weights_add_into_a_full_cache(cli, tmp_path, full_dir, monkeypatch):
    monkeypatch.setenv("SLVG_BENCH_HOME", str(full_dir / "home"))
    src = tmp_path / "posenet.pt"
    src.write_bytes(b"whatever")
    cli("weights", "add", "posenet.synthsign", src).expect(1, str(full_dir), "no space left")


def test_weights_add_of_a_folder_or_missing_file(cli, tmp_path):
    cli("weights", "add", "posenet.synthsign", tmp_path).expect(2, str(tmp_path), "folder")
    cli("weights", "add", "posenet.synthsign", tmp_path / "nope.pt").expect(2, "nope.pt", "does not exist")


def test_prepare_into_a_read_only_home(cli, synth, readonly_dir, monkeypatch):
    monkeypatch.setenv("SLVG_BENCH_HOME", str(readonly_dir))
    cli("datasets", "prepare", "synthsign", "--data-root", synth).expect(1, str(readonly_dir), "read-only")


def test_prepare_onto_a_full_disk_aborts_instead_of_failing_every_video(cli, synth, tmp_path):
    """A disk that fills up while clips are written stops the preparation (not 'N failed, exit 0')."""
    import os
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    home = tmp_path / "small"
    home.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(home)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        os.environ["SLVG_BENCH_HOME"] = str(home)
        r = cli("datasets", "prepare", "synthsign", "--data-root", synth, "--workers", "1")
        r.expect(1, str(home), "no space left")
    finally:
        subprocess.run(["umount", "-l", str(home)])


def test_run_when_the_disk_fills_up_during_the_run(cli, synth, tmp_path):
    """Room for run.yaml and the lock, not for the videos: the run stops with the path, exit 1."""
    import os
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    out = tmp_path / "small"
    out.mkdir()
    cli("datasets", "prepare", "synthsign", "--data-root", synth).expect(0)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", str(out)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        r = cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--out", out)
        r.expect(1, str(out), "no space left")
    finally:
        subprocess.run(["umount", "-l", str(out)])


@pytest.mark.parametrize("argv", [
    ["evaluate", "--pred", "p", "--target", "t", "--out", "r.parquet", "--device", "gpu0"],
    ["run", "-m", "static", "-d", "synthsign", "--device", "gpu0"],
    ["train", "-m", "tpsmm", "-d", "synthsign", "--device", "gpu0"],
    ["reconstruct", "-m", "static", "-d", "synthsign", "--video", "x", "--device", "cuda:x"],
    ["datasets", "prepare", "synthsign", "--device", "tpu"],
    ["pose", "eval", "--estimator", "posenet-synthsign", "--device", "cpu:1"],
])
def test_bad_device_names(argv, cli, tmp_path, monkeypatch, no_work):
    monkeypatch.chdir(tmp_path)
    cli(*argv).expect(2, repr(argv[-1]), "expected auto, cpu, cuda or cuda:N")


def test_cuda_device_without_cuda(cli, tmp_path, monkeypatch):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    monkeypatch.chdir(tmp_path)
    cli("evaluate", "--pred", "p", "--target", "t", "--out", "r.parquet", "--device", "cuda:0").expect(
        2, "'cuda:0'", "CUDA is not available")


def test_fvd_on_files_that_are_not_results(cli, tmp_path):
    text = tmp_path / "notes.parquet"
    text.write_text("hello")
    cli("fvd", text, text).expect(2, "notes.parquet", "is not a Parquet file")
    other = tmp_path / "other.parquet"
    pd.DataFrame({"a": [1, 2]}).to_parquet(other)
    cli("fvd", other, other).expect(2, "other.parquet", "not slvg-bench result rows")
    rows = tmp_path / "rows.parquet"
    pd.DataFrame({"video_id": ["a"], "status": ["ok"], "l1": [0.1]}).to_parquet(rows)
    cli("fvd", rows, rows).expect(2, "rows.parquet", "no stored FVD features")


def test_score_wer_on_non_utf8_and_folders(cli, tmp_path):
    ref = tmp_path / "ref.txt"
    ref.write_text("a|HELLO WORLD\n", encoding="utf-8")
    hyp = tmp_path / "hyp.txt"
    hyp.write_bytes("a|HELLO W\xd6RLD\n".encode("latin-1"))
    cli("score-wer", "--ref", ref, "--hyp", hyp).expect(2, "--hyp", "hyp.txt", "not UTF-8", "line 1")
    cli("score-wer", "--ref", tmp_path, "--hyp", ref).expect(2, "--ref", "folder")
    cli("score-wer", "--ref", ref, "--hyp", ref).expect(0)


def test_evaluate_glosses_not_utf8(cli, tmp_path, eval_tree):
    g = tmp_path / "g.txt"
    g.write_bytes(b"v0|\xff\xfe\n")
    cli("evaluate", "--pred", eval_tree[0], "--target", eval_tree[1], "--metrics", "l1,wer", "--glosses", g,
        "--no-progress", "--out", tmp_path / "r.parquet").expect(2, "--glosses", "not UTF-8")


def test_video_convert_bad_destinations(cli, tmp_path, clip):
    cli("video", "convert", clip, tmp_path / "out.avi").expect(2, "out.avi", "expected a .mp4 or .gif")
    odd = tmp_path / "odd.mp4"
    write_mp4(odd, np.zeros((3, 15, 17, 3), np.uint8), lossless=True)
    cli("video", "convert", odd, tmp_path / "o.mp4").expect(2, "17x15", "--lossless")
    cli("video", "convert", odd, tmp_path / "o.mp4", "--lossless").expect(0)
    cli("video", "convert", clip, tmp_path / "f.gif", "--fps", 500).expect(2, "--fps", "GIF")
    cli("video", "convert", tmp_path / "missing.mp4", tmp_path / "x.gif").expect(1, "missing.mp4", "does not exist")


def test_video_convert_fps_is_written(cli, tmp_path, clip):
    from slvg_bench.video import video_info

    cli("video", "convert", clip, tmp_path / "o.mp4", "--fps", "12.5", "--lossless").expect(0)
    assert video_info(tmp_path / "o.mp4").fps == pytest.approx(12.5)


def test_synth_preview_must_be_an_image_file(cli, tmp_path, no_work):
    cli("synth", "--out", tmp_path / "s", "--preview", tmp_path).expect(2, "--preview", "must be an image file")
    (tmp_path / "p.png").mkdir()
    cli("synth", "--out", tmp_path / "s", "--preview", tmp_path / "p.png").expect(2, "p.png", "existing folder")


def test_out_below_a_file(cli, tmp_path, synth):
    f = tmp_path / "file"
    f.write_text("x")
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1",
        "--out", f / "sub" / "run").expect(2, str(f), "is a file, not a folder")


# ---- found by tools/attack.py


def test_video_info_on_a_fifo_does_not_hang(tmp_path):
    """Before: the decoder blocked forever reading a named pipe (a device never ends either)."""
    import os

    from .conftest import process_result, run_process

    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    process_result(run_process("video", "info", fifo, timeout=120)).expect(1, "pipe.mp4", "not a regular file")


def test_config_files_that_are_not_utf8_or_not_mappings(cli, tmp_path, eval_tree, no_work):
    latin = tmp_path / "c.yaml"
    latin.write_bytes(b"metrics: \xff\xfe\n")
    cli("evaluate", "--pred", eval_tree[0], "--target", eval_tree[1], "--config", latin, "--no-progress",
        "--out", tmp_path / "r.parquet").expect(2, "c.yaml", "not UTF-8")  # before: "a file is not UTF-8" (which?)
    section = tmp_path / "t.yaml"
    section.write_text("train: 5\n")
    cli("train", "-m", "tpsmm", "-d", "synthsign", "--config", section, "--out", tmp_path / "t").expect(
        2, "'train'", "must be a mapping")  # before: AttributeError traceback


def test_pose_outputs_are_checked_before_work(cli, tmp_path, clip):
    """Before: --out naming a folder wrote '<folder>.npy' beside it, a name without .npy got '.npy' appended
    (exit 0, not the file asked for), and a bad --overlay or --preview suffix ended in a traceback."""
    cli("pose", "estimate", clip, "--estimator", "posenet-synthsign", "--out", tmp_path, "--device", "cpu").expect(
        2, str(tmp_path), ".npy")
    assert not (tmp_path.parent / f"{tmp_path.name}.npy").exists()
    cli("pose", "estimate", clip, "--estimator", "posenet-synthsign", "--out", tmp_path / "kp.txt", "--device",
        "cpu").expect(2, "kp.txt", ".npy")
    cli("pose", "estimate", clip, "--estimator", "posenet-synthsign", "--out", tmp_path / "kp.npy", "--overlay",
        tmp_path / "o.avi", "--device", "cpu").expect(2, "--overlay", "o.avi")
    assert not (tmp_path / "kp.txt.npy").exists() and not (tmp_path / "kp.npy").exists()
    cli("pose", "eval", "--estimator", "posenet-synthsign", "--data-root", tmp_path, "--preview", tmp_path / "p.txt",
        "--device", "cpu").expect(2, "--preview", "p.txt")


def test_weights_pack_onto_a_folder(cli, tmp_path):
    """Before: exit 1 naming a temporary file ('.x.tmp-123 -> x: it is a folder')."""
    (tmp_path / "ck.pt").write_bytes(b"not read")
    (tmp_path / "out.pt").mkdir()
    cli("weights", "pack", tmp_path / "ck.pt", tmp_path / "out.pt").expect(2, "out.pt", "existing folder")


class _Payload:
    """Pickled, it would create ``marker`` when loaded with allow_pickle."""

    marker = ""

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("kind", ["text", "pickled object", "nan"])
def test_pose_eval_on_hostile_ground_truth_keypoints(kind, cli, tmp_path, synth):
    """Before: a text or pickled-object .npy ended in numpy's traceback (advising allow_pickle); NaN ground
    truth gave exit 0 with a meaningless PCK."""
    marker = tmp_path / "PWNED"
    _Payload.marker = str(marker)
    for p in (synth / "synthsign" / "keypoints" / "test").glob("*.npy"):
        if kind == "text":
            p.write_text("not numpy")
        elif kind == "pickled object":
            np.save(p, np.array([_Payload()], dtype=object), allow_pickle=True)
        else:
            np.save(p, np.full((6, 133, 3), np.nan, np.float32))
    r = cli("pose", "eval", "--estimator", "posenet-synthsign", "--data-root", synth / "synthsign", "--device", "cpu")
    r.expect(1, "keypoints", ".npy" if kind != "nan" else "NaN")
    assert "allow_pickle" not in r.err and not marker.exists()


def test_meta_json_that_is_not_an_object(cli, tmp_path, synth):
    """Before: AttributeError traceback ('list' object has no attribute 'get')."""
    (synth / "synthsign" / "meta.json").write_text("[1, 2]")
    cli("datasets", "verify", "synthsign", "--data-root", synth).expect(1, "meta.json", "list")


def test_outputs_on_a_full_disk_name_the_path(cli, full_dir, synth, tmp_path):
    """Before: 'no space left on the device' without saying where (the write failed after open)."""
    from slvg_bench.video import write_mp4

    run = tmp_path / "run"
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--out", run).expect(0)
    cli("check", run, "-b", full_dir / "b.yaml", "--write-baseline").expect(1, str(full_dir), "no space left")
    cli("datasets", "pairs", "synthsign", "--data-root", synth, "--out", full_dir / "p.csv").expect(
        1, str(full_dir), "no space left")
    clip = tmp_path / "c.mp4"
    write_mp4(clip, frames_for("c", 3), lossless=True)
    cli("pose", "estimate", clip, "--estimator", "posenet-synthsign", "--out", full_dir / "kp.npy", "--device",
        "cpu").expect(1, str(full_dir), "no space left")


def test_verify_missing_out_creates_its_folder(cli, synth, tmp_path):
    """Before: exit 1 'no such file or folder' where every other output's folder is created."""
    out = tmp_path / "a" / "b" / "missing.txt"
    cli("datasets", "verify", "synthsign", "--data-root", synth, "--missing-out", out).expect(0)
    assert out.is_file()


def test_trainer_outputs_are_checked_before_training(cli, readonly_dir, synth, monkeypatch):
    """Before: recognizer train trained, then died in torch.save with a RuntimeError traceback."""
    import slvg_bench.pose.train as pose_train
    import slvg_bench.recognition.train as rec_train

    def boom(*a, **k):
        raise AssertionError("training started although its output cannot be written")

    monkeypatch.setattr(rec_train, "train_recognizer", boom)
    monkeypatch.setattr(pose_train, "train_posenet", boom)
    cli("recognizer", "train", "--data-root", synth / "synthsign", "--set", "train_size=null", "--no-install",
        "--out", readonly_dir / "r.pt").expect(1, str(readonly_dir), "read-only")
    cli("pose", "train", "--data-root", synth / "synthsign", "--out", readonly_dir / "p.pt").expect(
        1, str(readonly_dir), "read-only")


def test_weights_pack_refuses_foreign_tensors(cli, tmp_path):
    """Before: a dict with method/config/model keys but tensors of no model was packed (exit 0)."""
    import torch

    src = tmp_path / "ck.pt"
    torch.save({"method": "tpsmm", "config": {}, "model": {"conv.weight": torch.zeros(4, 3, 3, 3)}}, src)
    cli("weights", "pack", src, tmp_path / "p.pt").expect(1, "ck.pt", "not a slvg-bench training checkpoint")
    torch.save({"method": "tpsmm", "config": {"loss": {"perceptual_weights": "random"}}, "step": 1,
                "model": {"conv.weight": torch.zeros(4, 3, 3, 3)}}, src)
    cli("weights", "pack", src, tmp_path / "p.pt").expect(1, "ck.pt", "does not fit")
    assert not (tmp_path / "p.pt").exists()
