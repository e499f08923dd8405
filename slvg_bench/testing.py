"""pytest helpers: gate a generator's numbers on a stored baseline inside a test suite.

::

    from slvg_bench import Evaluator
    from slvg_bench.testing import assert_no_regression

    def test_generator_quality():
        ev = Evaluator(metrics=("l1", "ssim", "tcd"), device="cpu")
        ev.update(generate(batch), batch["target"], video_id=batch["id"])
        assert_no_regression(ev.compute(), "tests/baselines/generator.yaml")

``results`` is anything ``slvg-bench check`` reads (an ``Evaluator`` result, a run directory, an
aggregate JSON, a Parquet result file); ``baseline`` a ``.yaml``/``.json`` path or an inline
mapping (``{"l1": {"value": 0.05, "relative": 0.02}}``). The rules are ``slvg-bench check``'s
(:mod:`slvg_bench.regression.compare`). On failure the ``AssertionError`` message is the verdict
table. Set ``SLVG_BENCH_UPDATE_BASELINES=1`` (or pass ``update=True``) to (re)write the baseline
files from the results instead of asserting, like ``slvg-bench check --write-baseline``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from slvg_bench.regression.compare import CheckReport

UPDATE_ENV = "SLVG_BENCH_UPDATE_BASELINES"


def check_results(results: Any, baseline: Any, *, require: Iterable[str] = (), alpha: float | None = None,
                  resamples: int | None = None, seed: int | None = None) -> CheckReport:
    """The :class:`~slvg_bench.regression.compare.CheckReport` of ``results`` against ``baseline`` (no assertion)."""
    from slvg_bench.regression.baseline import load_baseline
    from slvg_bench.regression.compare import check
    from slvg_bench.regression.measured import load_measured

    return check(load_measured(results), load_baseline(baseline), require=list(require), alpha=alpha,
                 resamples=resamples, seed=seed)


def assert_no_regression(results: Any, baseline: Any, *, require: Iterable[str] = (), alpha: float | None = None,
                         resamples: int | None = None, seed: int | None = None,
                         update: bool | None = None) -> CheckReport:
    """Assert that ``results`` did not regress against ``baseline`` (module docstring); returns the report.

    Args:
        require: figures that must be checked (a missing-weights "not checked" fails them).
        alpha, resamples, seed: override the baseline's settings of paired tests.
        update: write ``baseline`` (a path) from ``results`` instead of asserting; default: the
            environment variable ``SLVG_BENCH_UPDATE_BASELINES`` is set to 1/true/yes.
    """
    if update is None:
        update = os.environ.get(UPDATE_ENV, "").strip().lower() in ("1", "true", "yes")
    if update:
        _update(results, baseline)
        return check_results(results, baseline, alpha=alpha, resamples=resamples, seed=seed)
    from slvg_bench.regression.report import format_text

    report = check_results(results, baseline, require=require, alpha=alpha, resamples=resamples, seed=seed)
    if not report.passed:
        raise AssertionError("slvg-bench regression check failed\n" + format_text(report))
    return report


def _update(results: Any, baseline: Any) -> None:
    from slvg_bench.errors import UsageError
    from slvg_bench.regression.baseline import baseline_from_run, read_baseline, write_baseline
    from slvg_bench.regression.measured import load_measured

    if not isinstance(baseline, (str, Path)):
        raise UsageError("updating a baseline needs its file path, got an inline mapping")
    previous = read_baseline(baseline) if Path(baseline).is_file() else None
    new, _ = baseline_from_run(load_measured(results), previous=previous)
    write_baseline(new, baseline)
