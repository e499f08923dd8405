"""``slvg-bench datasets``: list, verify and prepare datasets; write the cross-person pair list."""

from __future__ import annotations

import click

from slvg_bench.devices import device_callback

DATA_ROOT = click.option(
    "--data-root", type=click.Path(file_okay=False), default=None,
    help="Folder holding the datasets (<root>/<name>/...); default: $SLVG_BENCH_DATA.",
)  # fmt: skip


def _fmt_counts(counts: dict) -> str:
    return " / ".join(f"{s} {n:,}" if n is not None else f"{s} ?" for s, n in counts.items())


@click.group()
def datasets() -> None:
    """Datasets: which exist, what a download contains, and the preprocessing cache."""


@datasets.command("list")
@DATA_ROOT
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout instead of a table.")
def list_(data_root: str | None, as_json: bool) -> None:
    """Show every dataset with its splits, published counts and whether its data is found."""
    import json

    from slvg_bench.data.registry import DATASETS, adapter_class
    from slvg_bench.errors import DatasetError

    rows = []
    for name in DATASETS.names():
        cls = adapter_class(name)
        try:
            root = str(cls.locate(data_root, generate=False))
            counts = cls(root).expected() if cls.builtin else cls.expected_counts
        except DatasetError:
            root, counts = None, cls.expected_counts
        counts = {s: counts.get(s) for s in cls.splits}
        rows.append({"id": name, "title": cls.title, "splits": counts, "eval_splits": list(cls.eval_splits),
                     "keypoints": cls.has_keypoints, "builtin": cls.builtin, "root": root})  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    from slvg_bench.console import out_console

    table = Table("id", "dataset", "splits (videos)", "eval", "keypoints", "data")
    for r in rows:
        if r["root"]:
            where = f"[green]{r['root']}[/]"
        else:
            where = "[yellow]generated on first use[/]" if r["builtin"] else "[red]not found[/]"
        splits = _fmt_counts(r["splits"]) if any(v is not None for v in r["splits"].values()) else ", ".join(r["splits"])
        table.add_row(r["id"], r["title"], splits, ",".join(r["eval_splits"]), "yes" if r["keypoints"] else "-", where)
    out_console.print(table)


@datasets.command("verify")
@click.argument("name")
@DATA_ROOT
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout instead of a table.")
@click.option("--missing-out", type=click.Path(dir_okay=False), default=None,
              help="Write the ids of missing videos (one per line) to this file.")  # fmt: skip
@click.option("--show", type=click.IntRange(min=0), default=20, show_default=True, help="How many missing ids to print.")
def verify(name: str, data_root: str | None, as_json: bool, missing_out: str | None, show: int) -> None:
    """Compare what is on disk with the published counts: expected vs annotated vs found per split."""
    import json
    from pathlib import Path

    from slvg_bench.data.registry import get_adapter
    from slvg_bench.outputs import ensure_file_target

    if missing_out:  # its folder is created (and checked) before the scan, like every other output
        ensure_file_target(missing_out, "--missing-out")
    adapter = get_adapter(name, data_root)
    report = adapter.verify()
    if missing_out:
        Path(missing_out).write_text("".join(f"{m.id}\n" for m in report.missing), encoding="utf-8")
    if as_json:
        click.echo(json.dumps({
            "dataset": name, "root": str(report.root), "ok": report.ok,
            "splits": [{"split": r.split, "expected": r.expected, "annotated": r.annotated, "found": r.found,
                        "missing": r.missing} for r in report.rows],
            "missing": [m.__dict__ for m in report.missing], "notes": report.notes,
        }, indent=2))  # fmt: skip
        return
    from rich.table import Table

    from slvg_bench.console import out_console

    table = Table("split", "expected", "annotated", "found", "missing", "status", title=f"{name} at {report.root}")
    for r in report.rows:
        status = "[green]ok[/]" if r.ok else "[red]incomplete[/]"
        exp = f"{r.expected:,}" if r.expected is not None else "-"
        table.add_row(r.split, exp, f"{r.annotated:,}", f"{r.found:,}", f"{r.missing:,}", status)
    out_console.print(table)
    for m in report.missing[:show]:
        out_console.print(f"  missing {m.split}/{m.id}: {m.reason}", highlight=False)
    if len(report.missing) > show:
        out_console.print(f"  ... and {len(report.missing) - show} more (--missing-out FILE lists them all)")
    for note in report.notes[:show]:
        out_console.print(f"  note: {note}", highlight=False)


@datasets.command("prepare")
@click.argument("name")
@DATA_ROOT
@click.option("--resolution", type=click.IntRange(min=8), default=128, show_default=True, help="Side of the square output frames.")
@click.option("--keypoints", "keypoints", default=None, metavar="ESTIMATOR",
              help="Extract keypoints with this estimator (an id of slvg_bench.pose.estimators.ESTIMATORS).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes (default: min(4, CPUs); 1 = in-process).")
@click.option("--device", callback=device_callback, default=None, help="Device for the keypoint estimator (cpu, cuda, cuda:1).")
@click.option("--codec", type=click.Choice(["png", "raw"]), default="png", show_default=True,
              help="Frame storage in the clip files (both lossless).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Crop setting, e.g. --set margin=0.2 --set overflow=pad (see docs/datasets.md).")  # fmt: skip
def prepare(name, data_root, resolution, keypoints, workers, device, codec, overrides) -> None:
    """Crop, resize and store every video of NAME once (parallel, resumable; corrupt videos are reported)."""
    import dataclasses
    import warnings

    from slvg_bench.config import load_config
    from slvg_bench.console import err_console
    from slvg_bench.data.crop import CropConfig
    from slvg_bench.data.prepare import prepare as run_prepare
    from slvg_bench.data.registry import adapter_class

    crop = load_config(CropConfig, dataclasses.asdict(adapter_class(name).default_crop(resolution)), overrides=overrides)
    crop.validate()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = run_prepare(name, data_root=data_root, keypoints=keypoints, crop=crop, codec=codec,
                             workers=workers, device=device)  # fmt: skip
    for w in caught:
        err_console.print(f"[yellow]warning:[/] {w.message}", highlight=False, soft_wrap=True)
    err_console.print(
        f"{name}: {report.ok} clips ready ({report.prepared} new, {report.reused} reused), "
        f"{len(report.failed)} failed, {len(report.missing)} missing from the download, {report.seconds:.1f}s",
        highlight=False,
    )
    for f in report.failed[:50]:
        err_console.print(f"  [red]failed[/] {f.split}/{f.id}: {f.error}", highlight=False, soft_wrap=True)
    click.echo(str(report.folder))


@datasets.command("pairs")
@click.argument("name")
@DATA_ROOT
@click.option("--split", default=None, help="Split (default: test).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="CSV to write (default: in the cache home).")
def pairs(name: str, data_root: str | None, split: str | None, seed: int, out: str | None) -> None:
    """Write the deterministic cross-person pair list (source signer A, driving signer B != A)."""
    from slvg_bench.data.cross_person import cross_person_pairs

    if out:
        from slvg_bench.data.registry import adapter_class
        from slvg_bench.errors import UsageError
        from slvg_bench.outputs import ensure_file_target

        splits = adapter_class(name).splits  # a typo fails before --out's folder is created
        if split is not None and split not in splits:
            raise UsageError(f"dataset {name!r} has no split {split!r}; its splits: {', '.join(splits)}")
        ensure_file_target(out, "--out")
    listed, path = cross_person_pairs(name, split, data_root=data_root, seed=seed, out=out)
    click.echo(f"{len(listed)} pairs", err=True)
    click.echo(str(path))
