"""Snapshots of the work tree (what a case created or changed) and the checks of a case's result."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np


# ---------------------------------------------------------------------------------------------- snapshots
def snapshot(root: Path) -> dict[str, tuple]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if rel != ".":
            out[rel + "/"] = ("dir",)
        for f in filenames:
            p = os.path.join(dirpath, f)
            try:
                st = os.lstat(p)
                out[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns)
            except OSError:
                pass
    return out


def changes(before: dict, after: dict) -> list[str]:
    return sorted(k for k, v in after.items() if before.get(k) != v and not (v == ("dir",) and k in before))


# ---------------------------------------------------------------------------------------------- checks
def rows_equal(a: Path, b: Path, cols=None) -> str | None:
    import pandas as pd

    if not a.is_file():
        return f"{a} was not written"
    x, y = pd.read_parquet(a), pd.read_parquet(b)
    keep = [c for c in (cols or x.columns) if c in y.columns and x[c].dtype.kind in "fi" and c != "finished_at"]
    x = x.sort_values("video_id").reset_index(drop=True)
    y = y.sort_values("video_id").reset_index(drop=True)
    if list(x["video_id"]) != list(y["video_id"]):
        return f"{a}: videos {list(x['video_id'])} != reference {list(y['video_id'])}"
    for c in keep:
        if not np.array_equal(x[c].to_numpy(), y[c].to_numpy(), equal_nan=True):
            return f"{a}: column {c} differs from the uninterrupted run"
    return None


def no_tmp_left(folder: Path) -> str | None:
    left = [str(p) for p in folder.rglob("*") if p.name.endswith(".tmp") or ".tmp." in p.name or p.name.startswith(".tmp")]
    return f"leftover temporary files: {left[:3]}" if left else None


def exists(rel: str) -> Callable:
    def check(ctx, res):
        if res.code == 0 and not (ctx.C / rel).exists():
            return f"exit 0 but {rel} was not written"
    return check


def not_exists(rel: str) -> Callable:
    def check(ctx, res):
        if (ctx.C / rel).exists():
            return f"{rel} was written although the command failed"
    return check


def stdout_has(*frags) -> Callable:
    def check(ctx, res):
        missing = [f for f in frags if f not in res.out]
        if res.code == 0 and missing:
            return f"stdout lacks {missing}"
    return check


def all_of(*checks) -> Callable:
    def check(ctx, res):
        for c in checks:
            problem = c(ctx, res)
            if problem:
                return problem
    return check
