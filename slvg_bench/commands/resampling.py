"""The ``--resamples`` / ``--resample-seed`` options shared by ``run``, ``evaluate`` and ``leaderboard``.

They set :class:`~slvg_bench.stats.BootstrapOptions`: ``B`` bootstrap resamples per interval (and
randomisations per paired test) and the seed of the resampling. Neither changes a figure, so neither
is part of a run's configuration hash: rerunning a finished run with other values only re-aggregates.
"""

from __future__ import annotations

import click


def resampling_options(f):
    """Add ``--resamples B`` and ``--resample-seed S`` (alias ``--seed``) to a command; they arrive as
    the keyword arguments ``resamples`` and ``resample_seed`` (None when not given: a config file's
    value, else the default, applies)."""
    from slvg_bench.stats import DEFAULT_RESAMPLES

    f = click.option("--resample-seed", "--seed", "resample_seed", type=click.IntRange(min=0), default=None,
                     help="Seed of the bootstrap resampling (intervals and paired tests) [default: 0].")(f)
    return click.option("--resamples", type=click.IntRange(min=0), default=None,
                        help=f"B: bootstrap resamples per 95 % interval and randomisations per paired test "
                             f"[default: {DEFAULT_RESAMPLES}; 0 = no intervals, no tests].")(f)


def bootstrap_options(resamples: int | None, resample_seed: int | None):
    """The :class:`~slvg_bench.stats.BootstrapOptions` the two options ask for (validated)."""
    from slvg_bench.stats import DEFAULT_RESAMPLES, BootstrapOptions

    return BootstrapOptions(resamples=DEFAULT_RESAMPLES if resamples is None else int(resamples),
                            seed=BootstrapOptions.seed if resample_seed is None else int(resample_seed)).validate()
