"""One video of a dataset as an adapter finds it: identity, labels, and lazily read frames.

A :class:`Sample` holds only paths and numbers (it pickles cheaply into worker
processes); frames and keypoints are read when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from slvg_bench.errors import DatasetError, VideoReadError


def read_frame_range(path: Path, start: int = 0, end: Optional[int] = None) -> np.ndarray:
    """uint8 ``T×H×W×3`` frames ``start .. end-1`` (0-based, ``end=None``: to the last frame).

    Video files are decoded as a stream and only the asked range is kept, so a
    short clip of a long raw recording does not hold the whole recording in memory.
    """
    from slvg_bench.video import FRAME_SUFFIXES, _check_exists, list_frame_files, read_image, read_video_uint8

    path = Path(path)
    if start == 0 and end is None:
        return read_video_uint8(path)
    _check_exists(path)
    if path.is_dir():
        files = list_frame_files(path)
        chosen = files[start:end]
        if not chosen:
            raise VideoReadError(f"frame folder {str(path)!r} has {len(files)} frames, none in range [{start}, {end})")
        return np.stack([read_image(f) for f in chosen])
    if path.suffix.lower() in FRAME_SUFFIXES:
        raise VideoReadError(f"cannot take frames [{start}, {end}) of the single image {str(path)!r}")
    import av

    frames = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoReadError(f"video {str(path)!r} has no video stream")
            for i, frame in enumerate(container.decode(container.streams.video[0])):
                if end is not None and i >= end:
                    break
                if i >= start:
                    frames.append(frame.to_ndarray(format="rgb24"))
    except VideoReadError:
        raise
    except (av.FFmpegError, ValueError, OSError) as e:
        raise VideoReadError(f"video {str(path)!r} could not be decoded: {e}") from e
    if not frames:
        raise VideoReadError(f"video {str(path)!r} has no frames in range [{start}, {end})")
    return np.stack(frames)


@dataclass(frozen=True)
class Sample:
    """A video record.

    Attributes:
        dataset: registry id of the dataset.
        id: video id, unique within the dataset (file stem / annotation name).
        split: ``train``, ``dev``/``val``, ``test`` (the dataset's own names).
        signer: signer id as the dataset names it (str).
        video: a video file or a folder of frames.
        glosses: gloss sequence (one gloss for isolated-sign datasets), empty when none.
        frame_start, frame_end: 0-based range ``[start, end)`` of ``video`` that is the
            sample (``end=None``: to the last frame); e.g. WLASL instances cut from raw videos.
        person_box: ``(x0, y0, x1, y1)`` signer box in source pixels, when the dataset has one.
        keypoints_file: ``.npy`` with ``T×133×3`` keypoints in source pixels, when available.
        fps: frames per second when known.
        meta: extra per-dataset fields (gloss names, translation, repetition, ...).
    """

    dataset: str
    id: str
    split: str
    signer: str
    video: Path
    glosses: tuple[str, ...] = ()
    frame_start: int = 0
    frame_end: Optional[int] = None
    person_box: Optional[tuple[float, float, float, float]] = None
    keypoints_file: Optional[Path] = None
    fps: Optional[float] = None
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def frames_uint8(self) -> np.ndarray:
        """uint8 ``T×H×W×3`` RGB frames of the sample (trimmed to its range)."""
        return read_frame_range(self.video, self.frame_start, self.frame_end)

    def frames(self):
        """float32 tensor ``T×3×H×W`` in [0, 1]."""
        from slvg_bench.video import to_float

        return to_float(self.frames_uint8())

    def keypoints(self) -> Optional[np.ndarray]:
        """float32 ``T×133×3`` in source pixels (x, y, confidence), or None when the dataset has none."""
        if self.keypoints_file is None:
            return None
        path = Path(self.keypoints_file)
        if not path.is_file():
            raise DatasetError(f"keypoints file {str(path)!r} of video {self.id!r} does not exist")
        try:
            kp = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise DatasetError(f"keypoints file {str(path)!r} is not a readable .npy array: {e}") from e
        if kp.ndim != 3 or kp.shape[1:] != (133, 3):
            raise DatasetError(f"keypoints file {str(path)!r} has shape {kp.shape}, expected T×133×3")
        kp = kp[self.frame_start : self.frame_end]
        return kp.astype(np.float32)

    def record(self) -> dict:
        """The JSON-serialisable identity/labels part (stored in cache headers and the index)."""
        return {
            "id": self.id,
            "split": self.split,
            "signer": self.signer,
            "glosses": list(self.glosses),
            "fps": self.fps,
            "source": str(self.video),
            "meta": dict(self.meta),
        }
