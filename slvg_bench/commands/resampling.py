"""The ``--resamples`` / ``--resample-seed`` options shared by ``run``, ``evaluate`` and ``leaderboard``.

They set :class:`~slvg_bench.stats.BootstrapOptions`: ``B`` bootstrap resamples per interval (and
randomisations per paired test) and the seed of the resampling. Neither changes a figure, so neither
is part of a run's configuration hash: rerunning a finished run with other values only re-aggregates.
"""

from __future__ import annotations

import click


def resampling_options(f):
    """Add ``--resamples B`` and ``--resample-seed S`` (alias ``--seed``) to a command; they arrive as
    the keyword arguments ``resamples`` (None: the default) and ``resample_seed``."""
    from slvg_bench.stats import DEFAULT_RESAMPLES

    f = click.option("--resample-seed", "--seed", "resample_seed", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Seed of the bootstrap resampling (intervals and paired tests).")(f)
    return click.option("--resamples", type=click.IntRange(min=0), default=None,
                        help=f"B: bootstrap resamples per 95 % interval and randomisations per paired test "
                             f"[default: {DEFAULT_RESAMPLES}; 0 = no intervals, no tests].")(f)


def bootstrap_options(resamples: int | None, resample_seed: int):
    """The :class:`~slvg_bench.stats.BootstrapOptions` the two options ask for (validated)."""
    from slvg_bench.stats import DEFAULT_RESAMPLES, BootstrapOptions

    return BootstrapOptions(resamples=DEFAULT_RESAMPLES if resamples is None else int(resamples),
                            seed=int(resample_seed)).validate()
