"""Printing aggregate results (``evaluate`` and ``run`` share it): a rich table plus notes on stderr."""

from __future__ import annotations


def print_aggregate(console, title: str, entries, summary: dict) -> None:
    """The figures (value, direction, 95 % interval, videos, missing, note), protocol notes, unavailable
    metrics, failures.

    A figure with a ``warning`` (an FVD from an unofficial I3D file) has ``!`` after its value, the
    warning as its note, and the warning again in bold yellow below the table. When the primary
    figures are over different numbers of videos (a metric skipped some), a line below says so."""
    from rich.markup import escape
    from rich.table import Table

    unavailable = summary.get("unavailable_metrics", {})
    table = Table(title=title, title_justify="left")
    level = next((e.ci_level for e in entries if getattr(e, "ci_level", None)), 0.95)
    right = {"justify": "right"}
    for col, kw in [("metric", {}), ("", {}), ("value", right), (f"{level:.0%} CI", right), ("videos", right),
                    ("missing", right), ("note", {"overflow": "fold"})]:
        table.add_column(col, **kw)
    for e in entries:
        value = "n/a" if e.value != e.value else f"{e.value:.6g}"
        note = e.reason or ""
        if e.metric in unavailable:
            note = "unavailable (see below)"
        elif e.reducer == "corpus" and not e.reason:
            note = _corpus_note(e)
        warning = getattr(e, "warning", None)
        if warning and e.value == e.value:
            value += " !"
            note = f"{warning}; {note}" if note else warning
        lo, hi = getattr(e, "ci_low", float("nan")), getattr(e, "ci_high", float("nan"))
        ci = f"[{lo:.4g}, {hi:.4g}]" if lo == lo and hi == hi else "–"
        table.add_row(escape(e.name), "↑" if e.higher_is_better else "↓", value, ci, str(e.n_videos),
                      str(e.n_missing), escape(note))
    console.print(table)
    counts = {e.name: e.n_videos for e in entries if e.primary and e.value == e.value}
    if len(set(counts.values())) > 1:
        listed = ", ".join(f"{k} {v}" for k, v in counts.items())
        console.print(f"[yellow]the figures are over different videos[/] (a metric could not score some; see "
                      f"'missing'): {escape(listed)}", highlight=False, soft_wrap=True)
    shown = set()
    for e in entries:
        if e.reducer == "corpus" and e.details and e.metric not in shown:
            shown.add(e.metric)
            console.print(f"[bold]{e.metric}[/] protocol: " + escape("; ".join(f"{k}: {v}" for k, v in e.details.items())),
                          highlight=False, soft_wrap=True)
    for e in entries:
        if getattr(e, "warning", None) and e.value == e.value:
            console.print(f"[bold yellow]warning: {escape(e.name)} {e.value:.6g}: {escape(e.warning)}[/]",
                          highlight=False, soft_wrap=True)
    for reason in unavailable.values():
        console.print(f"[yellow]{escape(reason)}[/]", highlight=False, soft_wrap=True)
    failed = summary.get("failed_videos") or {}
    if failed:
        console.print(f"[red]{len(failed)} video(s) failed[/] (status 'failed' in the rows):")
        for vid, msg in list(failed.items())[:10]:
            console.print(f"  {escape(vid)}: {escape(msg)}", highlight=False, soft_wrap=True)


def _corpus_note(e) -> str:
    """One line on how a corpus figure was obtained (FVD clips, WER error counts)."""
    d = e.details
    if "n_clips_generated" in d:
        return f"{d.get('n_clips_generated')}/{d.get('n_clips_real')} clips, {d.get('clip_length')} frames, {d.get('covariance')} cov."
    side = d.get("real" if e.column.endswith("-real") else "generated")
    if isinstance(side, dict):
        what = "real target videos" if e.column.endswith("-real") else "generated videos"
        return (f"{what}: S {side['substitutions']}, D {side['deletions']}, I {side['insertions']} of "
                f"{side['n_ref']} glosses ({d.get('recognizer')}, {d.get('decoder')})")
    return ""
