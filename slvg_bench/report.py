"""Printing aggregate results (``evaluate`` and ``run`` share it): a rich table plus notes on stderr."""

from __future__ import annotations


def print_aggregate(console, title: str, entries, summary: dict) -> None:
    """The figures (value, direction, videos, missing, note), protocol notes, unavailable metrics, failures."""
    from rich.markup import escape
    from rich.table import Table

    unavailable = summary.get("unavailable_metrics", {})
    table = Table(title=title, title_justify="left")
    for col, kw in [("metric", {}), ("", {}), ("value", {"justify": "right"}), ("videos", {"justify": "right"}),
                    ("missing", {"justify": "right"}), ("note", {"overflow": "fold"})]:
        table.add_column(col, **kw)
    for e in entries:
        value = "n/a" if e.value != e.value else f"{e.value:.6g}"
        note = e.reason or ""
        if e.metric in unavailable:
            note = "unavailable (see below)"
        elif e.reducer == "corpus" and not e.reason:
            d = e.details
            note = f"{d.get('n_clips_generated')}/{d.get('n_clips_real')} clips, {d.get('clip_length')} frames, {d.get('covariance')} cov."
        table.add_row(escape(e.name), "↑" if e.higher_is_better else "↓", value, str(e.n_videos), str(e.n_missing),
                      escape(note))
    console.print(table)
    for e in entries:
        if e.reducer == "corpus" and e.details:
            console.print(f"[bold]{e.metric}[/] protocol: " + escape("; ".join(f"{k}: {v}" for k, v in e.details.items())),
                          highlight=False, soft_wrap=True)
    for reason in unavailable.values():
        console.print(f"[yellow]{escape(reason)}[/]", highlight=False, soft_wrap=True)
    failed = summary.get("failed_videos") or {}
    if failed:
        console.print(f"[red]{len(failed)} video(s) failed[/] (status 'failed' in the rows):")
        for vid, msg in list(failed.items())[:10]:
            console.print(f"  {escape(vid)}: {escape(msg)}", highlight=False, soft_wrap=True)
