"""Class 10 of issue 16: `video info` decodes what it describes, so a broken video is an error."""

from __future__ import annotations

import numpy as np
from PIL import Image

from slvg_bench.video import write_mp4

from .conftest import frames_for


def _png(path, h=8, w=8):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.zeros((h, w, 3), np.uint8)).save(path)


def test_folder_with_a_corrupt_png(cli, tmp_path):
    folder = tmp_path / "frames"
    _png(folder / "f1.png")
    (folder / "f2.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    cli("video", "info", folder).expect(1, "f2.png", "not a readable image")


def test_folder_with_mixed_frame_sizes(cli, tmp_path):
    folder = tmp_path / "frames"
    _png(folder / "f1.png", 8, 8)
    _png(folder / "f2.png", 8, 10)
    cli("video", "info", folder).expect(1, str(folder), "mixes frame sizes", "8x8", "10x8")


def test_truncated_mp4(cli, tmp_path):
    good = tmp_path / "good.mp4"
    write_mp4(good, frames_for("g", 20), lossless=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    cli("video", "info", cut).expect(1, "cut.mp4")
    r = cli("video", "info", good).expect(0)
    assert "20" in r.out


def test_mp4_with_faststart_and_cut_frames_is_truncated(cli, tmp_path):
    """moov in front (streamable mp4), data cut: the header declares more frames than decode."""
    import av

    path = tmp_path / "fast.mp4"
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "faststart"}) as c:
        s = c.add_stream("libx264rgb", rate=25)
        s.pix_fmt, s.width, s.height = "rgb24", 32, 32
        s.options = {"qp": "0"}
        for f in frames_for("f", 30):
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    data = path.read_bytes()
    cut = tmp_path / "fastcut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    cli("video", "info", cut).expect(1, "fastcut.mp4")


def test_empty_folder_text_file_and_unknown_suffix(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    cli("video", "info", tmp_path / "empty").expect(1, "holds no frames")
    (tmp_path / "notes.mp4").write_text("hello")
    cli("video", "info", tmp_path / "notes.mp4").expect(1, "notes.mp4", "could not be decoded")
    (tmp_path / "clip.xyz").write_bytes(b"1234")
    cli("video", "info", tmp_path / "clip.xyz").expect(1, "unsupported suffix '.xyz'")


def test_several_paths_report_the_good_ones_and_fail(cli, tmp_path):
    good = tmp_path / "good.mp4"
    write_mp4(good, frames_for("g", 5), lossless=True)
    (tmp_path / "bad.mp4").write_bytes(b"")
    r = cli("video", "info", good, tmp_path / "bad.mp4").expect(1, "1 of 2 videos are unreadable", "bad.mp4")
    assert "good.mp4" in r.out


def test_a_good_frame_folder(cli, tmp_path):
    folder = tmp_path / "frames"
    for i in range(3):
        _png(folder / f"img{i}.png", 6, 4)
    r = cli("video", "info", folder).expect(0)
    assert "3" in r.out and "6" in r.out
