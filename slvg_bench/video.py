"""Video IO: decode files or frame folders to tensors, encode mp4/GIF/PNG folders.

In memory a video is a float32 tensor ``T×3×H×W`` in [0, 1] (the data contract
of the whole toolkit); on disk and at the IO boundary it is uint8 ``T×H×W×3``.
Grayscale, palette and RGBA inputs are converted to RGB (alpha is dropped); 16-bit grey PNG
frames are scaled to 8 bits (``round(v / 257)``), not clipped.

Readable: ``.mp4 .avi .webm .mov .mkv .gif`` files (PyAV) and folders of
``.png/.jpg/.jpeg/.bmp`` frames (natural sort order, so ``img2`` < ``img10``).
Every failure (missing, empty, truncated, undecodable) raises
:class:`~slvg_bench.errors.VideoReadError` naming the path.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np

from slvg_bench.errors import VideoReadError

VIDEO_SUFFIXES = (".mp4", ".avi", ".webm", ".mov", ".mkv", ".gif")
FRAME_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def natural_key(name: str) -> list:
    """Sort key that orders embedded numbers numerically (``f2`` before ``f10``)."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", name)]


def is_video_path(path: str | Path) -> bool:
    """True for a video file with a known suffix or a directory holding image frames."""
    p = Path(path)
    if p.is_dir():
        return any(f.suffix.lower() in FRAME_SUFFIXES for f in p.iterdir())
    return p.suffix.lower() in VIDEO_SUFFIXES


def list_frame_files(folder: str | Path) -> list[Path]:
    """Image files of a frame folder in natural order."""
    folder = Path(folder)
    files = [f for f in folder.iterdir() if f.is_file() and f.suffix.lower() in FRAME_SUFFIXES]
    return sorted(files, key=lambda f: natural_key(f.name))


# ---------------------------------------------------------------------------------------------
# uint8 <-> float conversions


def to_float(frames: np.ndarray):
    """uint8 ``T×H×W×3`` (or ``H×W×3``) -> float32 torch tensor ``T×3×H×W`` in [0, 1]."""
    import torch

    arr = np.asarray(frames)
    if arr.dtype != np.uint8:
        raise ValueError(f"to_float expects uint8 frames, got dtype {arr.dtype}")
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(f"to_float expects T×H×W×3 uint8 frames, got shape {arr.shape}")
    return torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float().div_(255.0)


def to_uint8(video) -> np.ndarray:
    """float tensor ``T×3×H×W`` (or ``3×H×W``) in [0, 1] -> uint8 ``T×H×W×3`` (rounded, clipped)."""
    import torch

    v = video.detach() if isinstance(video, torch.Tensor) else torch.as_tensor(video)
    if v.ndim == 3:
        v = v[None]
    if v.ndim != 4 or v.shape[1] != 3:
        raise ValueError(f"to_uint8 expects a T×3×H×W video, got shape {tuple(v.shape)}")
    v = v.float().clamp(0, 1).mul(255.0).round().to(torch.uint8)
    return v.permute(0, 2, 3, 1).cpu().numpy()


# ---------------------------------------------------------------------------------------------
# reading


@dataclass(frozen=True)
class VideoInfo:
    """What a video is, without decoding every frame (``n_frames`` may be counted by decoding)."""

    path: str
    n_frames: int
    height: int
    width: int
    fps: float | None


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise VideoReadError(f"video {str(path)!r} does not exist (expected a video file or a folder of frames)")
    if not path.is_file() and not path.is_dir():  # a FIFO would block the decoder forever, a device never ends
        raise VideoReadError(f"video {str(path)!r} is not a regular file or a folder (a pipe, socket or device); "
                             f"expected a video file or a folder of frames")
    if path.is_file() and path.stat().st_size == 0:
        raise VideoReadError(f"video {str(path)!r} is an empty file (0 bytes)")


