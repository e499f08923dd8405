"""``slvg-bench leaderboard``: collect runs into CSV + Markdown leaderboards beside the paper's numbers."""

from __future__ import annotations

import click


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
def leaderboard(dataset, split, task, runs_dir, out_dir, reported) -> None:
    """Write leaderboards/<dataset>_<split>_<task>.csv and .md: one row per measured method
    (the newest run of each), the paper's reported rows beside them, best values in bold."""
    from slvg_bench.console import err_console
    from slvg_bench.data.registry import DATASETS
    from slvg_bench.leaderboard import write_leaderboard

    DATASETS.check(dataset)
    csv_path, md_path, rows = write_leaderboard(dataset, split, task, runs_dir, out_dir, reported)
    click.echo(md_path.read_text())
    err_console.print(f"wrote {csv_path} and {md_path} ({sum(e.source == 'measured' for e in rows)} measured, "
                      f"{sum(e.source == 'reported' for e in rows)} reported rows)", highlight=False)
