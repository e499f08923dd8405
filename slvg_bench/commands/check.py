"""``slvg-bench check``: a run against a stored baseline; exit 0 (nothing regressed), 1 (something did), 2 (usage)."""

from __future__ import annotations

import click

from slvg_bench.commands import FiniteFloatRange


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@click.command()
@click.argument("run", type=click.Path())
@click.option("--baseline", "-b", "baseline_path", required=True, type=click.Path(),
              help="Baseline file (.yaml/.yml/.json) to compare with, or to write with --write-baseline.")
@click.option("--require", "require", multiple=True, metavar="FIGURE",
              help="Fail when FIGURE is not checked (e.g. its weights are missing); repeatable or comma-separated.")
@click.option("--alpha", type=float, default=None,
              help="Level of the paired tests of significant: true figures (default: the baseline's, 0.05).")
@click.option("--resamples", type=int, default=None, help="Bootstrap resamples B (default: the baseline's, 10000).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Bootstrap seed (default: the baseline's, 0).")
@click.option("--write-baseline", "write", is_flag=True,
              help="Write --baseline from RUN instead of checking (keeps an existing file's figures and tolerances).")
@click.option("--metric", "names", multiple=True, metavar="FIGURE",
              help="With --write-baseline: the figures to include (default: the existing file's, else every "
                   "primary figure of the run).")
@click.option("--relative", type=FiniteFloatRange(min=0), default=None,
              help="With --write-baseline: allowed relative worsening, e.g. 0.02 (default: kept, else 0.01).")
@click.option("--absolute", type=FiniteFloatRange(min=0), default=None, help="With --write-baseline: allowed absolute worsening.")
@click.option("--significant", is_flag=True,
              help="With --write-baseline: store per-video values and fail only on a significant paired test.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout (table goes to stderr).")
def check(run, baseline_path, require, alpha, resamples, seed, write, names, relative, absolute, significant,
          as_json) -> None:
    """Compare RUN with a baseline: the expected value and tolerance of each figure, or a paired
    bootstrap test on the per-video values (significant: true).

    RUN is a run directory (slvg-bench run), an aggregate .json, or a .parquet result file
    (slvg-bench evaluate --out, Evaluator results saved with .save()). Prints expected, measured,
    delta and verdict per figure. Figures whose metric is unavailable (missing weights) are
    "not checked", never passed; --require makes that a failure. Exit 0 when nothing failed, 1
    when a figure regressed or gave no value, 2 on a usage error.
    """
    import json

    from slvg_bench.console import err_console, out_console
    from slvg_bench.errors import RegressionError, UsageError
    from slvg_bench.regression.baseline import read_baseline
    from slvg_bench.regression.compare import check as run_check
    from slvg_bench.regression.measured import load_measured
    from slvg_bench.regression.report import print_check

    if alpha is not None and not 0 < alpha < 1:
        raise UsageError(f"--alpha must be between 0 and 1 (e.g. 0.05), got {alpha}")
    if resamples is not None and resamples < 1:
        raise UsageError(f"--resamples must be >= 1, got {resamples}")
    for flag, value in (("--relative", relative), ("--absolute", absolute)):
        if value is not None and value < 0:
            raise UsageError(f"{flag} must be >= 0, got {value}")
    if not write:
        given = [f for f, v in (("--metric", names), ("--relative", relative), ("--absolute", absolute),
                                ("--significant", significant)) if v]
        if given:
            raise UsageError(f"{', '.join(given)} only apply with --write-baseline")
    elif require:
        raise UsageError("--require applies when checking, not with --write-baseline")

    console = err_console if as_json else out_console
    measured = load_measured(run)
    if write:
        _write(console, measured, baseline_path, _split(names), relative, absolute, significant, alpha, resamples,
               seed, as_json)
        return
    report = run_check(measured, read_baseline(baseline_path), require=_split(require), alpha=alpha,
                       resamples=resamples, seed=seed)
    print_check(console, report, summary=report.passed)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    if not report.passed:
        raise RegressionError(report.summary_line())


def _write(console, measured, path, names, relative, absolute, significant, alpha, resamples, seed, as_json) -> None:
    import json
    from pathlib import Path

    from rich.markup import escape
    from rich.table import Table

    from slvg_bench.regression.baseline import baseline_from_run, read_baseline, to_data, write_baseline

    previous = read_baseline(path) if Path(path).is_file() else None
    baseline, left_out = baseline_from_run(measured, previous=previous, names=names, relative=relative,
                                           absolute=absolute, significant=True if significant else None,
                                           alpha=alpha, resamples=resamples, seed=seed)
    from slvg_bench.outputs import ensure_file_target

    ensure_file_target(path, "--baseline")  # a folder, a read-only or full disk: one line naming it
    write_baseline(baseline, path)
    table = Table(title=f"baseline {path} from {measured.source}", title_justify="left")
    for col in ("figure", "", "value", "tolerance", "videos"):
        table.add_column(col, justify="right" if col in ("value", "videos") else "left")
    for name, spec in baseline.metrics.items():
        arrow = "" if spec.higher_is_better is None else ("↑" if spec.higher_is_better else "↓")
        value = "—" if spec.value is None else f"{spec.value:.6g}"
        table.add_row(escape(name), arrow, value, escape(spec.tolerance_text(baseline.alpha)), str(spec.n_videos or ""))
    console.print(table)
    for name, why in left_out.items():
        what = "" if why.startswith("kept") else "not written: "
        console.print(f"[yellow]{escape(name)}[/] {what}{escape(why)}", highlight=False, soft_wrap=True)
    console.print(f"[green]wrote {escape(str(path))}[/] ({len(baseline.metrics)} figures)", highlight=False)
    if as_json:
        click.echo(json.dumps(to_data(baseline), indent=2, ensure_ascii=False))
