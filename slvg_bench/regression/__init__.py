"""Regression checks: a run against a stored baseline (``slvg-bench check``, ``slvg_bench.testing``).

- :mod:`.measured`  — a run's figures, per-video rows and unavailable metrics, from a run directory,
  an aggregate JSON, a Parquet result file or an in-memory result (``Evaluator.compute()``).
- :mod:`.baseline`  — the baseline file (YAML or JSON): per figure the expected value and a
  tolerance, or ``significant: true`` with per-video values; reading, validation, writing.
- :mod:`.compare`   — the verdict of every baselined figure (ok, improved, regressed, no value,
  not checked) and the exit code; the paired test is :mod:`slvg_bench.bootstrap`.
- :mod:`.report`    — the rich table, the plain-text table (assertion messages) and the JSON.

Importing this package imports no torch.
"""
