"""A :class:`~slvg_bench.regression.compare.CheckReport` for people and machines.

:func:`print_check` — the rich table (figure, direction, expected, measured, delta, tolerance,
verdict, note) and a summary line; :func:`format_text` — the same as plain text (pytest assertion
messages, logs); the JSON is ``CheckReport.to_dict()``.
"""

from __future__ import annotations

from slvg_bench.regression.compare import STATUSES, CheckReport, Verdict

COLUMNS = ("figure", "", "expected", "measured", "delta", "tolerance", "verdict", "note")


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.6g}"


def _delta(v: Verdict) -> str:
    if v.delta is None:
        return "—"
    rel = v.relative_delta
    return f"{v.delta:+.4g}" + (f" ({rel * 100:+.2f}%)" if rel is not None else "")


def _arrow(v: Verdict) -> str:
    return "" if v.higher_is_better is None else ("↑" if v.higher_is_better else "↓")


def cells(v: Verdict) -> list[str]:
    return [v.name, _arrow(v), _num(v.expected), _num(v.measured), _delta(v), v.tolerance, v.label, v.note]


def print_check(console, report: CheckReport, summary: bool = True) -> None:
    """The verdict table and (``summary``) one summary line, green when passed, red when not."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"slvg-bench check — {report.run} against {report.baseline}", title_justify="left")
    for col in COLUMNS:
        kw = {"justify": "right"} if col in ("expected", "measured", "delta") else {}
        if col == "note":
            kw = {"overflow": "fold"}
        table.add_column(col, **kw)
    for v in report.verdicts:
        row = [escape(c) for c in cells(v)]
        style = "bold red" if v.failed else STATUSES[v.status].style
        row[6] = f"[{style}]{row[6]}[/]"
        table.add_row(*row)
    console.print(table)
    if not summary:
        return
    style = "green" if report.passed else "bold red"
    console.print(f"[{style}]{escape(report.summary_line())}[/]", highlight=False, soft_wrap=True)


def format_text(report: CheckReport) -> str:
    """The report as an aligned plain-text table under its summary line."""
    rows = [list(COLUMNS)] + [cells(v) for v in report.verdicts]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    lines = [report.summary_line()]
    for r in rows:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    return "\n".join(line.rstrip() for line in lines)
