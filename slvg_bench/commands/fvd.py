"""``slvg-bench fvd``: FVD between the stored I3D features of two result files (no I3D run)."""

from __future__ import annotations

import click


@click.command()
@click.argument("real", type=click.Path(exists=True, dir_okay=False))
@click.argument("fake", type=click.Path(exists=True, dir_okay=False))
@click.option("--real-side", type=click.Choice(["target", "pred"]), default="target", show_default=True,
              help="Which features of REAL are the real set.")
@click.option("--fake-side", type=click.Choice(["target", "pred"]), default="pred", show_default=True,
              help="Which features of FAKE are the generated set.")
@click.option("--covariance", type=click.Choice(["unbiased", "biased"]), default="unbiased", show_default=True)
def fvd(real: str, fake: str, real_side: str, fake_side: str, covariance: str) -> None:
    """FVD between two `evaluate`/`run` result files (.parquet), from their stored features.

    E.g. the targets of one run against the predictions of another:
    slvg-bench fvd runA.parquet runB.parquet --real-side target --fake-side pred
    """
    import pandas as pd

    from slvg_bench.metrics.fvd import fvd_between

    rows_real = pd.read_parquet(real)
    rows_fake = pd.read_parquet(fake)
    ok = lambda df: df[df["status"] == "ok"]  # noqa: E731
    value = fvd_between(ok(rows_real), ok(rows_fake), real_side, fake_side, covariance)
    click.echo(f"{value:.6f}")
