"""Reading and writing MRAA checkpoints (ours and official).

Our format: ``{"method": "mraa", "config": <resolved MRAAConfig as a dict>, "model": <MRAA state_dict>,
...}`` (the shared trainer adds optimizer/RNG state). Official files go through
:mod:`baselines.mraa.convert`. Everything loads with ``weights_only=True``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from baselines.common import checkpoint_io
from baselines.mraa.config import MRAAConfig, validate
from baselines.mraa.convert import is_official, load_official
from baselines.mraa.model import MRAA
from slvg_bench.errors import CheckpointError

METHOD_ID = "mraa"


def is_ours(ckpt: dict) -> bool:
    return checkpoint_io.is_own(ckpt, METHOD_ID)


def save_checkpoint(path: str | Path, model: MRAA, config: MRAAConfig, **extra) -> Path:
    """Write our format atomically (temp file + rename)."""
    return checkpoint_io.save_own(path, METHOD_ID, model, config, **extra)


def _build(cfg: MRAAConfig, state: dict) -> MRAA:
    """The model with the optional parts the state dict has."""
    with_avd = any(k.startswith("avd_network.") for k in state)
    # a bg_type 'zero' predictor has no tensors: present unless the config needs tensors that are missing
    with_bg = cfg.model.bg_predictor.bg_type == "zero" or any(k.startswith("bg_predictor.") for k in state)
    return MRAA(cfg.model, with_bg=with_bg, with_avd=with_avd)


def load_ours(ckpt: dict) -> tuple[MRAA, MRAAConfig]:
    """Rebuild the model from our checkpoint dict and load it strictly (eval mode, CPU)."""
    return checkpoint_io.load_own(ckpt, METHOD_ID, MRAAConfig, validate, _build)


def resolve_path(checkpoint: str | Path) -> Path:
    """A file path, or a weight id from the catalog (``mraa.vox256-official``) resolved via the weights cache."""
    return checkpoint_io.resolve_path(checkpoint, METHOD_ID, id_prefix="mraa.")


def load_any(checkpoint: str | Path | dict, setup: Optional[str] = None) -> tuple[MRAA, MRAAConfig, dict]:
    """Our or an official checkpoint -> ``(model, config, info)``; info says which format and what was converted."""
    ckpt, where, setup = checkpoint_io.open_checkpoint(checkpoint, METHOD_ID, setup, id_prefix="mraa.")
    if is_ours(ckpt):
        model, cfg = load_ours(ckpt)
        return model, cfg, {"format": "slvg-bench", "file": where}
    if is_official(ckpt):
        model, cfg, report = load_official(ckpt, setup=setup)
        return model, cfg, {"format": "official", "file": where, "setup": setup, "conversion": report.as_dict()}
    raise checkpoint_io.unknown_format_error(ckpt, METHOD_ID, "MRAA", where)


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
