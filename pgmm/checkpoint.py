"""Reading and writing PGMM checkpoints.

Format (written by the shared trainer, or :func:`save_checkpoint`): ``{"method": "pgmm",
"config": <resolved PGMMConfig as a dict>, "model": <PGMM state_dict>, ...}``; loaded with
``weights_only=True`` and strictly (missing/unexpected keys are an error naming them). The file
handling is :mod:`baselines.common.checkpoint_io`, shared with TPSMM and MRAA.
"""

from __future__ import annotations

from pathlib import Path

from baselines.common import checkpoint_io
from pgmm.config import PGMMConfig, validate
from pgmm.model import PGMM
from slvg_bench.errors import CheckpointError

METHOD_ID = "pgmm"


def save_checkpoint(path: str | Path, model: PGMM, config: PGMMConfig, **extra) -> Path:
    """Write our format atomically (temp file + rename)."""
    return checkpoint_io.save_own(path, METHOD_ID, model, config, **extra)


def read(path: str | Path) -> dict:
    """A file path or catalog weight id (e.g. the shipped ``pgmm.synthsign-slvg``) -> the checkpoint dict
    (``torch.load(weights_only=True)`` on CPU, with a clear error for missing/corrupt files)."""
    return checkpoint_io.read_checkpoint(checkpoint_io.resolve_path(path, METHOD_ID, f"{METHOD_ID}."), METHOD_ID)


def load(checkpoint: str | Path | dict, estimator=None) -> tuple[PGMM, PGMMConfig]:
    """Our checkpoint -> ``(model in eval mode on CPU, config)``."""
    ckpt = read(checkpoint) if not isinstance(checkpoint, dict) else checkpoint
    where = "<dict>" if isinstance(checkpoint, dict) else str(checkpoint)
    if not checkpoint_io.is_own(ckpt, METHOD_ID):
        hint = checkpoint_io.other_method_hint(ckpt) or f" (top-level keys: {checkpoint_io.top_level_keys(ckpt)})"
        raise CheckpointError(f"pgmm: {where} is not a PGMM checkpoint{hint}")
    return checkpoint_io.load_own(ckpt, METHOD_ID, PGMMConfig, validate,
                                  lambda cfg, state: PGMM(cfg.model, estimator), where=where)
