"""CorrNet checkpoints in the official layout: ``{'model_state_dict': state_dict, ...}``.

Loading mirrors the official ``main.py: load_model_weights``: read the file (here with
``torch.load(weights_only=True)``), take ``model_state_dict``, remove every ``.module``
from the key names (plus a leading ``module.``, which DataParallel writes and the
official code would choke on), then ``load_state_dict(strict=True)``. Before that, keys
and shapes are compared so a wrong file fails with one line listing the missing,
unexpected and mis-shaped keys (and a hint when it is the other dataset's structure).

The architecture is read from the state dict itself (:func:`infer_config`): number of
classes and hidden size from the classifier, ResNet width from ``conv2d.conv1``, the
correlation stages from which ``conv2d.corr*`` blocks exist (the released CSL-Daily
checkpoint has no ``corr1`` and a 2-entry ``alpha``).

Checkpoints written by this toolkit add plain-data entries next to ``model_state_dict``
(``slvg_config``: architecture + input path; ``gloss_dict``: gloss -> [index, count]);
the official loader ignores them, and ``weights_only=True`` reads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch

from slvg_bench.errors import CheckpointError
from slvg_bench.recognition.backbone import CORR_NAMES
from slvg_bench.recognition.corrnet import CorrNet, CorrNetConfig

STATE_KEY = "model_state_dict"


def strip_module(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Official key clean-up: drop every ``.module`` (and a leading ``module.``)."""
    out = {}
    for k, v in state_dict.items():
        k = k.replace(".module", "")
        out[k[len("module."):] if k.startswith("module.") else k] = v
    return out


def read_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(cleaned state dict, the other top-level entries) of a CorrNet checkpoint file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"CorrNet checkpoint {str(path)!r} does not exist")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle/zip errors, or objects weights_only refuses
        raise CheckpointError(f"CorrNet checkpoint {str(path)!r} cannot be read with weights_only=True: {e}") from e
    if isinstance(blob, Mapping) and STATE_KEY in blob:
        state, extra = blob[STATE_KEY], {k: v for k, v in blob.items() if k != STATE_KEY}
    elif isinstance(blob, Mapping) and all(isinstance(v, torch.Tensor) for v in blob.values()):
        state, extra = blob, {}
    else:
        raise CheckpointError(
            f"CorrNet checkpoint {str(path)!r} holds neither {{'{STATE_KEY}': ...}} nor a plain state dict"
        )
    return strip_module(state), extra


def infer_config(state_dict: Mapping[str, torch.Tensor], where: str = "state dict") -> CorrNetConfig:
    """The :class:`CorrNetConfig` whose model has exactly these keys and shapes."""
    try:
        hidden, num_classes = state_dict["classifier.weight"].shape
        base_width = state_dict["conv2d.conv1.weight"].shape[0]
    except KeyError as e:
        raise CheckpointError(f"{where} is not a CorrNet state dict: key {e.args[0]!r} is missing") from e
    stages = tuple(s for s, name in CORR_NAMES.items() if f"conv2d.{name}.weights" in state_dict)
    layers = sum(1 for k in state_dict if k.startswith("temporal_model.rnn.weight_ih_l") and not k.endswith("_reverse"))
    grid = 1
    conv_in = state_dict.get("conv1d.temporal_conv.0.weight")
    if conv_in is not None and conv_in.shape[1] != 8 * base_width:  # frame features of a g×g pooling grid
        grid = int(round((conv_in.shape[1] / (8 * base_width)) ** 0.5))
    return CorrNetConfig(num_classes=int(num_classes), hidden_size=int(hidden), base_width=int(base_width),
                         corr_stages=stages, lstm_layers=max(layers, 1), pool_grid=max(grid, 1))


def _short(keys: list[str], n: int = 6) -> str:
    return ", ".join(keys[:n]) + (f", … ({len(keys) - n} more)" if len(keys) > n else "")


def compare_keys(model_state: Mapping[str, torch.Tensor], loaded: Mapping[str, torch.Tensor]) -> dict[str, list]:
    """Missing / unexpected keys and shape mismatches of ``loaded`` against ``model_state``."""
    missing = [k for k in model_state if k not in loaded]
    unexpected = [k for k in loaded if k not in model_state]
    mismatched = [(k, tuple(loaded[k].shape), tuple(v.shape)) for k, v in model_state.items()
                  if k in loaded and tuple(loaded[k].shape) != tuple(v.shape)]
    return {"missing": missing, "unexpected": unexpected, "mismatched": mismatched}


def load_state_strict(model: CorrNet, state_dict: Mapping[str, torch.Tensor], where: str = "checkpoint") -> None:
    """``model.load_state_dict(state_dict, strict=True)`` with one clear line on any difference."""
    diff = compare_keys(model.state_dict(), state_dict)
    if any(diff.values()):
        parts = []
        if diff["missing"]:
            parts.append(f"{len(diff['missing'])} missing keys ({_short(diff['missing'])})")
        if diff["unexpected"]:
            parts.append(f"{len(diff['unexpected'])} unexpected keys ({_short(diff['unexpected'])})")
        if diff["mismatched"]:
            shown = [f"{k} {got} vs model {want}" for k, got, want in diff["mismatched"]]
            parts.append(f"{len(shown)} shape mismatches ({_short(shown, 4)})")
        hint = ""
        has_corr1 = any(k.startswith("conv2d.corr1.") for k in state_dict)
        if has_corr1 != (2 in model.config.corr_stages):
            hint = (" — the correlation blocks differ: the released CSL-Daily checkpoint has no corr1 "
                    "(corr_stages=(3, 4)), the PHOENIX ones have corr1..corr3 (corr_stages=(2, 3, 4))")
        raise CheckpointError(f"{where} does not match the CorrNet architecture: {'; '.join(parts)}{hint}")
    model.load_state_dict(state_dict, strict=True)


def load_corrnet(path: str | Path, config: CorrNetConfig | None = None) -> tuple[CorrNet, dict[str, Any]]:
    """Build a CorrNet for the checkpoint at ``path`` (architecture inferred unless given) and load it.

    Returns ``(model in eval mode on CPU, the checkpoint's other entries)``.
    """
    state, extra = read_checkpoint(path)
    config = config or infer_config(state, where=f"CorrNet checkpoint {str(path)!r}")
    model = CorrNet(config)
    load_state_strict(model, state, where=f"CorrNet checkpoint {str(path)!r}")
    return model.eval(), extra


def save_checkpoint(model: CorrNet, path: str | Path, **extra: Any) -> Path:
    """Write ``{'model_state_dict': ..., **extra}`` (extra must be plain data for weights_only loading)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    torch.save({STATE_KEY: model.state_dict(), **extra}, tmp)
    tmp.replace(path)
    return path
