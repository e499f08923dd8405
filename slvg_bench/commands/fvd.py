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
    from slvg_bench.errors import UsageError
    from slvg_bench.metrics.fvd import STATE_PRED, STATE_TARGET, fvd_between
    from slvg_bench.metrics.stored_features import has_features
    from slvg_bench.results import read_result_rows

    tables = []
    for name, path, side in (("REAL", real, real_side), ("FAKE", fake, fake_side)):
        rows = read_result_rows(path, name)
        rows = rows[rows["status"] == "ok"]
        col = STATE_PRED if side == "pred" else STATE_TARGET
        if col not in rows.columns or not rows[col].map(has_features).any():
            raise UsageError(f"{name} {path!r} holds no stored FVD features of its {side} videos ({col}); score it "
                             f"with the fvd metric (its I3D weights installed) first")
        tables.append(rows)
    value = fvd_between(tables[0], tables[1], real_side, fake_side, covariance)
    click.echo(f"{value:.6f}")
    from slvg_bench.metrics.fvd import upstream_check

    # an FVD from an I3D file that is not the official one is never printed as an ordinary number
    for warning in sorted({w for w in (upstream_check(t)[1] for t in tables) if w}):
        click.echo(f"warning: {warning}", err=True)
