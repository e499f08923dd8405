"""``slvg-bench leaderboard``: collect runs into CSV + Markdown leaderboards beside the paper's numbers."""

from __future__ import annotations

import click

from slvg_bench.commands.resampling import bootstrap_options, resampling_options


@click.command()
@click.option("--dataset", "-d", required=True, help="Dataset id.")
@click.option("--split", default="test", show_default=True, help="Evaluation split.")
@click.option("--task", type=click.Choice(["reconstruction", "cross-person"]), default="reconstruction",
              show_default=True)
@click.option("--runs", "runs_dir", type=click.Path(), default="runs", show_default=True,
              help="Folder searched for run directories (aggregate.json).")
@click.option("--out", "out_dir", type=click.Path(), default="leaderboards", show_default=True,
              help="Where <dataset>_<split>_<task>.csv/.md are written.")
@click.option("--reported/--no-reported", default=True, show_default=True, help="Add the paper's reported rows.")
@resampling_options
def leaderboard(dataset, split, task, runs_dir, out_dir, reported, resamples, resample_seed) -> None:
    """Write leaderboards/<dataset>_<split>_<task>.csv and .md: one row per measured method
    (the newest run of each), the paper's reported rows beside them. Each column compares the
    methods on the videos they all scored: value ± half the 95 % bootstrap interval, the best in
    bold with every method a paired test does not find worse (p >= 0.05), signatures below."""
    from rich.markup import escape

    from slvg_bench.console import err_console
    from slvg_bench.data.registry import DATASETS
    from slvg_bench.leaderboard import write_leaderboard

    import difflib
    import warnings
    from pathlib import Path

    from slvg_bench.data.registry import adapter_class
    from slvg_bench.errors import UsageError
    from slvg_bench.outputs import ensure_dir

    DATASETS.check(dataset)
    splits = adapter_class(dataset).eval_splits
    if split not in splits:
        close = difflib.get_close_matches(split, splits, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UsageError(f"{dataset} has no evaluation split {split!r}.{hint} Valid: {', '.join(splits)}")
    if Path(runs_dir).exists() and not Path(runs_dir).is_dir():
        raise UsageError(f"--runs {str(runs_dir)!r} is a file; expected the folder holding the run directories")
    ensure_dir(out_dir)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        options = bootstrap_options(resamples, resample_seed)
        csv_path, md_path, rows = write_leaderboard(dataset, split, task, runs_dir, out_dir, reported, options)
    for w in caught:
        err_console.print(f"[yellow]warning:[/] {escape(str(w.message))}", highlight=False, soft_wrap=True)
    click.echo(md_path.read_text())
    err_console.print(f"wrote {csv_path} and {md_path} ({sum(e.source == 'measured' for e in rows)} measured, "
                      f"{sum(e.source == 'reported' for e in rows)} reported rows)", highlight=False)
