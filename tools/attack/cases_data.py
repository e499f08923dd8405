"""Hostile data: video ids, index.csv and meta.json, keypoint files and dataset videos (categories hostile-id,
hostile-data, wrong-shape)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from .harness import Case
from .hostile import Payload


def hostile_data_cases(out: list[Case]) -> None:
    """Hostile data (index.csv, ids, keypoints)."""
    add = out.append
    RUN_H = ["run", "-m", "static", "-d", "synthsign", "--data-root", "{hd}", "--metrics", "l1", "--device", "cpu",
             "--resamples", "50", "--out", "{out}/run"]

    def ids(*names):
        return [("s00_a", "train", "signer00", 6)] + [(n, "test", f"signer1{i % 2}", 6) for i, n in enumerate(names)]

    def rows_ok(c, res, expect_ids):
        import pandas as pd

        if res.code != 0:
            return None
        rows = pd.read_parquet(c.p("out/run/results.parquet"))
        if sorted(rows["video_id"]) != sorted(expect_ids):
            return f"rows {sorted(rows['video_id'])} != {sorted(expect_ids)}"

    hostile_id_sets = [
        ("path traversal id", ["../../../../escape/pwn", "s11_a"]),
        ("absolute id", ["/tmp/attack-abs-pwn", "s11_a"]),
        ("id with newline", ["a\nb", "s11_a"]),
        ("id 400 chars", ["x" * 400, "y" * 400]),
        ("unicode ids", ["é/ü", "日本語", "e\u0301"]),
        ("ids colliding after sanitising", ["sA/v", "sA_v", "sA%2Fv"]),
        ("dot ids", [".", "..", ".hidden"]),
        ("windows-ish ids", ["C:x", "a\\b", "con"]),
        ("id with NUL-like and spaces", ["a b", "\ttab", " lead"]),
    ]
    for name, names in hostile_id_sets:
        vids = ids(*names)
        for cmd, argv, extra_allowed in (
            ("run --plots", RUN_H + ["--plots", "--metrics", "l1,ssim,tcd"], ()),
            ("prepare", ["datasets", "prepare", "synthsign", "--data-root", "{hd}", "--workers", 1], ()),
        ):
            add(Case(f"{name}: {cmd}", "hostile-id", argv, setup=lambda c, vids=vids: c.synth(vids),
                     code=(0, 1), names=("id",), allowed=("out", "home"),
                     check=(lambda c, r, names=names: rows_ok(c, r, names)) if cmd.startswith("run") else None))
    for name, vid in (("traversal", "../../pwn"), ("long", "z" * 300), ("unicode", "é/ü")):
        vids = ids(vid, "s11_a")
        add(Case(f"reconstruct hostile id ({name})", "hostile-id",
                 ["reconstruct", "-m", "static", "-d", "synthsign", "--data-root", "{hd}", "--video", vid, "--device", "cpu"],
                 setup=lambda c, vids=vids: c.synth(vids), allowed=("cwd", "home"),
                 check=lambda c, r: None if any((c.C / "cwd" / "reconstruct").rglob("*.mp4")) else "no video written"))
        add(Case(f"verify --missing-out hostile id ({name})", "hostile-id",
                 ["datasets", "verify", "synthsign", "--data-root", "{hd}", "--missing-out", "{out}/m.txt"],
                 setup=lambda c, vids=vids: (c.synth(vids), [p.unlink() for p in c.p("in/data/synthsign/videos/test").glob("*.mp4")]),
                 code=(0, 1), names=("missing",), allowed=("out", "home")))

    def mutate(fn):
        def rows(table, ds):
            fn(table, ds)
            return table
        return rows

    def r_set(i, **kv):
        def fn(table, ds):
            table[i].update({k: str(v) for k, v in kv.items()})
        return fn

    hostile_index = [
        ("n_frames larger than the video", r_set(2, n_frames=100), (0, 1), ("s10_a",)),
        ("n_frames negative", r_set(2, n_frames=-1), (0, 1), ("s10_a",)),
        ("n_frames not a number", r_set(2, n_frames="many"), (0, 1), ("n_frames",)),
        ("fps zero", r_set(2, fps=0), (0, 1), ("fps",)),
        ("fps nan", r_set(2, fps="nan"), (0, 1), ("fps",)),
        ("video path traversal outside the dataset", r_set(2, video="../../../../etc/passwd"), (0, 1), ("s10_a",)),
        ("video path absolute", r_set(2, video="/etc/hostname"), (0, 1), ("s10_a",)),
        ("keypoints path missing", r_set(2, keypoints="keypoints/test/nope.npy"), (0, 1), ("s10_a",)),
        ("segments malformed", r_set(2, segments="a:b"), (0, 1), ("segments",)),
        ("segments out of range", r_set(2, segments="0:999"), (0, 1), ("segments",)),
        ("split unknown", r_set(2, split="tset"), (0, 1), ("tset",)),
        ("signer empty", r_set(2, signer=""), (0, 1), ("signer",)),
        ("glosses empty", r_set(2, glosses=""), (0, 1), ("glosses",)),
        ("kind unknown", r_set(2, kind="dance"), (0, 1), ("kind",)),
        ("duplicate id", r_set(3, id="s10_a"), (1,), ("s10_a",)),
        ("empty id", r_set(2, id=""), (1,), ("id",)),
    ]
    for name, fn, code, names in hostile_index:
        add(Case(f"index.csv {name}: run", "hostile-data", RUN_H, setup=lambda c, fn=fn: c.synth(rows=mutate(fn)),
                 code=code, names=names, allowed=("out", "home")))

    def drop_col(col):
        def rows(table, ds):
            for r in table:
                r.pop(col, None)
            return table
        return rows

    def raw_index(content):
        def setup(c):
            root = c.synth()
            (root / "synthsign" / "index.csv").write_bytes(content)
        return setup

    for name, setup, code, names in [
        ("index.csv missing column 'video'", lambda c: c.synth(rows=drop_col("video")), (1,), ("video",)),
        ("index.csv missing column 'split'", lambda c: c.synth(rows=drop_col("split")), (1,), ("split",)),
        ("index.csv empty", raw_index(b""), (1,), ("index.csv",)),
        ("index.csv header only", raw_index(b"id,split,signer,kind,glosses,n_frames,fps,video,keypoints,segments\n"), (1,), ("test",)),
        ("index.csv not utf8", raw_index(b"id,split\n\xff\xfe,test\n"), (1,), ("index.csv",)),
        ("index.csv binary", raw_index(os.urandom(400)), (1,), ("index.csv",)),
        ("index.csv missing", lambda c: (c.synth(), (c.p("in/data/synthsign/index.csv")).unlink()), (1, 2), ("index.csv",)),
        ("meta.json corrupt", lambda c: (c.synth(), c.write("in/data/synthsign/meta.json", "{")), (1,), ("meta.json",)),
        ("meta.json a list", lambda c: (c.synth(), c.write("in/data/synthsign/meta.json", "[1]")), (1,), ("meta.json",)),
        ("meta.json missing", lambda c: (c.synth(), c.p("in/data/synthsign/meta.json").unlink()), (1, 2), ("meta.json",)),
    ]:
        add(Case(f"{name}: run", "hostile-data", RUN_H, setup=setup, code=code, names=names, allowed=("out", "home")))
        add(Case(f"{name}: verify", "hostile-data", ["datasets", "verify", "synthsign", "--data-root", "{hd}"],
                 setup=setup, code=code if name != "index.csv header only" else (0, 1), names=names, allowed=("out", "home")))

    def kp_set(arr_fn):
        def setup(c):
            root = c.synth()
            for p in (root / "synthsign" / "keypoints" / "test").glob("*.npy"):
                arr = arr_fn(np.load(p))
                if isinstance(arr, bytes):
                    p.write_bytes(arr)
                else:
                    np.save(p, arr, allow_pickle=arr.dtype == object)
        return setup

    def obj_payload(a):
        Payload.marker = "/tmp/attack-kp-PWNED"
        return np.array([Payload()], dtype=object)

    for name, fn in [("17 joints", lambda a: a[:, :17]), ("2 channels", lambda a: a[..., :2]),
                     ("NaN", lambda a: np.full_like(a, np.nan)), ("fewer frames", lambda a: a[:2]),
                     ("float64", lambda a: a.astype(np.float64)), ("int", lambda a: a.astype(np.int64)),
                     ("text file", lambda a: b"not numpy"), ("pickled object", obj_payload),
                     ("huge coordinates", lambda a: a * 1e30)]:
        for cmd, argv in (("pose eval", ["pose", "eval", "--estimator", "posenet-synthsign", "--data-root", "{hd}/synthsign",
                                         "--device", "cpu"]),
                          ("run akd", ["run", "-m", "static", "-d", "synthsign", "--data-root", "{hd}", "--metrics",
                                       "l1,region-l1", "--device", "cpu", "--resamples", "50", "--out", "{out}/run"])):
            ok_kinds = ("float64", "int", "huge coordinates")
            add(Case(f"keypoints {name}: {cmd}", "wrong-shape", argv, setup=kp_set(fn),
                     code=(0, 1) if name in ok_kinds or cmd == "run akd" else (1, 2), names=("keypoint",),
                     allowed=("out", "home"),
                     check=lambda c, r: "a pickled payload ran" if Path("/tmp/attack-kp-PWNED").exists() else None))

    def frames_set(fn):
        def setup(c):
            root = c.synth()
            with open(root / "synthsign" / "index.csv", newline="") as fh:
                row = next(r for r in csv.DictReader(fh) if r["id"] == "s10_a")
            fn(c, root / "synthsign" / row["video"])
        return setup

    for name, fn, code in [
        ("0-byte video", lambda c, p: p.write_bytes(b""), (1,)),
        ("text video", lambda c, p: p.write_text("hi"), (1,)),
        ("truncated video", lambda c, p: p.write_bytes(p.read_bytes()[:600]), (1,)),
        ("non-square 48x32 video", lambda c, p: c.mp4(str(p.relative_to(c.C)), n=6, h=32, w=48), (0,)),
        ("tiny 4x4 video", lambda c, p: c.mp4(str(p.relative_to(c.C)), n=6, h=4, w=4), (0, 1)),
        ("video is a folder", lambda c, p: (p.unlink(), p.mkdir()), (1,)),
        ("video is a symlink to /dev/zero", lambda c, p: (p.unlink(), p.symlink_to("/dev/zero")), (1,)),
    ]:
        add(Case(f"dataset {name}: run", "hostile-data", RUN_H, setup=frames_set(fn), code=code, names=("s10_a",),
                 allowed=("out", "home"), timeout=120))
