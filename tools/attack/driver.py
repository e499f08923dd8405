"""An independent attack on every ``slvg-bench`` command (issue 16), counted.

Each case is: a command line, a setup that builds hostile inputs in a fresh folder, and what a correct
outcome is (exit code, what the last stderr line must name, optionally a check of the result). Every case
runs as a real subprocess (``nice -n 15 python -m slvg_bench ...``) with a timeout and is classified:

* ``clean``      expected exit code, no traceback, the last stderr line names the thing (failures only),
                 nothing written outside the allowed folders, the result checks pass;
* ``traceback``  "Traceback" on stderr or stdout;
* ``outside``    a file or folder created or changed outside the case's allowed folders (the whole work
                 tree is snapshotted before and after, so an escape to a parent folder is seen);
* ``silent``     exit 0 where a failure was expected, or a wrong number / file (the case's check);
* ``wrong-code`` a non-zero exit other than the expected one, or a failure on a valid input;
* ``unclear``    the expected failure, but the last stderr line does not name the thing;
* ``timeout``    the command did not finish in time.

Run from the repository root (needs only the repository and its environment):

    nice -n 15 python tools/attack.py [--work DIR] [--only SUBSTRING] [--keep] [--json FILE]

Only one slvg-bench process runs at a time: a "second writer" is simulated by holding the output's lock
from this driver (the real two-process race is tests/reliability/test_concurrency.py, marked slow).
Read-only and full disks are tmpfs mounts when running as root (chmod 0555 otherwise; full-disk cases
are skipped without root).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .cases_checkpoints import checkpoint_cases
from .cases_cli import number_cases, unknown_name_cases, valid_cases
from .cases_data import hostile_data_cases
from .cases_files import bad_file_cases
from .cases_frames import frame_cases
from .cases_interrupt import interrupt_cases
from .cases_outputs import concurrency_cases, disk_cases
from .checks import changes, snapshot
from .harness import Case, Ctx, Res, Skip, build_base

GROUPS = (valid_cases, number_cases, unknown_name_cases, bad_file_cases, frame_cases, hostile_data_cases,
          checkpoint_cases, disk_cases, concurrency_cases, interrupt_cases)


# ---------------------------------------------------------------------------------------------- case tables
def cases() -> list[Case]:
    """Every case, in this fixed order: the case numbers in the output and the JSON depend on it."""
    out: list[Case] = []
    for add_cases in GROUPS:
        add_cases(out)
    return out


# ---------------------------------------------------------------------------------------------- driver
def classify(case: Case, res: Res, outside: list[str], problem: str | None) -> str:
    expected = case.code if isinstance(case.code, tuple) else (case.code,)
    if res.timed_out:
        return "timeout"
    if "Traceback" in res.err or "Traceback" in res.out:
        return "traceback"
    if outside:
        return "outside"
    if res.code == 0 and 0 not in expected:
        return "silent"
    if problem:
        return "silent"
    if res.code not in expected:
        return "wrong-code"
    if res.code not in (0, -9, -15) and case.names:
        low = res.last.lower()
        if not all(f.lower() in low for f in case.names):
            return "unclear"
    return "clean"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=None, help="Work folder (default: a new temporary folder).")
    ap.add_argument("--only", default=None, help="Run only cases whose name contains this (case-insensitive).")
    ap.add_argument("--cat", default=None, help="Run only this category.")
    ap.add_argument("--keep", action="store_true", help="Keep the folders of clean cases too.")
    ap.add_argument("--json", type=Path, default=None, help="Write every case's outcome here.")
    ap.add_argument("--list", action="store_true", help="List the cases and exit.")
    args = ap.parse_args()
    all_cases = cases()
    names = [c.name for c in all_cases]
    dupes = {n for n in names if names.count(n) > 1}
    assert not dupes, dupes
    selected = [c for c in all_cases if (not args.only or args.only.lower() in c.name.lower())
                and (not args.cat or c.cat == args.cat)]
    if args.list:
        for c in selected:
            print(f"{c.cat:14s} {c.name}")
        print(f"{len(selected)} cases")
        return
    work = (args.work or Path(tempfile.mkdtemp(prefix="slvg-attack-"))).resolve()
    # deep enough that an id climbing six folders still lands inside the snapshotted tree
    base = work / "base"
    if not (base / "bigrun" / "aggregate.json").is_file():
        shutil.rmtree(base, ignore_errors=True)
        t = time.time()
        print(f"building the shared inputs in {base} ...", flush=True)
        build_base(base)
        print(f"  {time.time() - t:.0f}s", flush=True)
    cases_root = work / "a" / "b" / "c" / "d" / "cases"
    cases_root.mkdir(parents=True, exist_ok=True)
    results = []
    counts: dict[str, int] = {}
    t0 = time.time()
    for i, case in enumerate(selected):
        C = cases_root / f"{i:03d}"
        shutil.rmtree(C, ignore_errors=True)
        ctx = Ctx(C, base, work)
        ctx.problem = None
        outcome, res, outside = None, Res(0, "", ""), []
        try:
            if case.setup:
                case.setup(ctx)
            before = snapshot(work)
            if case.custom:
                res = case.custom(ctx)
            else:
                res = ctx.run(case.argv, timeout=case.timeout)
            after = snapshot(work)
            prefix = os.path.relpath(C, work) + "/"
            allowed = [prefix + a for a in case.allowed]
            outside = [k for k in changes(before, after)
                       if not any(k.rstrip("/") == a or k.startswith(a + "/") for a in allowed)]
            problem = ctx.problem
            if case.check and problem is None:
                try:
                    problem = case.check(ctx, res)
                except Exception as e:  # noqa: BLE001  (a check that cannot read the result: wrong result)
                    problem = f"result check failed: {type(e).__name__}: {e}"
            strays = [str(p) for p in Path("/tmp").glob("attack-abs-pwn*")] + [str(p) for p in Path("/tmp").glob("attack-kp-PWNED*")]
            for p in strays:
                os.unlink(p)
            outside += strays
            outcome = classify(case, res, outside, problem)
        except Skip as e:
            outcome, problem = "skipped", str(e)
        except Exception as e:  # noqa: BLE001  (the driver's own failure: counted, never hidden)
            outcome, problem = "driver-error", f"{type(e).__name__}: {e}"
        finally:
            ctx.cleanup()
        counts[outcome] = counts.get(outcome, 0) + 1
        line = f"[{i + 1:3d}/{len(selected)}] {outcome:10s} {case.cat:13s} {case.name}"
        if outcome != "clean":
            line += f"\n      exit {res.code}; last: {res.last[:300]}"
            if problem:
                line += f"\n      problem: {problem}"
            if outside:
                line += f"\n      outside: {outside[:5]}"
        print(line, flush=True)
        results.append({"name": case.name, "category": case.cat, "outcome": outcome, "exit": res.code,
                        "last": res.last, "problem": problem, "outside": outside, "dir": str(C),
                        "stderr_tail": res.err[-4000:] if outcome != "clean" else ""})
        if outcome in ("clean", "skipped") and not args.keep:
            shutil.rmtree(C, ignore_errors=True)

    tried = len(selected) - counts.get("skipped", 0)
    print(f"\n{tried} tried in {time.time() - t0:.0f}s: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    by_cat: dict[str, dict[str, int]] = {}
    for r in results:
        by_cat.setdefault(r["category"], {}).setdefault(r["outcome"], 0)
        by_cat[r["category"]][r["outcome"]] += 1
    for cat, c in sorted(by_cat.items()):
        print(f"  {cat:14s} " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    if args.json:
        args.json.write_text(json.dumps({"counts": counts, "tried": tried, "by_category": by_cat, "cases": results},
                                        indent=1, ensure_ascii=False))
    print(f"work folder: {work}")
    bad = sum(v for k, v in counts.items() if k not in ("clean", "skipped"))
    sys.exit(1 if bad else 0)
