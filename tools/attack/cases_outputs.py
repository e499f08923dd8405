"""Where results go: read-only and full folders, --out below a regular file (category disk), and an output held
by a second writer (category concurrency)."""

from __future__ import annotations

import shutil

from .checks import exists, not_exists
from .commands import CMP, EVAL, LB, POSE_EVAL, REC, RUN, TRAIN
from .harness import REPO, RUN_REL, TINY_TPSMM, Case


def disk_cases(out: list[Case]) -> None:
    """Read-only and full outputs."""
    add = out.append
    def writers(place):
        P = place
        return [
            ("run", RUN + ["--out", f"{{C}}/{P}/run"]),
            ("evaluate", EVAL + ["--out", f"{{C}}/{P}/r.parquet"]),
            ("reconstruct", REC + ["--out", f"{{C}}/{P}/rec"]),
            ("compare", CMP + ["--out", f"{{C}}/{P}/cmp"]),
            ("leaderboard", LB + ["--out", f"{{C}}/{P}/lb"]),
            ("check --write-baseline", ["check", "{run}", "-b", f"{{C}}/{P}/b.yaml", "--write-baseline"]),
            ("video convert", ["video", "convert", "{clip}", f"{{C}}/{P}/c.gif"]),
            ("video convert to folder", ["video", "convert", "{clip}", f"{{C}}/{P}/frames"]),
            ("datasets pairs", ["datasets", "pairs", "synthsign", "--data-root", "{data}", "--out", f"{{C}}/{P}/p.csv"]),
            ("datasets verify --missing-out", ["datasets", "verify", "synthsign", "--data-root", "{data}", "--missing-out",
                                               f"{{C}}/{P}/m.txt"]),
            ("weights pack", ["weights", "pack", "{ckpt}", f"{{C}}/{P}/p.pt"]),
            ("pose estimate", ["pose", "estimate", "{clip}", "--estimator", "posenet-synthsign", "--device", "cpu",
                               "--out", f"{{C}}/{P}/kp.npy"]),
            ("pose eval --preview", POSE_EVAL + ["--preview", f"{{C}}/{P}/p.png"]),
            ("pose train", ["pose", "train", "--data-root", "{data}/synthsign", "--device", "cpu", "--set", "steps=1", "--set",
                            "batch_size=2", "--set", "crop=null", "--set", "model.input_size=32", "--out", f"{{C}}/{P}/pose.pt"]),
            ("recognizer train", ["recognizer", "train", "--data-root", "{data}/synthsign", "--no-install", "--no-progress",
                                  "--set", "epochs=1", "--set", "train_size=null", "--set", "temporal_epochs=0", "--out", f"{{C}}/{P}/r.pt"]),
            ("synth", ["synth", "--size", "tiny", "--workers", 1, "--out", f"{{C}}/{P}/s"]),
            ("synth --preview", ["synth", "--size", "tiny", "--workers", 1, "--out", "{out}/s", "--preview", f"{{C}}/{P}/p.png"]),
            ("train", TRAIN + ["--max-steps", 1, *TINY_TPSMM, "--out", f"{{C}}/{P}/t"]),
        ]

    for kind, reason in (("ro", "read-only"), ("full", "no space left")):
        for name, argv in writers(kind):
            empty_ok = kind == "full" and name == "datasets verify --missing-out"  # nothing missing: an empty file fits
            add(Case(f"{name} into a {reason} folder", "disk", argv, setup=lambda c, k=kind: c.mount(k, k),
                     code=(0, 1) if empty_ok else 1, names=(kind, reason), timeout=300,
                     allowed=("out", "home", "cwd", kind)))
    for name, argv in (
        ("weights add (home)", ["weights", "add", "posenet.synthsign", str(REPO / "slvg_bench/shipped/posenet-synthsign.pt")]),
        ("datasets prepare (home)", ["datasets", "prepare", "synthsign", "--data-root", "{data}", "--resolution", 64]),
        ("run (home cache)", ["run", "-m", "static", "-d", "synthsign", "--data-root", "{data}", "--resolution", 64,
                              "--metrics", "l1", "--out", "{out}"]),
    ):
        for kind, reason in (("ro", "read-only"), ("full", "no space left")):
            add(Case(f"{name} with a {reason} SLVG_BENCH_HOME", "disk", argv,
                     setup=lambda c, k=kind: (shutil.rmtree(c.p("home")), c.mount("home", k)),
                     code=1, names=("home", reason), timeout=300))
    for name, argv in writers("file")[:10] + [("train", TRAIN + ["--max-steps", 1, "--out", "{C}/file/t"])]:
        add(Case(f"{name} with --out below a regular file", "disk", argv, setup=lambda c: c.write("file", "keep"),
                 code=(1, 2), names=("file",), check=lambda c, r: None if c.p("file").read_text() == "keep" else "file changed"))


def concurrency_cases(out: list[Case]) -> None:
    """Concurrency (second writer simulated by a held lock)."""
    add = out.append
    add(Case("run into a run directory held by another writer", "concurrency", RUN + ["--out", "{out}"],
             setup=lambda c: (c.p("out").mkdir(), c.hold_lock(c.p("out/.lock"))), code=1, names=("in use by pid",),
             check=not_exists("out/results.parquet")))
    add(Case("evaluate into a results file held by another writer", "concurrency", EVAL + ["--out", "{out}/r.parquet"],
             setup=lambda c: (c.p("out").mkdir(), c.hold_lock(c.p("out/.r.parquet.lock"))), code=1, names=("in use by pid",),
             check=not_exists("out/r.parquet")))
    add(Case("train into a training folder held by another writer", "concurrency",
             TRAIN + ["--max-steps", 1, *TINY_TPSMM, "--out", "{out}"],
             setup=lambda c: (c.p("out").mkdir(), c.hold_lock(c.p("out/.lock"))), code=1, names=("in use by pid",),
             check=not_exists("out/final.pt")))
    add(Case("synth into a folder held by another writer", "concurrency",
             ["synth", "--size", "tiny", "--workers", 1, "--out", "{out}"],
             setup=lambda c: (c.p("out").mkdir(), c.hold_lock(c.p("out/.lock"))), code=(1, 2), names=("out",),
             check=not_exists("out/index.csv")))
    add(Case("run with a stale lock file (holder gone)", "concurrency", RUN + ["--out", "{out}"],
             setup=lambda c: c.write("out/.lock", "999999\n"), code=0, check=exists("out/aggregate.json")))
    add(Case("evaluate with a stale lock file (holder gone)", "concurrency", EVAL + ["--out", "{out}/r.parquet"],
             setup=lambda c: c.write("out/.r.parquet.lock", "999999\n"), code=0, check=exists("out/r.parquet")))
    add(Case("run rerun with another configuration", "concurrency", RUN + ["--metrics", "l1,psnr", "--out", "{out}"],
             setup=lambda c: shutil.copytree(c.B / "runs" / RUN_REL, c.p("out")), code=(1, 2), names=("--overwrite",)))
