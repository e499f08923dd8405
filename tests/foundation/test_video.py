import hashlib

import numpy as np
import pytest
import torch
from PIL import Image

from slvg_bench import video
from slvg_bench.errors import VideoReadError


@pytest.fixture
def frames():
    rng = np.random.default_rng(0)
    # smooth content so lossy codecs stay close; plus noise for the lossless check
    y, x = np.mgrid[0:64, 0:48]
    base = np.stack([(x * 5) % 256, (y * 4) % 256, ((x + y) * 3) % 256], -1)
    return np.stack([np.roll(base, t, axis=1) for t in range(6)]).astype(np.uint8) ^ rng.integers(0, 2, (6, 64, 48, 3), dtype=np.uint8)


def test_float_uint8_round_trip(frames):
    v = video.to_float(frames)
    assert v.shape == (6, 3, 64, 48) and v.dtype == torch.float32
    assert 0.0 <= v.min() and v.max() <= 1.0
    np.testing.assert_array_equal(video.to_uint8(v), frames)


def test_lossless_mp4_round_trip_is_exact_and_deterministic(tmp_path, frames):
    p = video.write_mp4(tmp_path / "a.mp4", frames, fps=25, lossless=True)
    np.testing.assert_array_equal(video.read_video_uint8(p), frames)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    p2 = video.write_mp4(tmp_path / "b.mp4", frames, fps=25, lossless=True)
    assert hashlib.sha256(p2.read_bytes()).hexdigest() == digest


def test_lossy_mp4_is_close(tmp_path, frames):
    smooth = (frames & 0xFE)  # drop the noise bit
    p = video.write_mp4(tmp_path / "a.mp4", smooth, crf=10)
    out = video.read_video_uint8(p)
    assert out.shape == smooth.shape
    assert np.abs(out.astype(int) - smooth).mean() < 6


def test_read_video_returns_float_tensor(tmp_path, frames):
    p = video.write_mp4(tmp_path / "a.mp4", frames, lossless=True)
    v = video.read_video(p)
    assert v.shape == (6, 3, 64, 48)
    torch.testing.assert_close(v, video.to_float(frames))


def test_gif_round_trip_shape(tmp_path, frames):
    p = video.write_gif(tmp_path / "a.gif", frames)
    out = video.read_video_uint8(p)
    assert out.shape == frames.shape


def test_frame_folder_natural_order(tmp_path, frames):
    folder = tmp_path / "clip"
    folder.mkdir()
    for i, f in enumerate(frames):  # names whose lexical order differs from numeric order
        Image.fromarray(f).save(folder / f"images{i * 5}.png")
    np.testing.assert_array_equal(video.read_video_uint8(folder), frames)


def test_write_frames_then_read(tmp_path, frames):
    video.write_video(tmp_path / "out", frames)
    np.testing.assert_array_equal(video.read_video_uint8(tmp_path / "out"), frames)


def test_grayscale_and_rgba_become_rgb(tmp_path):
    folder = tmp_path / "gray"
    folder.mkdir()
    g = np.arange(32 * 32, dtype=np.uint8).reshape(32, 32)
    Image.fromarray(g, mode="L").save(folder / "0.png")
    out = video.read_video_uint8(folder)
    assert out.shape == (1, 32, 32, 3)
    np.testing.assert_array_equal(out[0, ..., 0], g)
    np.testing.assert_array_equal(out[0, ..., 2], g)

    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 100
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "a.png")
    out = video.read_video_uint8(tmp_path / "a.png")
    assert out.shape == (1, 8, 8, 3) and out[0, 0, 0, 0] == 200


def test_grayscale_video_file(tmp_path):
    import av

    path = tmp_path / "gray.avi"
    with av.open(str(path), "w") as c:
        s = c.add_stream("ffv1", rate=25)
        s.width, s.height, s.pix_fmt = 16, 16, "gray"
        for t in range(3):
            f = av.VideoFrame.from_ndarray(np.full((16, 16), 40 * t, np.uint8), format="gray")
            for pkt in s.encode(f):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    out = video.read_video_uint8(path)
    assert out.shape == (3, 16, 16, 3)
    assert out[2, 0, 0].tolist() == [80, 80, 80]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_bytes(b"not a video" * 50), "could not be decoded"),
    ],
)
def test_bad_files_name_the_path(tmp_path, make, message):
    p = tmp_path / "bad.mp4"
    make(p)
    with pytest.raises(VideoReadError, match=message) as info:
        video.read_video(p)
    assert str(p) in str(info.value)


def test_truncated_mp4(tmp_path, frames):
    p = video.write_mp4(tmp_path / "a.mp4", frames, lossless=True)
    data = p.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(VideoReadError, match="cut.mp4"):
        video.read_video(cut)


