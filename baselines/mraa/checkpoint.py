"""Reading and writing MRAA checkpoints (ours and official).

Our format: ``{"method": "mraa", "config": <resolved MRAAConfig as a dict>, "model": <MRAA state_dict>,
...}`` (the shared trainer adds optimizer/RNG state). Official files go through
:mod:`baselines.mraa.convert`. Everything loads with ``weights_only=True``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

import torch

from baselines.mraa.config import MRAAConfig, validate
from baselines.mraa.convert import is_official, load_official, read_checkpoint
from baselines.mraa.model import MRAA
from slvg_bench.config import from_dict, to_dict
from slvg_bench.errors import CheckpointError, UsageError

METHOD_ID = "mraa"


def is_ours(ckpt: dict) -> bool:
    return ckpt.get("method") == METHOD_ID and isinstance(ckpt.get("model"), dict) and "config" in ckpt


def save_checkpoint(path: str | Path, model: MRAA, config: MRAAConfig, **extra) -> Path:
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


def load_ours(ckpt: dict) -> tuple[MRAA, MRAAConfig]:
    """Rebuild the model from our checkpoint dict and load it strictly (eval mode, CPU)."""
    try:
        cfg = validate(from_dict(MRAAConfig, ckpt["config"]))
    except UsageError as e:
        raise CheckpointError(f"mraa: checkpoint config is invalid: {e}") from e
    state = ckpt["model"]
    with_avd = any(k.startswith("avd_network.") for k in state)
    # a bg_type 'zero' predictor has no tensors: present unless the config needs tensors that are missing
    with_bg = cfg.model.bg_predictor.bg_type == "zero" or any(k.startswith("bg_predictor.") for k in state)
    model = MRAA(cfg.model, with_bg=with_bg, with_avd=with_avd)
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(
            f"mraa: checkpoint does not match its config: missing {result.missing_keys[:5]}, "
            f"unexpected {result.unexpected_keys[:5]}"
        )
    return model.eval(), cfg


def resolve_path(checkpoint: str | Path) -> Path:
    """A file path, or a weight id from the catalog (``mraa.vox256-official``) resolved via the weights cache."""
    p = Path(checkpoint)
    if p.is_file():
        return p
    from slvg_bench import weights

    if str(checkpoint) in weights.WEIGHTS or str(checkpoint).startswith("mraa."):
        return weights.require(str(checkpoint))
    raise CheckpointError(f"mraa: checkpoint {str(checkpoint)!r} does not exist")


def load_any(checkpoint: str | Path | dict, setup: Optional[str] = None) -> tuple[MRAA, MRAAConfig, dict]:
    """Our or an official checkpoint -> ``(model, config, info)``; info says which format and what was converted."""
    if isinstance(checkpoint, dict):
        ckpt, where = checkpoint, "<dict>"
    else:
        where = str(checkpoint)
        if setup is None and not Path(checkpoint).is_file():
            from slvg_bench import weights

            if str(checkpoint) in weights.WEIGHTS:
                setup = weights.get_spec(str(checkpoint)).extra.get("setup")
        ckpt = read_checkpoint(resolve_path(checkpoint))
    if is_ours(ckpt):
        model, cfg = load_ours(ckpt)
        return model, cfg, {"format": "slvg-bench", "file": where}
    if is_official(ckpt):
        model, cfg, report = load_official(ckpt, setup=setup)
        return model, cfg, {"format": "official", "file": where, "setup": setup, "conversion": report.as_dict()}
    method = ckpt.get("method")
    hint = f" (it belongs to method {method!r})" if method else ""
    raise CheckpointError(
        f"mraa: {where} is neither a slvg-bench MRAA checkpoint nor an official one{hint}; "
        f"top-level keys: {', '.join(map(str, list(ckpt)[:8]))}"
    )


def load_stage1_into(model: MRAA, checkpoint: str | Path) -> None:
    """Copy the stage-1 networks of a checkpoint (ours or official) into ``model`` (strict per network)."""
    source, _, _ = load_any(checkpoint)
    for name in ("region_predictor", "bg_predictor", "generator"):
        dst, src = getattr(model, name), getattr(source, name)
        if dst is None or src is None:  # official file without bg_predictor: keep the identity initialisation
            continue
        try:
            dst.load_state_dict(src.state_dict(), strict=True)
        except RuntimeError as e:
            raise CheckpointError(f"mraa: {name} of {checkpoint} does not fit this config: {e}") from e
