"""MediaPipe Holistic (legacy ``mp.solutions.holistic``, mediapipe 0.10.14) mapped to COCO-WholeBody 133.

Holistic runs offline: its TFLite models are inside the wheel. It is not
differentiable and has no heatmaps; it is the default extractor for datasets
that ship no keypoints (``slvg-bench datasets prepare --keypoints mediapipe``).
Install with ``pip install 'slvg-bench[mediapipe]'`` (``mediapipe==0.10.14``).

The mapping (docs/pose.md has the full table):

- body 0–16 <- pose landmarks 0, 2, 5, 7, 8, 11–16, 23–28 (same joints, COCO order);
  confidence = the landmark's ``visibility``;
- feet: left_big_toe 17 <- 31 (left foot index), left_heel 19 <- 29, right_big_toe
  20 <- 32, right_heel 22 <- 30; the small toes 18, 21 have no counterpart (confidence 0);
- hands 91–111 / 112–132 <- hand landmarks 0–20 of the person's left / right hand:
  both use the same order (wrist; thumb CMC, MCP, IP, tip; then MCP, PIP, DIP, tip of
  each finger); confidence 1 when the hand is found, else 0;
- face 23–90 (iBUG-68) <- one face-mesh vertex each (:data:`FACE_MESH_TO_IBUG68`),
  confidence 1 when the face is found. The face mesh has no jaw-line vertices at the
  exact iBUG positions: the jaw points use the nearest face-oval vertices, evenly
  spaced from ear level to chin, and are approximate.

Coordinates: MediaPipe's normalised (x, y) are fractions of the image width/height
measured from the image edges, so pixel-index coordinates are ``x·W - 0.5``.
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
import torch

from slvg_bench.errors import UsageError
from slvg_bench.pose.estimators.base import PoseEstimator, check_frames
from slvg_bench.pose.layout import LEFT_HAND, NUM_KEYPOINTS, RIGHT_HAND

# COCO-WholeBody index <- MediaPipe Pose landmark index
POSE_TO_WHOLEBODY: dict[int, int] = {
    0: 0,    # nose
    1: 2,    # left_eye           <- LEFT_EYE
    2: 5,    # right_eye          <- RIGHT_EYE
    3: 7,    # left_ear           <- LEFT_EAR
    4: 8,    # right_ear          <- RIGHT_EAR
    5: 11,   # left_shoulder
    6: 12,   # right_shoulder
    7: 13,   # left_elbow
    8: 14,   # right_elbow
    9: 15,   # left_wrist
    10: 16,  # right_wrist
    11: 23,  # left_hip
    12: 24,  # right_hip
    13: 25,  # left_knee
    14: 26,  # right_knee
    15: 27,  # left_ankle
    16: 28,  # right_ankle
    17: 31,  # left_big_toe       <- LEFT_FOOT_INDEX (toe tip)
    19: 29,  # left_heel
    20: 32,  # right_big_toe      <- RIGHT_FOOT_INDEX
    22: 30,  # right_heel
}  # fmt: skip

# iBUG-68 point i (0-based; COCO-WholeBody index 23 + i) <- face-mesh vertex
FACE_MESH_TO_IBUG68: tuple[int, ...] = (
    # jaw 0-16, from the person's right ear level via the chin (8) to the left
    127, 234, 93, 132, 58, 136, 150, 176, 152, 400, 379, 365, 288, 361, 323, 454, 356,
    # right brow 17-21 (outer -> inner), left brow 22-26 (inner -> outer)
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
    # nose bridge 27-30 (top -> tip), lower nose 31-35 (right -> left)
    168, 197, 5, 4, 75, 97, 2, 326, 305,
    # right eye 36-41 (outer corner, upper lid, inner corner, lower lid), left eye 42-47
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    # outer lips 48-59 (right corner, upper lip, left corner, lower lip)
    61, 40, 37, 0, 267, 270, 291, 321, 314, 17, 84, 91,
    # inner lips 60-67
    78, 81, 13, 311, 308, 402, 14, 178,
)  # fmt: skip


def _import_mediapipe():
    import os

    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ INFO/WARNING lines on stderr
    try:
        import mediapipe as mp
    except ImportError as e:
        raise UsageError(
            "pose estimator 'mediapipe' needs the optional package mediapipe==0.10.14: "
            "pip install 'mediapipe==0.10.14' (or the slvg-bench[mediapipe] extra)"
        ) from e
    return mp


def _landmarks(lms, n: int) -> np.ndarray:
    """MediaPipe landmark list -> ``n×3`` (x, y normalised, visibility)."""
    return np.array([(p.x, p.y, p.visibility) for p in lms.landmark[:n]], dtype=np.float32)


def holistic_to_wholebody(result, width: int, height: int) -> np.ndarray:
    """One Holistic result -> ``133×3`` (x, y pixels of a ``width×height`` image, confidence)."""
    out = np.zeros((NUM_KEYPOINTS, 3), dtype=np.float32)
    scale = np.array([width, height], dtype=np.float32)

    def put(indices, lm_xy: np.ndarray, conf) -> None:
        out[list(indices), :2] = lm_xy * scale - 0.5
        out[list(indices), 2] = conf

    if result.pose_landmarks is not None:
        pose = _landmarks(result.pose_landmarks, 33)
        coco, mp_idx = zip(*POSE_TO_WHOLEBODY.items())
        put(coco, pose[list(mp_idx), :2], np.clip(pose[list(mp_idx), 2], 0.0, 1.0))
    for lms, target in ((result.left_hand_landmarks, LEFT_HAND), (result.right_hand_landmarks, RIGHT_HAND)):
        if lms is not None:
            put(target, _landmarks(lms, 21)[:, :2], 1.0)
    if result.face_landmarks is not None:
        face = _landmarks(result.face_landmarks, 468)
        put(range(23, 91), face[list(FACE_MESH_TO_IBUG68), :2], 1.0)
    return out


class MediaPipeHolistic(PoseEstimator):
    """MediaPipe Holistic behind the estimator interface (CPU; ``device`` is accepted and ignored).

    Args:
        model_complexity: 0, 1 or 2 (Holistic's pose model size).
        static_image_mode: detect on every frame instead of tracking through the video.
        min_detection_confidence, min_tracking_confidence: Holistic's thresholds.
        upscale_to: resize frames so the shorter side is at least this many pixels
            before running (MediaPipe's detectors work poorly on 128-px crops);
            keypoints are returned in pixels of the original frames.
    """

    name: ClassVar[str] = "mediapipe"
    differentiable: ClassVar[bool] = False
    has_heatmaps: ClassVar[bool] = False

    def __init__(
        self,
        device=None,
        model_complexity: int = 1,
        static_image_mode: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        upscale_to: int | None = 256,
    ):
        self._mp = _import_mediapipe()
        self.options = dict(
            model_complexity=model_complexity,
            static_image_mode=static_image_mode,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self.upscale_to = upscale_to

    def _prepare(self, frames: torch.Tensor) -> np.ndarray:
        h, w = frames.shape[-2:]
        if self.upscale_to and min(h, w) < self.upscale_to:
            factor = self.upscale_to / min(h, w)
            size = (round(h * factor), round(w * factor))
            frames = torch.nn.functional.interpolate(frames, size=size, mode="bicubic", align_corners=False)
        return frames.clamp(0, 1).mul(255).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous().cpu().numpy()

    def estimate(self, frames: torch.Tensor, boxes: torch.Tensor | None = None) -> torch.Tensor:
        """Keypoints ``T×133×3`` for one video (tracking state is reset per call); ``boxes`` are ignored."""
        frames = check_frames(frames)
        h, w = frames.shape[-2:]
        images = self._prepare(frames.detach().float())
        out = np.zeros((len(images), NUM_KEYPOINTS, 3), dtype=np.float32)
        with warnings.catch_warnings(), self._mp.solutions.holistic.Holistic(**self.options) as holistic:
            warnings.filterwarnings("ignore", message="SymbolDatabase.GetPrototype", category=UserWarning)
            for t, image in enumerate(images):
                out[t] = holistic_to_wholebody(holistic.process(image), w, h)
        return torch.from_numpy(out).to(frames.device)