def test_empty_folder_and_bad_suffix(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(VideoReadError, match="holds no frames"):
        video.read_video(tmp_path / "empty")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(VideoReadError, match="unsupported suffix"):
        video.read_video(tmp_path / "x.txt")


def test_corrupt_frame_in_folder(tmp_path, frames):
    folder = tmp_path / "clip"
    video.write_frames(folder, frames)
    (folder / "000003.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(VideoReadError, match="000003.png"):
        video.read_video(folder)


def test_video_info(tmp_path, frames):
    p = video.write_mp4(tmp_path / "a.mp4", frames, fps=30, lossless=True)
    info = video.video_info(p)
    assert (info.n_frames, info.height, info.width) == (6, 64, 48)
    assert info.fps == pytest.approx(30)


def _png16(path, arr: np.ndarray) -> None:
    """Write a 16-bit PNG by hand (grey ``H×W`` or RGB ``H×W×3`` uint16): Pillow cannot write 16-bit RGB."""
    import struct
    import zlib

    h, w = arr.shape[:2]
    colour = 0 if arr.ndim == 2 else 2
    raw = b"".join(b"\0" + arr[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colour, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def grey_frames(t=3, h=24, w=32):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (t, h, w), dtype=np.uint8)


def test_16bit_grey_png_frames_are_scaled_not_clipped(tmp_path):
    """Issue 17: Pillow's convert("RGB") clips I;16 at 255, so 16-bit frames read as all white."""
    from slvg_bench.evaluate import EvaluateConfig, evaluate

    g = grey_frames()
    (tmp_path / "pred" / "v").mkdir(parents=True)
    (tmp_path / "target" / "v").mkdir(parents=True)
    for i, frame in enumerate(g):
        Image.fromarray(frame.astype(np.uint16) * 257).save(tmp_path / "pred" / "v" / f"{i}.png")
        Image.fromarray(frame, mode="L").save(tmp_path / "target" / "v" / f"{i}.png")
    assert Image.open(tmp_path / "pred" / "v" / "0.png").mode == "I;16"
    read = video.read_video_uint8(tmp_path / "pred" / "v")
    np.testing.assert_array_equal(read, np.repeat(g[..., None], 3, axis=3))
    res = evaluate(EvaluateConfig(pred=str(tmp_path / "pred"), target=str(tmp_path / "target"), metrics=("l1", "ssim")),
                   tmp_path / "r.parquet", progress=False)
    values = {e.name: e.value for e in res.aggregate}
    assert values["l1"] == 0.0 and values["ssim"] == pytest.approx(1.0, abs=1e-12)  # were 0.615 and 0.241


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I"])
def test_every_16bit_grey_mode_rounds_to_the_nearest_8bit_level(tmp_path, mode):
    levels = np.array([[0, 128, 256, 257, 384, 385, 65535]], dtype=np.int64)
    expected = np.round(levels / 257).astype(np.uint8)  # 0 0 1 1 1 1 255 (never a .5 tie: 257 is odd)
    if mode == "I":
        img = Image.fromarray(levels.astype(np.int32))
    else:
        img = Image.frombytes(mode, (levels.shape[1], 1), levels.astype("<u2" if mode == "I;16" else ">u2").tobytes())
    assert img.mode == mode
    out = video._image_to_rgb(img, tmp_path / "x.png")
    assert out.dtype == np.uint8 and out.shape == (1, 7, 3)
    np.testing.assert_array_equal(out[..., 0], expected)
    np.testing.assert_array_equal(out[..., 2], expected)
    np.testing.assert_array_equal(video.sixteen_to_eight(np.arange(256) * 257), np.arange(256))


def test_32bit_integer_frames_outside_16_bits_are_refused(tmp_path):
    img = Image.fromarray(np.array([[0, 70000]], dtype=np.int32))
    with pytest.raises(VideoReadError, match=r"is a I image with values 0…70000; expected 8-bit or 16-bit"):
        video._image_to_rgb(img, tmp_path / "x.png")


def test_16bit_rgb_png_keeps_the_8bit_levels(tmp_path):
    rgb = np.stack([grey_frames(1)[0], 255 - grey_frames(1)[0], grey_frames(1)[0] // 2], axis=-1)
    _png16(tmp_path / "rgb16.png", rgb.astype(np.uint16) * 257)
    _png16(tmp_path / "grey16.png", rgb[..., 0].astype(np.uint16) * 257)
    np.testing.assert_array_equal(video.read_image(tmp_path / "rgb16.png"), rgb)
    np.testing.assert_array_equal(video.read_image(tmp_path / "grey16.png"), np.repeat(rgb[..., :1], 3, axis=2))
