"""Reading and writing PGMM checkpoints.

Format (written by the shared trainer, or :func:`save_checkpoint`): ``{"method": "pgmm",
"config": <resolved PGMMConfig as a dict>, "model": <PGMM state_dict>, ...}``; loaded with
``weights_only=True`` and strictly (missing/unexpected keys are an error naming them).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from pgmm.config import PGMMConfig, validate
from pgmm.model import PGMM
from slvg_bench.config import from_dict, to_dict
from slvg_bench.errors import CheckpointError, UsageError

METHOD_ID = "pgmm"


def save_checkpoint(path: str | Path, model: PGMM, config: PGMMConfig, **extra) -> Path:
    """Write our format atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v for k, v in model.state_dict().items()}
    payload = {"method": METHOD_ID, "config": to_dict(config), "model": state, **extra}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"pgmm: checkpoint {str(path)!r} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # corrupt file, or pickled objects refused by weights_only
        raise CheckpointError(f"pgmm: {str(path)!r} is not a readable checkpoint: {e}") from e
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"pgmm: {str(path)!r} holds a {type(ckpt).__name__}, expected a dict")
    return ckpt


def load(checkpoint: str | Path | dict, estimator=None) -> tuple[PGMM, PGMMConfig]:
    """Our checkpoint -> ``(model in eval mode on CPU, config)``."""
    ckpt = read(checkpoint) if not isinstance(checkpoint, dict) else checkpoint
    where = "<dict>" if isinstance(checkpoint, dict) else str(checkpoint)
    if ckpt.get("method") != METHOD_ID or "model" not in ckpt or "config" not in ckpt:
        other = ckpt.get("method")
        hint = f" (it belongs to method {other!r})" if other else f" (top-level keys: {', '.join(map(str, list(ckpt)[:8]))})"
        raise CheckpointError(f"pgmm: {where} is not a PGMM checkpoint{hint}")
    try:
        cfg = validate(from_dict(PGMMConfig, ckpt["config"]))
    except UsageError as e:
        raise CheckpointError(f"pgmm: the config stored in {where} is invalid: {e}") from e
    model = PGMM(cfg.model, estimator)
    result = model.load_state_dict(ckpt["model"], strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(
            f"pgmm: {where} does not match its own config: missing keys {result.missing_keys[:5]}, "
            f"unexpected keys {result.unexpected_keys[:5]}"
        )
    return model.eval(), cfg
