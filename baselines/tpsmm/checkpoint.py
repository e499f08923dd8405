"""Reading and writing TPSMM checkpoints (ours and official).

Our format: ``{"method": "tpsmm", "config": <resolved TPSMMConfig as a dict>,
"model": <TPSMM state_dict>, ...}`` (the shared trainer adds optimizer/RNG state).
Official files go through :mod:`baselines.tpsmm.convert`. Everything loads with
``weights_only=True``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

import torch

from baselines.tpsmm.config import TPSMMConfig, validate
from baselines.tpsmm.convert import is_official, load_official, read_checkpoint
from baselines.tpsmm.model import TPSMM
from slvg_bench.config import from_dict, to_dict
from slvg_bench.errors import CheckpointError, UsageError

METHOD_ID = "tpsmm"


def is_ours(ckpt: dict) -> bool:
    return ckpt.get("method") == METHOD_ID and isinstance(ckpt.get("model"), dict) and "config" in ckpt


def save_checkpoint(path: str | Path, model: TPSMM, config: TPSMMConfig, **extra) -> Path:
    """Write our format atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"method": METHOD_ID, "config": to_dict(config), "model": model.state_dict(), **extra}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_ours(ckpt: dict) -> tuple[TPSMM, TPSMMConfig]:
    """Rebuild the model from our checkpoint dict and load it strictly (eval mode, CPU)."""
    try:
        cfg = validate(from_dict(TPSMMConfig, ckpt["config"]))
    except UsageError as e:
        raise CheckpointError(f"tpsmm: checkpoint config is invalid: {e}") from e
    state = ckpt["model"]
    with_avd = any(k.startswith("avd_network.") for k in state)
    with_bg = any(k.startswith("bg_predictor.") for k in state)
    model = TPSMM(cfg.model, with_bg=with_bg, with_avd=with_avd)
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(
            f"tpsmm: checkpoint does not match its config: missing {result.missing_keys[:5]}, "
            f"unexpected {result.unexpected_keys[:5]}"
        )
    return model.eval(), cfg


def _catalog_spec(name: str):
    """The weight spec of a catalog id, or None when ``name`` is not one."""
    from slvg_bench import weights
    from slvg_bench.errors import UnknownNameError

    try:
        return weights.get_spec(name)
    except UnknownNameError:
        return None


def resolve_path(checkpoint: str | Path) -> Path:
    """A file path, or a weight id from the catalog (``tpsmm.vox256-official``) resolved via the weights cache."""
    p = Path(checkpoint)
    if p.is_file():
        return p
    if _catalog_spec(str(checkpoint)) is not None:
        from slvg_bench import weights

        return weights.require(str(checkpoint))  # raises with the install command when missing
    raise CheckpointError(f"tpsmm: checkpoint {str(checkpoint)!r} does not exist")


def load_any(checkpoint: str | Path | dict, setup: Optional[str] = None) -> tuple[TPSMM, TPSMMConfig, dict]:
    """Our or an official checkpoint -> ``(model, config, info)``; info says which format and what was converted."""
    if isinstance(checkpoint, dict):
        ckpt, where = checkpoint, "<dict>"
    else:
        where = str(checkpoint)
        if setup is None and not Path(checkpoint).is_file():
            spec = _catalog_spec(str(checkpoint))
            if spec is not None:
                setup = spec.extra.get("setup")
        ckpt = read_checkpoint(resolve_path(checkpoint))
    if is_ours(ckpt):
        model, cfg = load_ours(ckpt)
        return model, cfg, {"format": "slvg-bench", "file": where}
    if is_official(ckpt):
        model, cfg, report = load_official(ckpt, setup=setup)
        return model, cfg, {"format": "official", "file": where, "conversion": report.as_dict()}
    method = ckpt.get("method")
    hint = f" (it belongs to method {method!r})" if method else ""
    raise CheckpointError(
        f"tpsmm: {where} is neither a slvg-bench TPSMM checkpoint nor an official one{hint}; "
        f"top-level keys: {', '.join(map(str, list(ckpt)[:8]))}"
    )


def load_stage1_into(model: TPSMM, checkpoint: str | Path) -> None:
    """Copy the stage-1 networks of a checkpoint (ours or official) into ``model`` (strict per network)."""
    source, _, _ = load_any(checkpoint)
    for name in ("kp_detector", "dense_motion_network", "inpainting_network", "bg_predictor"):
        dst, src = getattr(model, name), getattr(source, name)
        if dst is None:
            continue
        if src is None:  # official file without bg_predictor: keep the identity initialisation
            continue
        try:
            dst.load_state_dict(src.state_dict(), strict=True)
        except RuntimeError as e:
            raise CheckpointError(f"tpsmm: {name} of {checkpoint} does not fit this config: {e}") from e
