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
    """Print frame count, size and fps of each video (every frame is decoded: an unreadable frame,
    mixed frame sizes or a truncated file is an error, exit 1)."""
    from rich.markup import escape
    from rich.table import Table

    from slvg_bench.console import err_console, out_console
    from slvg_bench.errors import VideoReadError
    from slvg_bench.video import video_info

    table = Table()
    table.add_column("video", overflow="fold")
    for name in ("frames", "height", "width", "fps"):
        table.add_column(name)
    bad = []
    for p in paths:
        try:
            i = video_info(p)
        except VideoReadError as e:
            bad.append(str(e))
            continue
        table.add_row(escape(i.path), str(i.n_frames), str(i.height), str(i.width), f"{i.fps:g}" if i.fps else "-")
    if table.row_count:
        out_console.print(table)
    for message in bad[:-1]:
        err_console.print(f"[red]unreadable:[/] {escape(message)}", highlight=False, soft_wrap=True)
    if bad:
        prefix = f"{len(bad)} of {len(paths)} videos are unreadable; " if len(paths) > 1 else ""
        raise VideoReadError(prefix + bad[-1])


@video.command("convert")
@click.argument("src", type=click.Path())
@click.argument("dst", type=click.Path())
@click.option("--fps", type=FiniteFloatRange(0, 1000, min_open=True), default=25.0, show_default=True, help="Frame rate of the output.")
@click.option("--lossless/--no-lossless", default=False, show_default=True, help="Lossless RGB H.264 for .mp4 output.")
def convert(src: str, dst: str, fps: float, lossless: bool) -> None:
    """Convert SRC to DST: .mp4 (H.264), .gif, or a folder of PNG frames (no suffix)."""
    from pathlib import Path

    from slvg_bench.errors import UsageError
    from slvg_bench.outputs import ensure_dir, ensure_file_target
    from slvg_bench.video import read_video_uint8, write_video

    suffix = Path(dst).suffix.lower()
    if suffix not in (".mp4", ".gif", ""):
        raise UsageError(f"DST {dst!r} ends in {suffix!r}; expected a .mp4 or .gif file, or a folder name without "
                         f"a suffix (PNG frames)")
    if suffix == ".gif" and fps > 100:
        raise UsageError(f"--fps {fps:g} is too fast for a GIF (frame durations are whole centiseconds); use at most 100")
    frames = read_video_uint8(src)
    n, h, w, _ = frames.shape
    if suffix == ".mp4" and not lossless and (h % 2 or w % 2):
        raise UsageError(f"SRC {src!r} is {w}x{h}: lossy H.264 needs an even width and height; pass --lossless "
                         f"(RGB H.264 takes any size) or write a .gif or a frame folder")
    if suffix:
        ensure_file_target(dst, "DST")
    else:
        ensure_dir(dst, "DST")
    kwargs = {"lossless": lossless} if suffix == ".mp4" else {}
    write_video(dst, frames, fps=fps, **kwargs)
    click.echo(f"wrote {dst} ({n} frames)", err=True)
