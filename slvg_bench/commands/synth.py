"""``slvg-bench synth``: generate the built-in synthetic signer dataset."""

from __future__ import annotations

import click


@click.command()
@click.option("--out", "out_dir", type=click.Path(), default=None,
              help="Dataset root to create (default: $SLVG_BENCH_HOME/data/synthsign).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Dataset seed (same seed -> identical bytes).")
@click.option("--size", type=click.Choice(["tiny", "small", "medium", "large"]), default="small", show_default=True,
              help="How many videos per signer (small: 188 videos, under a minute on 2 idle cores).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes (default: all cores, at most 8).")
@click.option("--preview", type=click.Path(), default=None,
              help="Also write a PNG grid of sample frames to this file (.png or .jpg).")
def synth(out_dir: str | None, seed: int, size: str, workers: int | None, preview: str | None) -> None:
    """Generate synthsign: 12 synthetic signers, 48 glosses, isolated signs and
    sentences, exact COCO-WholeBody keypoints, train/dev/test split by signer."""
    import time

    from slvg_bench import paths
    from slvg_bench.console import err_console
    from slvg_bench.data.synthsign import generate
    from slvg_bench.data.synthsign.generate import load_index, preview_grid

    from pathlib import Path

    from slvg_bench.errors import UsageError
    from slvg_bench.outputs import ensure_dir, ensure_file_target

    root = out_dir or str(paths.synthsign_dir())
    if preview:
        if Path(preview).suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise UsageError(f"--preview {preview!r} must be an image file name ending in .png or .jpg")
        ensure_file_target(preview, "--preview")
    ensure_dir(root)
    start = time.perf_counter()
    generate(root, seed=seed, size=size, workers=workers)
    rows = load_index(root)
    counts = {s: sum(r["split"] == s for r in rows) for s in ("train", "dev", "test")}
    frames = sum(r["n_frames"] for r in rows)
    err_console.print(
        f"synthsign at [bold]{root}[/]: {len(rows)} videos ({counts['train']} train, {counts['dev']} dev, "
        f"{counts['test']} test), {frames} frames, {time.perf_counter() - start:.1f}s"
    )
    if preview:
        preview_grid(preview, seed=seed)
        err_console.print(f"preview grid written to {preview}")
