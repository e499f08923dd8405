"""The attack on every ``slvg-bench`` command (issue 16), run by ``python tools/attack.py``.

Modules: ``harness`` (Res, Case, Ctx, Skip and the shared inputs), ``checks`` (snapshots and result checks),
``hostile`` (malicious checkpoint and pickle files), ``commands`` (the base command lines), ``cases_*`` (the case
tables, one module per group of categories) and ``driver`` (the order of the cases, classification, ``main``).
"""
