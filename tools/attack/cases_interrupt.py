"""Interruptions: SIGINT, SIGTERM and SIGKILL in the middle of evaluate, run, train and datasets prepare, then a
rerun or resume that must match the uninterrupted result (category interrupt)."""

from __future__ import annotations

import json
import os
import signal
import time

from .checks import no_tmp_left, rows_equal
from .commands import TRAIN
from .harness import TINY_TPSMM, Case, Res


def interrupt_cases(out: list[Case]) -> None:
    """Interruptions."""
    add = out.append
    def interrupted(argv, sig, ready, rerun_check, expect_codes):
        def custom(c):
            p = c.popen(argv)
            deadline = time.time() + 120
            while time.time() < deadline and p.poll() is None and not ready(c):
                time.sleep(0.05)
            early = p.poll() is not None
            if not early:
                time.sleep(0.3)
                if sig == signal.SIGINT:
                    p.send_signal(sig)  # the process only (like Ctrl-C in a shell would reach its group)
                else:
                    os.killpg(p.pid, sig)
            out, err = p.communicate(timeout=180)
            first = Res(p.returncode, out, err)
            again = c.run(argv)
            problem = None
            if early:
                problem = "finished before the signal (case too short)"
            elif first.code not in expect_codes:
                problem = f"interrupted exit {first.code}, expected one of {expect_codes}"
            elif again.code != 0:
                problem = f"rerun exit {again.code}: {again.last}"
            else:
                problem = rerun_check(c)
            if "Traceback" in again.err:
                first.err += "\n[rerun]\n" + again.err
            c.problem = problem
            return first
        return custom

    EV_BIG = ["evaluate", "--pred", "{B}/bigpred", "--target", "{B}/bigtarget", "--metrics", "l1,ssim,tcd", "--no-progress",
              "--resamples", "100", "--out", "{out}/r.parquet"]
    RUN_BIG = ["run", "-m", "static", "-d", "synthsign", "--data-root", "{B}/bigdata", "--metrics", "l1,ssim,tcd",
               "--device", "cpu", "--resamples", "100", "--out", "{out}/run"]

    def ev_ready(c):
        return any(c.p("out/r.parquet.shards").glob("*.parquet")) if c.p("out/r.parquet.shards").exists() else False

    def run_ready(c):
        d = c.p("out/run/videos")
        return d.exists() and len(list(d.glob("*.mp4"))) >= 2

    def ev_same(c):
        return rows_equal(c.p("out/r.parquet"), c.B / "bigref.parquet") or no_tmp_left(c.p("out"))

    def run_same(c):
        problem = rows_equal(c.p("out/run/results.parquet"), c.B / "bigrun" / "results.parquet")
        if problem:
            return problem
        for v in (c.B / "bigrun" / "videos").glob("*.mp4"):
            mine = c.p("out/run/videos") / v.name
            if not mine.is_file() or mine.read_bytes() != v.read_bytes():
                return f"generated video {v.name} differs from the uninterrupted run"
        ref = json.loads((c.B / "bigrun" / "aggregate.json").read_text())["aggregate"]
        mine = json.loads(c.p("out/run/aggregate.json").read_text())["aggregate"]
        if [(a["name"], a["value"]) for a in ref] != [(a["name"], a["value"]) for a in mine]:
            return "aggregate differs from the uninterrupted run"
        return no_tmp_left(c.p("out"))

    for sig, codes in ((signal.SIGINT, (130,)), (signal.SIGTERM, (-15, 143, 130)), (signal.SIGKILL, (-9,))):
        add(Case(f"evaluate {sig.name} mid-run, rerun", "interrupt", custom=interrupted(EV_BIG, sig, ev_ready, ev_same, codes),
                 code=codes, names=("interrupted",) if sig == signal.SIGINT else ()))
        add(Case(f"run {sig.name} mid-run, rerun", "interrupt", custom=interrupted(RUN_BIG, sig, run_ready, run_same, codes),
                 code=codes, names=("interrupted",) if sig == signal.SIGINT else ()))

    def train_ready(c):
        return c.p("out/log.csv").exists() or c.p("out/config.yaml").exists()

    def train_ok(c):
        import torch

        ck = torch.load(c.p("out/final.pt"), map_location="cpu", weights_only=True)
        return None if ck.get("step") == 3 else f"final step {ck.get('step')}, expected 3"

    TRAIN3 = TRAIN + ["--max-steps", 3, *TINY_TPSMM, "--out", "{out}"]
    for sig, codes in ((signal.SIGINT, (130, 0)), (signal.SIGKILL, (-9, 0))):
        add(Case(f"train {sig.name} mid-run, resume", "interrupt",
                 custom=lambda c, sig=sig, codes=codes: _train_interrupt(c, TRAIN3, sig, codes, train_ready, train_ok),
                 code=codes, names=("interrupted",) if sig == signal.SIGINT else ()))

    def prep_ready(c):
        return any(c.p("home/cache").rglob("*.sclip"))

    def prep_ok(c):
        return None

    def big_synth(c):
        videos = [("s00_a", "train", "signer00", 6)] + [(f"s1{j % 2}_{j:02d}", "test", f"signer1{j % 2}", 24) for j in range(16)]
        c.synth(videos)

    for sig, codes in ((signal.SIGINT, (130,)), (signal.SIGKILL, (-9,))):
        add(Case(f"datasets prepare {sig.name} mid-run, rerun", "interrupt", setup=big_synth,
                 custom=interrupted(["datasets", "prepare", "synthsign", "--data-root", "{hd}", "--workers", 1], sig,
                                    prep_ready, prep_ok, codes),
                 code=codes, names=("interrupted",) if sig == signal.SIGINT else ()))



def _train_interrupt(c, argv, sig, codes, ready, ok):
    p = c.popen(argv)
    deadline = time.time() + 120
    while time.time() < deadline and p.poll() is None and not ready(c):
        time.sleep(0.05)
    if p.poll() is None:
        time.sleep(0.5)
        p.send_signal(sig) if sig == signal.SIGINT else os.killpg(p.pid, sig)
    out, err = p.communicate(timeout=180)
    first = Res(p.returncode, out, err)
    again = c.run(list(argv) + (["--resume"] if c.p("out/latest.pt").exists() else []))
    if again.code != 0:
        c.problem = f"resume exit {again.code}: {again.last}"
    else:
        c.problem = ok(c) or no_tmp_left(c.p("out"))
    if "Traceback" in again.err:
        first.err += "\n[rerun]\n" + again.err
    return first