# 16-bit grey (PNG) as Pillow opens it; "I" (32-bit int) is how older Pillow opens the same files
SIXTEEN_BIT_GREY = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def sixteen_to_eight(values: np.ndarray) -> np.ndarray:
    """16-bit levels 0…65535 -> uint8 ``round(v / 257)`` (exact integer arithmetic; ``g·257`` -> ``g``).

    257 is odd, so ``v / 257`` never ends in exactly .5 and no tie rule is needed.
    """
    v = values.astype(np.int64)
    return ((2 * v + 257) // 514).astype(np.uint8)


def _image_to_rgb(img, path: Path) -> np.ndarray:
    """A PIL image -> uint8 ``H×W×3`` RGB.

    Grey, palette and RGBA images go through Pillow's ``convert("RGB")`` (alpha dropped). 16-bit
    grey (``I;16``, ``I;16B``, ``I`` …) is scaled to 8 bits here, ``round(v / 257)``: Pillow's
    ``convert`` clips those values at 255 instead, which made a 16-bit frame all white. 16-bit RGB(A)
    PNGs are opened by Pillow as 8-bit RGB(A) already, keeping the high byte (``floor(v / 256)``,
    at most one level below ``round(v / 257)``; ``g·257`` gives ``g`` exactly).
    """
    if img.mode in SIXTEEN_BIT_GREY:
        grey = np.asarray(img)
        if grey.ndim != 2 or grey.size and (int(grey.min()) < 0 or int(grey.max()) > 65535):
            lo, hi = (int(grey.min()), int(grey.max())) if grey.size else (0, 0)
            raise VideoReadError(f"frame {str(path)!r} is a {img.mode} image with values {lo}…{hi}; "
                                 f"expected 8-bit or 16-bit (0…65535) levels")
        return np.repeat(sixteen_to_eight(grey)[..., None], 3, axis=2)
    if img.mode != "RGB":
        img = img.convert("RGB")  # L, LA, P, RGBA, 1, CMYK ... -> RGB; alpha is dropped
    arr = np.asarray(img, dtype=np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise VideoReadError(f"frame {str(path)!r} could not be converted to RGB (shape {arr.shape})")
    return arr


def read_image(path: str | Path) -> np.ndarray:
    """One image file -> uint8 ``H×W×3`` RGB."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    _check_exists(path)
    try:
        with Image.open(path) as img:
            img.load()
            return _image_to_rgb(img, path)
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise VideoReadError(f"frame {str(path)!r} is not a readable image: {e}") from e


def _read_frame_folder(folder: Path) -> np.ndarray:
    files = list_frame_files(folder)
    if not files:
        raise VideoReadError(
            f"frame folder {str(folder)!r} holds no frames (expected files ending in {', '.join(FRAME_SUFFIXES)})"
        )
    frames = [read_image(f) for f in files]
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise VideoReadError(f"frame folder {str(folder)!r} mixes frame sizes {sorted(shapes)}")
    return np.stack(frames)


def _read_container(path: Path) -> np.ndarray:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoReadError(f"video {str(path)!r} has no video stream")
            stream = container.streams.video[0]
            declared = stream.frames or 0
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    except VideoReadError:
        raise
    except (av.FFmpegError, ValueError, OSError) as e:  # bad header, corrupt packets
        raise VideoReadError(f"video {str(path)!r} could not be decoded: {e}") from e
    if not frames:
        raise VideoReadError(f"video {str(path)!r} contains no decodable frames")
    if declared and len(frames) < declared:
        raise VideoReadError(
            f"video {str(path)!r} is truncated: its header declares {declared} frames, {len(frames)} decoded"
        )
    return np.stack(frames)


def read_video_uint8(path: str | Path) -> np.ndarray:
    """Decode a video file or frame folder to uint8 ``T×H×W×3`` RGB."""
    path = Path(path)
    _check_exists(path)
    if path.is_dir():
        return _read_frame_folder(path)
    if path.suffix.lower() in FRAME_SUFFIXES:
        return read_image(path)[None]
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise VideoReadError(
            f"video {str(path)!r} has an unsupported suffix {path.suffix!r} "
            f"(expected {', '.join(VIDEO_SUFFIXES)} or a folder of frames)"
        )
    return _read_container(path)


def read_video(path: str | Path):
    """Decode a video file or frame folder to a float32 tensor ``T×3×H×W`` in [0, 1]."""
    return to_float(read_video_uint8(path))


def video_info(path: str | Path) -> VideoInfo:
    """Frame count, size and fps, found by decoding every frame (one at a time, so memory stays small).

    A frame folder with an unreadable image or frames of different sizes, a truncated or corrupt
    video file, or an unsupported suffix raise :class:`VideoReadError` — the same checks as
    :func:`read_video_uint8`, so what ``video info`` accepts, ``evaluate`` can read.
    """
    import av

    path = Path(path)
    _check_exists(path)
    if path.is_dir():
        files = list_frame_files(path)
        if not files:
            raise VideoReadError(f"frame folder {str(path)!r} holds no frames "
                                 f"(expected files ending in {', '.join(FRAME_SUFFIXES)})")
        first = None
        for f in files:
            shape = read_image(f).shape
            if first is None:
                first = shape
            elif shape != first:
                raise VideoReadError(f"frame folder {str(path)!r} mixes frame sizes: {files[0].name} is "
                                     f"{first[1]}x{first[0]}, {f.name} is {shape[1]}x{shape[0]}")
        return VideoInfo(str(path), len(files), first[0], first[1], None)
    if path.suffix.lower() in FRAME_SUFFIXES:
        h, w, _ = read_image(path).shape
        return VideoInfo(str(path), 1, h, w, None)
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise VideoReadError(f"video {str(path)!r} has an unsupported suffix {path.suffix!r} "
                             f"(expected {', '.join(VIDEO_SUFFIXES)} or a folder of frames)")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoReadError(f"video {str(path)!r} has no video stream")
            stream = container.streams.video[0]
            declared = stream.frames or 0
            fps = float(stream.average_rate) if stream.average_rate else None
            n, size = 0, None
            for frame in container.decode(stream):
                n += 1
                size = size or (frame.height, frame.width)
    except VideoReadError:
        raise
    except (av.FFmpegError, ValueError, OSError) as e:
        raise VideoReadError(f"video {str(path)!r} could not be decoded: {e}") from e
    if n == 0:
        raise VideoReadError(f"video {str(path)!r} contains no decodable frames")
    if declared and n < declared:
        raise VideoReadError(f"video {str(path)!r} is truncated: its header declares {declared} frames, {n} decoded")
    return VideoInfo(str(path), n, size[0], size[1], fps)


# ---------------------------------------------------------------------------------------------
# writing


def _as_uint8(frames) -> np.ndarray:
    """Accept uint8 ``T×H×W×3`` arrays or float ``T×3×H×W`` tensors in [0, 1]."""
    if isinstance(frames, np.ndarray) and frames.dtype == np.uint8:
        arr = frames[None] if frames.ndim == 3 else frames
        if arr.ndim != 4 or arr.shape[-1] != 3:
            raise ValueError(f"expected uint8 T×H×W×3 frames, got shape {frames.shape}")
        return arr
    return to_uint8(frames)


def _atomic_target(path: Path) -> tuple[Path, Path]:
    from slvg_bench.errors import output_error

    if path.is_dir():
        raise output_error(path, IsADirectoryError(21, "Is a directory"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    except OSError as e:
        raise output_error(path, e) from e
    os.close(fd)
    return path, Path(tmp)


def check_fps(fps: float) -> float:
    """``fps`` as a finite, positive float (ValueError otherwise)."""
    import math

    fps = float(fps)
    if not math.isfinite(fps) or fps <= 0:
        raise ValueError(f"the frame rate must be a positive number, got {fps}")
    return fps


def write_mp4(
    path: str | Path,
    frames,
    fps: float = 25.0,
    *,
    lossless: bool = False,
    crf: int = 15,
) -> Path:
    """Encode H.264 mp4 (written atomically: temp file, then rename).

    Args:
        frames: uint8 ``T×H×W×3`` or float ``T×3×H×W`` in [0, 1].
        lossless: RGB lossless H.264 (``libx264rgb``, qp 0): decodes to the exact
            input pixels; used for datasets. Otherwise ``yuv420p`` with ``crf``
            (playable everywhere; needs even width and height).
        crf: quality for the lossy mode (0 best .. 51 worst).

    The output is byte-identical for identical input (single-threaded encoder,
    no timestamps in the container).
    """
    import av

    from slvg_bench.errors import output_error

    arr = _as_uint8(frames)
    t, h, w, _ = arr.shape
    rate = Fraction(check_fps(fps)).limit_denominator(1001)
    if not lossless and (h % 2 or w % 2):
        raise ValueError(f"lossy H.264 (yuv420p) needs even frame sizes, got {w}x{h} (or write it lossless)")
    path, tmp = _atomic_target(Path(path))
    try:
        with av.open(str(tmp), mode="w", format="mp4") as container:
            if lossless:
                stream = container.add_stream("libx264rgb", rate=rate)
                stream.pix_fmt = "rgb24"
                stream.options = {"qp": "0", "preset": "medium", "threads": "1"}
            else:
                stream = container.add_stream("libx264", rate=rate)
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": str(crf), "preset": "medium", "threads": "1"}
            stream.width, stream.height = w, h
            stream.codec_context.thread_count = 1
            for frame in arr:
                vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
                for packet in stream.encode(vf):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        os.replace(tmp, path)
    except OSError as e:  # PyAV's errno errors are OSErrors too (a full or read-only disk)
        raise output_error(path, e) from e
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_gif(path: str | Path, frames, fps: float = 12.5, loop: int = 0) -> Path:
    """Write an animated GIF (palette quantised per frame, for viewing, not for scoring)."""
    from PIL import Image

    from slvg_bench.errors import output_error

    arr = _as_uint8(frames)
    fps = check_fps(fps)
    path, tmp = _atomic_target(Path(path))
    images = [Image.fromarray(f) for f in arr]
    try:
        images[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=max(1, round(1000 / fps)),
            loop=loop,
            optimize=False,
        )
        os.replace(tmp, path)
    except OSError as e:
        raise output_error(path, e) from e
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_frames(folder: str | Path, frames, pattern: str = "{:06d}.png") -> Path:
    """Write each frame as an image file (``pattern`` decides the format by suffix)."""
    from PIL import Image

    from slvg_bench.errors import output_error

    arr = _as_uint8(frames)
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for i, frame in enumerate(arr):
            Image.fromarray(frame).save(folder / pattern.format(i))
    except OSError as e:
        raise output_error(folder, e) from e
    return folder


def write_video(path: str | Path, frames, fps: float = 25.0, **kwargs) -> Path:
    """Write by suffix: ``.mp4`` (H.264), ``.gif``, or a suffix-less path = PNG frame folder."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".mp4":
        return write_mp4(p, frames, fps, **kwargs)
    if suffix == ".gif":
        return write_gif(p, frames, fps)
    if suffix == "":
        return write_frames(p, frames)
    raise ValueError(f"cannot write video {str(p)!r}: expected a .mp4 or .gif path or a folder")


def stack_side_by_side(videos: Sequence) -> "np.ndarray":
    """Concatenate equally long uint8 ``T×H×W×3`` videos along width."""
    arrs = [_as_uint8(v) for v in videos]
    n = min(a.shape[0] for a in arrs)
    return np.concatenate([a[:n] for a in arrs], axis=2)
