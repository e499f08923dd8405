"""Class 4 of issue 16: one writer per run directory or results file; a mix is never aggregated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from slvg_bench.video import write_mp4

from .conftest import frames_for


def _eval_tree(tmp_path, n=3, frames=4):
    pred, target = tmp_path / "p", tmp_path / "t"
    for i in range(n):
        write_mp4(target / f"v{i:02d}.mp4", frames_for(f"v{i}", frames), lossless=True)
        write_mp4(pred / f"v{i:02d}.mp4", frames_for(f"w{i}", frames), lossless=True)
    return pred, target


def test_second_run_into_a_busy_run_directory_is_refused(cli, tmp_path, synth):
    from slvg_bench.data.locking import lock_output

    out = tmp_path / "run"
    out.mkdir()
    with lock_output(out / ".lock", "x"):  # another writer holds the directory
        cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1",
            "--out", out).expect(1, str(out), f"in use by pid {os.getpid()}")
    assert not (out / "results.parquet").exists() and not (out / "videos").exists()
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--out", out).expect(0)


def test_second_evaluate_into_a_busy_results_file_is_refused(cli, tmp_path):
    from slvg_bench.data.locking import lock_output

    pred, target = _eval_tree(tmp_path)
    out = tmp_path / "r.parquet"
    with lock_output(tmp_path / ".r.parquet.lock", "x"):
        cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1", "--out", out,
            "--no-progress").expect(1, "r.parquet", "in use by pid")
    assert not out.exists()
    cli("evaluate", "--pred", pred, "--target", target, "--metrics", "l1", "--out", out, "--no-progress").expect(0)


def test_rows_of_another_configuration_written_meanwhile_are_refused(cli, tmp_path, synth, monkeypatch):
    """A second writer that ignored the lock (no flock on a network disk): no aggregate of the mix."""
    import slvg_bench.data.locking as locking
    from slvg_bench import results

    monkeypatch.setattr(locking, "lock_output", lambda path, what: locking.DirectoryLock(None, path))
    other = tmp_path / "other"
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1,ssim",
        "--out", other).expect(0)
    foreign = pd.read_parquet(other / "results.parquet")
    real_finalize = results.ResultStore.finalize

    def finalize_with_intruder(self, provenance=None):
        self.shard_dir.mkdir(parents=True, exist_ok=True)
        foreign.to_parquet(self.shard_dir / "part-intruder-000001.parquet")
        return real_finalize(self, provenance)

    monkeypatch.setattr(results.ResultStore, "finalize", finalize_with_intruder)
    out = tmp_path / "run"
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1",
        "--out", out).expect(1, "rows of another configuration", "nothing was aggregated")
    assert not (out / "aggregate.json").exists()


@pytest.mark.slow
def test_two_evaluate_processes_with_the_same_out(tmp_path):
    """The real race: two processes started together; one writes, the other is told who holds it."""
    pred, target = _eval_tree(tmp_path, n=12, frames=16)
    out = tmp_path / "r.parquet"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-m", "slvg_bench", "evaluate", "--pred", pred, "--target", target,
                               "--metrics", m, "--out", out, "--no-progress"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for m in ("l1,ssim", "l1")]
    done = [p.communicate(timeout=600) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 1], [d[1][-1500:] for d in done]
    loser = done[[p.returncode for p in procs].index(1)][1]
    assert "in use by pid" in loser.strip().splitlines()[-1] and "Traceback" not in loser
    rows = pd.read_parquet(out)
    assert rows["run_id"].nunique() == 1 and len(rows) == 12


@pytest.mark.slow
def test_kill_9_leaves_no_stale_lock(tmp_path, synth):
    """A writer killed with SIGKILL holds nothing afterwards: the same command resumes."""
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "SLVG_BENCH_HOME": os.environ["SLVG_BENCH_HOME"]}
    args = [sys.executable, "-m", "slvg_bench", "run", "-m", "static", "-d", "synthsign", "--data-root", synth,
            "--metrics", "l1", "--out", out]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and not (out / ".lock").exists():
        time.sleep(0.1)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert len(pd.read_parquet(out / "results.parquet")) == 4


def test_second_training_into_a_busy_folder_is_refused(cli, tmp_path, synth):
    """Found by tools/attack.py: two trainers in one --out interleaved their latest.pt/log.csv."""
    from slvg_bench.data.locking import lock_output

    out = tmp_path / "train"
    out.mkdir()
    tiny = ["--set", "train.batch_size=1", "--set", "model.generator.block_expansion=8", "--set",
            "model.generator.max_features=32", "--set", "model.dense_motion.block_expansion=8", "--set",
            "model.dense_motion.max_features=32", "--set", "model.num_tps=3"]
    with lock_output(out / ".lock", "x"):
        cli("train", "-m", "tpsmm", "-d", "synthsign", "--data-root", synth, "--preset", "quick", "--max-steps", 1,
            *tiny, "--device", "cpu", "--no-progress", "--out", out).expect(1, str(out), f"in use by pid {os.getpid()}")
    assert not (out / "latest.pt").exists() and not (out / "log.csv").exists()


def test_temp_files_of_a_killed_writer_are_removed(cli, tmp_path, synth):
    """Found by tools/attack.py: after kill -9 during a shard write, the rerun left '.part-….tmp' behind."""
    out = tmp_path / "run"
    shards = out / "results.parquet.shards"
    shards.mkdir(parents=True)
    (shards / ".part-1-abc-000001.parquet.x1y2.tmp").write_bytes(b"half a shard")
    (out / ".results.parquet.z3.tmp").write_bytes(b"half a file")
    cli("run", "-m", "static", "-d", "synthsign", "--data-root", synth, "--metrics", "l1", "--out", out).expect(0)
    assert not list(out.rglob("*.tmp"))
