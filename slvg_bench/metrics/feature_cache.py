"""Content-addressed cache of per-clip network features (FVD's I3D embeddings).

The key is the SHA-256 of everything that determines the feature: the network
tag (which file, by its sha256), the preprocessing name, and the clip's uint8
pixels with their shape. A cache hit is therefore valid whatever file the clip
came from (mp4, frame folder, a re-encoded copy with the same pixels), and a
different network or preprocessing can never be served a stale entry. Files are
written atomically (temp file + rename), so concurrent evaluators may share the
cache.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from slvg_bench import paths


def clip_key(clip_uint8: torch.Tensor, network_tag: str, preprocessing: str) -> str:
    """SHA-256 hex key of one uint8 clip ``T×3×H×W`` under a network and preprocessing."""
    if clip_uint8.dtype != torch.uint8:
        raise ValueError(f"clip keys are computed on uint8 clips, got {clip_uint8.dtype}")
    h = hashlib.sha256()
    h.update(f"{network_tag}|{preprocessing}|{tuple(clip_uint8.shape)}|".encode())
    h.update(clip_uint8.contiguous().cpu().numpy().tobytes())
    return h.hexdigest()


class FeatureCache:
    """``key -> float32 vector`` stored as ``<root>/<key[:2]>/<key>.npy``.

    Args:
        root: cache folder (default ``$SLVG_BENCH_HOME/cache/features/<namespace>``).
        enabled: False turns every lookup into a miss and every store into a no-op.
    """

    def __init__(self, namespace: str = "fvd-i3d", root: str | Path | None = None, enabled: bool = True):
        self.root = Path(root) if root is not None else paths.cache_dir() / "features" / namespace
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        if not self.enabled:
            self.misses += 1
            return None
        path = self._path(key)
        try:
            value = np.load(path, allow_pickle=False)
        except (OSError, ValueError):  # absent, or a partial file from a crashed writer elsewhere
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: np.ndarray) -> None:
        if not self.enabled:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:8]}.", suffix=".npy", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, np.asarray(value, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
