"""The attack harness: a case's outcome (Res), a case (Case), its folder, inputs and subprocess runner (Ctx),
Skip, and the inputs shared by every case, built once per work folder (run_base, build_base)."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from tests.reliability.conftest import DEFAULT_VIDEOS, frames_for, make_synthsign  # noqa: E402

PY = [sys.executable] if os.environ.get("ATTACK_NO_NICE") else ["nice", "-n", "15", sys.executable]
ROOT = os.geteuid() == 0


# ---------------------------------------------------------------------------------------------- results
@dataclass
class Res:
    code: int
    out: str
    err: str
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def last(self) -> str:
        lines = [line for line in self.err.splitlines() if line.strip()]
        return lines[-1] if lines else ""


@dataclass
class Case:
    name: str
    cat: str
    argv: Callable | list | None = None      # list of str with {placeholders}, or ctx -> list
    setup: Callable | None = None             # ctx -> None
    code: int | tuple = 0                     # expected exit code(s)
    names: tuple = ()                         # fragments the last stderr line must hold (failures)
    check: Callable | None = None             # (ctx, res) -> None or "what is wrong"
    allowed: tuple = ("out", "home", "cwd")   # folders of the case where files may appear
    custom: Callable | None = None            # ctx -> Res (replaces the single argv run)
    timeout: int = 180
    needs_root: bool = False


class Ctx:
    def __init__(self, case_dir: Path, base: Path, work: Path):
        self.C, self.B, self.work = case_dir, base, work
        self.mounts: list[Path] = []
        self.held: list = []
        (self.C / "in").mkdir(parents=True)
        (self.C / "cwd").mkdir()
        shutil.copytree(base / "home", self.C / "home", symlinks=True)
        self.vars = {"C": str(self.C), "B": str(base), "data": str(base / "data"), "in": str(self.C / "in"),
                     "out": str(self.C / "out"), "pred": str(base / "pred"), "target": str(base / "target"),
                     "clip": str(base / "clip.mp4"), "rp": str(base / "r.parquet"), "run": str(base / "runs" / RUN_REL),
                     "runs": str(base / "runs"), "ckpt": str(base / "tr" / "final.pt"), "baseline": str(base / "baseline.yaml")}

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "SLVG_BENCH_DATA"}
        env.update(SLVG_BENCH_HOME=str(self.C / "home"), OMP_NUM_THREADS="1", PYTHONPATH=str(REPO),
                   COLUMNS="200")
        return env

    def fmt(self, argv) -> list[str]:
        if callable(argv):
            argv = argv(self)
        return [str(a).format(**self.vars) if isinstance(a, str) else str(a) for a in argv]

    def run(self, argv, timeout=180, env=None, cwd=None) -> Res:
        start = time.time()
        p = subprocess.Popen(PY + ["-m", "slvg_bench", *self.fmt(argv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, errors="replace", env={**self.env(), **(env or {})}, cwd=cwd or self.C / "cwd",
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
            return Res(p.returncode, out, err, seconds=time.time() - start)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # the command and any worker processes it started
            out, err = p.communicate()
            return Res(-1, out, err, True, time.time() - start)

    def popen(self, argv, **kw):
        return subprocess.Popen(PY + ["-m", "slvg_bench", *self.fmt(argv)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace", env=self.env(),
                                cwd=self.C / "cwd", start_new_session=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kw)

    # ---- input builders
    def p(self, rel: str) -> Path:
        return self.C / rel

    def write(self, rel: str, content) -> Path:
        path = self.C / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def mp4(self, rel: str, n=6, size=32, seed="v", h=None, w=None) -> Path:
        from slvg_bench.video import write_mp4

        frames = frames_for(seed, n, size) if h is None else np.zeros((n, h, w, 3), np.uint8) + 90
        return write_mp4(self.C / rel, frames, lossless=True)

    def synth(self, videos=DEFAULT_VIDEOS, rows: Callable | None = None, rel="in/data", glosses="HELLO") -> Path:
        root = make_synthsign(self.C / rel, videos, glosses=glosses)
        if rows is not None:
            index = root / "synthsign" / "index.csv"
            with open(index, newline="", encoding="utf-8") as f:
                table = list(csv.DictReader(f))
            table = rows(table, root / "synthsign") or table
            fields = list(table[0]) if table else ["id"]
            with open(index, "w", newline="", encoding="utf-8") as f:
                wr = csv.DictWriter(f, fieldnames=fields)
                wr.writeheader()
                wr.writerows(table)
        self.vars["hd"] = str(root)
        return root

    def eval_tree(self, rel="in", n=3, frames=6, size=32, pred_frames=None, pred_size=None) -> tuple[Path, Path]:
        from slvg_bench.video import write_mp4

        pred, target = self.C / rel / "pred", self.C / rel / "target"
        for i in range(n):
            write_mp4(target / f"v{i}.mp4", frames_for(f"v{i}", frames, size), lossless=True)
            write_mp4(pred / f"v{i}.mp4", frames_for(f"w{i}", pred_frames or frames, pred_size or size), lossless=True)
        self.vars.update(ip=str(pred), it=str(target))
        return pred, target

    def mount(self, rel: str, kind: str) -> Path:
        """A read-only ("ro") or full ("full") folder at C/rel."""
        path = self.C / rel
        path.mkdir(parents=True, exist_ok=True)
        if not ROOT:
            if kind == "full":
                raise Skip("a full disk needs root (tmpfs)")
            path.chmod(0o555)
            self.mounts.append(path)
            return path
        opts = "ro,size=1m" if kind == "ro" else "size=64k"
        if subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True).returncode:
            raise Skip("cannot mount a tmpfs")
        self.mounts.append(path)
        if kind == "full":
            try:
                with open(path / ".filler", "wb") as f:
                    while True:
                        f.write(b"\0" * 4096)
                        f.flush()
            except OSError:
                pass
        return path

    def hold_lock(self, lock_path: Path):
        from slvg_bench.data.locking import lock_output

        self.held.append(lock_output(lock_path, "held by the attack driver"))

    def cleanup(self) -> None:
        for lock in self.held:
            lock.release()
        for m in self.mounts:
            if ROOT:
                subprocess.run(["umount", "-l", str(m)], capture_output=True)
            else:
                m.chmod(0o755)


class Skip(Exception):
    pass


RUN_REL = "synthsign_test_reconstruction/static"


# ---------------------------------------------------------------------------------------------- base
def run_base(argv, base: Path, cwd=None, timeout=600) -> None:
    env = {**os.environ, "SLVG_BENCH_HOME": str(base / "home"), "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    env.pop("SLVG_BENCH_DATA", None)
    p = subprocess.run(PY + ["-m", "slvg_bench", *map(str, argv)], capture_output=True, text=True, env=env,
                       cwd=cwd or base, timeout=timeout)
    if p.returncode:
        raise SystemExit(f"base setup failed: {' '.join(map(str, argv))}\n{p.stderr[-3000:]}")


TINY_TPSMM = ["--set", "train.batch_size=1", "--set", "model.generator.block_expansion=8",
              "--set", "model.generator.max_features=32", "--set", "model.dense_motion.block_expansion=8",
              "--set", "model.dense_motion.max_features=32", "--set", "model.num_tps=3",
              "--set", "model.avd.id_bottle_size=16", "--set", "model.avd.pose_bottle_size=16"]


def build_base(base: Path) -> None:
    from slvg_bench.video import write_mp4

    base.mkdir(parents=True)
    data = make_synthsign(base / "data")
    run_base(["datasets", "prepare", "synthsign", "--data-root", data, "--workers", "1"], base)
    for i in range(3):
        write_mp4(base / "target" / f"v{i}.mp4", frames_for(f"v{i}", 6), lossless=True)
        write_mp4(base / "pred" / f"v{i}.mp4", frames_for(f"w{i}", 6), lossless=True)
    write_mp4(base / "clip.mp4", frames_for("clip", 6), lossless=True)
    run_base(["evaluate", "--pred", base / "pred", "--target", base / "target", "--metrics", "l1,ssim",
              "--out", base / "r.parquet", "--no-progress", "--resamples", "200"], base)
    for m in ("static", "oracle"):
        run_base(["run", "-m", m, "-d", "synthsign", "--data-root", data, "--metrics", "l1,ssim", "--device", "cpu",
                  "--resamples", "200", "--out", base / "runs" / "synthsign_test_reconstruction" / m], base)
    run_base(["check", base / "runs" / RUN_REL, "-b", base / "baseline.yaml", "--write-baseline"], base)
    run_base(["train", "-m", "tpsmm", "-d", "synthsign", "--data-root", data, "--preset", "quick", "--max-steps", 1,
              *TINY_TPSMM, "--out", base / "tr", "--no-progress", "--device", "cpu"], base)
    # a longer evaluation (interruption cases) and its uninterrupted reference
    for i in range(24):
        write_mp4(base / "bigtarget" / f"v{i:02d}.mp4", frames_for(f"v{i}", 20, 48), lossless=True)
        write_mp4(base / "bigpred" / f"v{i:02d}.mp4", frames_for(f"w{i}", 20, 48), lossless=True)
    run_base(["evaluate", "--pred", base / "bigpred", "--target", base / "bigtarget", "--metrics", "l1,ssim,tcd",
              "--out", base / "bigref.parquet", "--no-progress", "--resamples", "100"], base)
    # a synthsign copy with 12 test videos (run interruption) and its reference run
    videos = [("s00_a", "train", "signer00", 6)] + [(f"s1{j % 2}_{j:02d}", "test", f"signer1{j % 2}", 16)
                                                   for j in range(12)]
    big = make_synthsign(base / "bigdata", videos)
    run_base(["datasets", "prepare", "synthsign", "--data-root", big, "--workers", "1"], base)
    run_base(["run", "-m", "static", "-d", "synthsign", "--data-root", big, "--metrics", "l1,ssim,tcd", "--device",
              "cpu", "--resamples", "100", "--out", base / "bigrun"], base)
