"""``slvg-bench video``: inspect and convert videos (files or frame folders)."""

from __future__ import annotations

import click

from slvg_bench.commands import FiniteFloatRange


@click.group()
def video() -> None:
    """Inspect and convert videos (mp4/avi/webm/mov/mkv/gif or frame folders)."""


@video.command("info")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def info(paths: tuple[str, ...]) -> None:
    """Print frame count, size and fps of each video."""
    from rich.table import Table

    from slvg_bench.console import out_console
    from slvg_bench.video import video_info

    table = Table("video", "frames", "height", "width", "fps")
    for p in paths:
        i = video_info(p)
        table.add_row(i.path, str(i.n_frames), str(i.height), str(i.width), f"{i.fps:g}" if i.fps else "-")
    out_console.print(table)


@video.command("convert")
@click.argument("src", type=click.Path())
@click.argument("dst", type=click.Path())
@click.option("--fps", type=FiniteFloatRange(0, 1000, min_open=True), default=25.0, show_default=True, help="Frame rate of the output.")
@click.option("--lossless/--no-lossless", default=False, show_default=True, help="Lossless RGB H.264 for .mp4 output.")
def convert(src: str, dst: str, fps: float, lossless: bool) -> None:
    """Convert SRC to DST: .mp4 (H.264), .gif, or a folder of PNG frames (no suffix)."""
    from slvg_bench.video import read_video_uint8, write_video

    frames = read_video_uint8(src)
    kwargs = {"lossless": lossless} if dst.lower().endswith(".mp4") else {}
    write_video(dst, frames, fps=fps, **kwargs)
    click.echo(f"wrote {dst} ({len(frames)} frames)", err=True)
