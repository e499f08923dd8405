"""Click subcommands, one module each; imported lazily by :mod:`slvg_bench.cli`.

Modules here import only click and the standard library at top level; heavy
imports (torch, av, pandas) happen inside the command functions.
"""
