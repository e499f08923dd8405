"""Malicious and mismatched checkpoints and weight files (category checkpoint)."""

from __future__ import annotations

import shutil

from .checks import not_exists
from .commands import EVAL, POSE_EVAL, TRAIN
from .harness import TINY_TPSMM, Case
from .hostile import hostile_ckpt, never_pwned, wrong_shape_ckpt


def checkpoint_cases(out: list[Case]) -> None:
    """Malicious checkpoints."""
    add = out.append
    KINDS = ["empty", "text", "pickle", "torch-payload", "truncated", "wrong-keys", "tensor-dict", "list",
             "zip-not-torch", "binary"]
    for kind in KINDS:
        add(Case(f"run tpsmm --checkpoint {kind}", "checkpoint",
                 ["run", "-m", "tpsmm", "-d", "synthsign", "--data-root", "{data}", "--metrics", "l1", "--no-train",
                  "--device", "cpu", "--checkpoint", "{in}/ck.pt", "--out", "{out}"],
                 setup=lambda c, k=kind: hostile_ckpt(c.p("in/ck.pt"), k), code=1, names=("ck.pt",),
                 check=never_pwned(not_exists("out/aggregate.json"))))
    for method in ("pgmm", "mraa", "dynast"):
        for kind in ("torch-payload", "wrong-keys", "zip-not-torch"):
            add(Case(f"reconstruct {method} --checkpoint {kind}", "checkpoint",
                     ["reconstruct", "-m", method, "-d", "synthsign", "--data-root", "{data}", "--video", "s10_a",
                      "--device", "cpu", "--checkpoint", "{in}/ck.pt", "--out", "{out}"],
                     setup=lambda c, k=kind: hostile_ckpt(c.p("in/ck.pt"), k), code=1, names=("ck.pt",),
                     check=never_pwned()))
    add(Case("run tpsmm --checkpoint wrong tensor shape", "checkpoint",
             ["run", "-m", "tpsmm", "-d", "synthsign", "--data-root", "{data}", "--metrics", "l1", "--no-train",
              "--device", "cpu", "--checkpoint", "{in}/ck.pt", "--out", "{out}"],
             setup=lambda c: wrong_shape_ckpt(c, "in/ck.pt", c.B / "tr" / "final.pt"), code=1, names=("ck.pt",)))
    add(Case("run pgmm --checkpoint a tpsmm checkpoint", "checkpoint",
             ["run", "-m", "pgmm", "-d", "synthsign", "--data-root", "{data}", "--metrics", "l1", "--no-train",
              "--device", "cpu", "--checkpoint", "{ckpt}", "--out", "{out}"], code=1, names=("tpsmm",)))
    add(Case("run tpsmm --checkpoint a folder", "checkpoint",
             ["run", "-m", "tpsmm", "-d", "synthsign", "--data-root", "{data}", "--metrics", "l1", "--no-train",
              "--device", "cpu", "--checkpoint", "{in}", "--out", "{out}"], code=(1, 2), names=("in",)))
    add(Case("run tpsmm --checkpoint /dev/null", "checkpoint",
             ["run", "-m", "tpsmm", "-d", "synthsign", "--data-root", "{data}", "--metrics", "l1", "--no-train",
              "--device", "cpu", "--checkpoint", "/dev/null", "--out", "{out}"], code=(1, 2), names=("/dev/null",)))
    for kind in ("empty", "torch-payload", "truncated", "wrong-keys", "text"):
        add(Case(f"train --resume with {kind} latest.pt", "checkpoint",
                 TRAIN + ["--resume", "--max-steps", 2, *TINY_TPSMM, "--out", "{out}"],
                 setup=lambda c, k=kind: (shutil.copy(c.B / "tr" / "config.yaml", c.p("in/config.yaml")) if False else None,
                                          c.p("out").mkdir(), shutil.copy(c.B / "tr" / "config.yaml", c.p("out/config.yaml")),
                                          hostile_ckpt(c.p("out/latest.pt"), k)),
                 code=(1, 2), names=("latest.pt",), check=never_pwned()))
    for kind in ("empty", "pickle", "torch-payload", "wrong-keys", "list"):
        add(Case(f"weights pack {kind}", "checkpoint", ["weights", "pack", "{in}/ck.pt", "{out}/p.pt"],
                 setup=lambda c, k=kind: hostile_ckpt(c.p("in/ck.pt"), k), code=(1, 2), names=("ck.pt",),
                 check=never_pwned(not_exists("out/p.pt"))))
    for kind in ("empty", "text", "torch-payload", "tensor-dict", "zip-not-torch"):
        add(Case(f"recognizer recognize --recognizer {kind} path", "checkpoint",
                 ["recognizer", "recognize", "{clip}", "--recognizer", "{in}/ck.pt"],
                 setup=lambda c, k=kind: hostile_ckpt(c.p("in/ck.pt"), k), code=(1, 2), names=("ck.pt",),
                 check=never_pwned()))
    for kind in ("pickle", "text"):
        add(Case(f"recognizer recognize --gloss-dict {kind}", "checkpoint",
                 ["recognizer", "recognize", "{clip}", "--recognizer", "{in}/ck.pt", "--gloss-dict", "{in}/gd.npy"],
                 setup=lambda c, k=kind: (hostile_ckpt(c.p("in/ck.pt"), "tensor-dict"), hostile_ckpt(c.p("in/gd.npy"), k)),
                 code=(1, 2), names=("ck.pt",), check=never_pwned()))
    for wid in ("tpsmm.vox256-official", "i3d.k400-tats", "corrnet.phoenix2014t-gloss-dict", "alexnet.imagenet-torchvision"):
        for kind in ("torch-payload", "zip-not-torch", "nan-tensor"):
            add(Case(f"weights add {wid} {kind}", "checkpoint", ["weights", "add", wid, "{in}/ck.pt"],
                     setup=lambda c, k=kind: hostile_ckpt(c.p("in/ck.pt"), k), code=1, names=("nothing was installed",),
                     check=never_pwned()))
    for kind in ("torch-payload", "text"):
        add(Case(f"evaluate --wer-recognizer {kind} path", "checkpoint",
                 EVAL + ["--metrics", "l1,wer", "--wer-recognizer", "{in}/ck.pt", "--glosses", "{in}/g.txt", "--out",
                         "{out}/r.parquet"],
                 setup=lambda c, k=kind: (hostile_ckpt(c.p("in/ck.pt"), k), c.write("in/g.txt", "v0|A\nv1|B\nv2|C\n")),
                 code=(1, 2), names=("ck.pt",), check=never_pwned()))
    add(Case("cache posenet replaced by payload: pose eval", "checkpoint", POSE_EVAL,
             setup=lambda c: (c.p("home/weights").mkdir(parents=True, exist_ok=True),
                              hostile_ckpt(c.p("home/weights/posenet-synthsign.pt"), "torch-payload")),
             code=(0, 1), names=("posenet",), check=never_pwned()))
