"""``slvg-bench weights``: list, add and download pretrained weight files."""

from __future__ import annotations

import click


@click.group()
def weights() -> None:
    """Pretrained weight files: list their status, add local copies, download."""


@weights.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout instead of a table.")
def list_(as_json: bool) -> None:
    """Show every known weight file with present / missing / bad-checksum / unverified."""
    import json

    from rich.table import Table

    from slvg_bench import weights as W
    from slvg_bench.console import out_console

    rows = [(s, W.status(s), W.weight_path(s)) for s in W.all_specs()]
    if as_json:
        click.echo(json.dumps([
            {"id": s.id, "status": st, "path": str(p), "sha256": s.sha256, "used_by": list(s.used_by)}
            for s, st, p in rows
        ], indent=2))
        return
    colour = {"present": "green", "unverified": "yellow", "missing": "red", "bad-checksum": "bold red"}
    table = Table("id", "status", "file", "used by", "get it with")
    for s, st, p in rows:
        table.add_row(s.id, f"[{colour[st]}]{st}[/]", str(p), ", ".join(s.used_by),
                      "" if st in ("present", "unverified") else W.install_hint(s))
    out_console.print(table)


@weights.command("add")
@click.argument("weight_id")
@click.argument("path", type=click.Path())
def add(weight_id: str, path: str) -> None:
    """Verify PATH against WEIGHT_ID's checksum, open and check it for its kind (expected entries, keys
    and shapes; read weights-only), and copy it into the cache. Nothing is installed when a check fails."""
    from rich.markup import escape

    from slvg_bench import weights as W
    from slvg_bench.console import err_console

    found: list = []
    spec = W.get_spec(weight_id)
    dest = W.add(weight_id, path, on_validated=found.append)
    digest = W.cached_sha256(dest)
    what = f": {found[0]}" if found and found[0] else ""
    err_console.print(f"installed {escape(weight_id)} -> {escape(str(dest))}{escape(what)}", highlight=False,
                      soft_wrap=True)
    if W.status(spec) == "unverified":
        err_console.print(
            f"[bold yellow]UNVERIFIED:[/] upstream publishes no checksum for {escape(weight_id)}, so where this file "
            f"comes from cannot be verified" + (" (its structure was checked)" if found and found[0] else "")
            + f"; its sha256 {digest} is recorded and reported in the provenance of every run that uses it",
            highlight=False, soft_wrap=True)
    else:
        err_console.print(f"checksum verified (sha256 {digest})", highlight=False)


@weights.command("download")
@click.argument("weight_ids", nargs=-1, required=True)
def download(weight_ids: tuple[str, ...]) -> None:
    """Download WEIGHT_IDS from their URLs, verify and install them."""
    from slvg_bench import weights as W

    for wid in weight_ids:
        dest = W.download(wid)
        click.echo(f"installed {wid} -> {dest}", err=True)


@weights.command("path")
@click.argument("weight_id")
def path(weight_id: str) -> None:
    """Print where WEIGHT_ID is (or would be) installed."""
    from slvg_bench import weights as W

    click.echo(str(W.weight_path(weight_id)))


@weights.command("pack")
@click.argument("checkpoint", type=click.Path())
@click.argument("out", type=click.Path())
@click.option("--dtype", type=click.Choice(["float16", "bfloat16", "float32"]), default="float16", show_default=True,
              help="Storage type of the floating-point tensors.")
def pack(checkpoint: str, out: str, dtype: str) -> None:
    """Write the compact, shippable form of a training CHECKPOINT to OUT (model + config + provenance)."""
    from slvg_bench import weights as W
    from slvg_bench.outputs import ensure_file_target
    from slvg_bench.shipping import pack_checkpoint

    ensure_file_target(out, "OUT")  # a folder, a read-only or full disk: said before the checkpoint is read
    info = pack_checkpoint(checkpoint, out, dtype)
    click.echo(f"packed {checkpoint} (step {info['step']}, code {info['code_version']}) -> {out} "
               f"({dtype}, sha256 {W.sha256_file(out)})", err=True)
