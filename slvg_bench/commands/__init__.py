"""Click subcommands, one module each; imported lazily by :mod:`slvg_bench.cli`.

Modules here import only click and the standard library at top level; heavy
imports (torch, av, pandas) happen inside the command functions.
"""

import math

import click


class FiniteFloatRange(click.FloatRange):
    """A :class:`click.FloatRange` that also refuses ``nan`` and ``inf`` (which pass a plain range check)."""

    name = "finite float range"

    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return rv
