"""Turn a training checkpoint into the compact file that ships inside the package.

``pack_checkpoint(src, dst)`` keeps what inference needs — ``method``, ``config``, ``model`` — and
drops the optimizer, scheduler and RNG states. Floating-point tensors are stored in ``dtype``
(float16 by default: half the size; the shipped synthsign models were checked to move no metric
by more than 1e-4, see ``bench/RESULTS.md``); integer buffers (BatchNorm's ``num_batches_tracked``)
stay as they are. Loading casts back: ``load_state_dict`` copies into the float32 parameters.

The file records where it came from (``provenance``): the training run's code version, config
hash, dataset, preset, step, the sha256 of the source checkpoint and the storage dtype. Used by
``slvg-bench weights pack``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from slvg_bench.errors import CheckpointError, UsageError

DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}


def pack_checkpoint(src: str | Path, dst: str | Path, dtype: str = "float16") -> dict:
    """Write the compact form of training checkpoint ``src`` to ``dst``; returns its provenance dict."""
    from slvg_bench.training.checkpoint import atomic_torch_save
    from slvg_bench.weights import sha256_file

    if dtype not in DTYPES:
        raise UsageError(f"pack: dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    from slvg_bench.safe_load import torch_load

    src = Path(src)
    ckpt = torch_load(src, "pack: checkpoint")
    if not isinstance(ckpt, dict) or not {"method", "config", "model"} <= set(ckpt):
        raise CheckpointError(f"pack: {str(src)!r} is not a slvg-bench training checkpoint "
                              "(expected the keys method, config, model)")
    _check_loads(ckpt, src)
    target = DTYPES[dtype]
    model = {k: v.to(target) if torch.is_floating_point(v) else v for k, v in ckpt["model"].items()}
    provenance = {
        "source_sha256": sha256_file(src),
        "code_version": ckpt.get("code_version"),
        "config_hash": ckpt.get("config_hash"),
        "dataset": ckpt.get("dataset"),
        "preset": ckpt.get("preset"),
        "step": ckpt.get("step"),
        "finished": ckpt.get("finished"),
        "torch_version": ckpt.get("torch_version"),
        "training_provenance": ckpt.get("provenance"),
        "storage_dtype": dtype,
    }
    atomic_torch_save({"method": ckpt["method"], "config": ckpt["config"], "model": model,
                       "provenance": provenance}, dst)
    return provenance


def _check_loads(ckpt: dict, src: Path) -> None:
    """The checkpoint's model state dict must load strictly into the model its own config builds: a file with
    the right top-level keys but foreign tensors is refused, not packed into a weight file that fails later."""
    from slvg_bench.config import from_dict
    from slvg_bench.errors import WeightsUnavailableError
    from slvg_bench.training.resolve import config_class, trainable_spec

    if not isinstance(ckpt["model"], dict) or not ckpt["model"]:
        raise CheckpointError(f"pack: {str(src)!r} holds no model state dict")
    if not isinstance(ckpt.get("step"), int):
        raise CheckpointError(f"pack: {str(src)!r} is not a slvg-bench training checkpoint (no training step recorded)")
    try:
        spec = trainable_spec(str(ckpt["method"]))
        model = spec.build(from_dict(config_class(spec), ckpt["config"]))
    except UsageError as e:
        raise CheckpointError(f"pack: {str(src)!r} is not a usable training checkpoint: {e}") from e
    except WeightsUnavailableError:  # the training loss's pretrained network is not installed here: the
        return  # model cannot be rebuilt to compare with, so the checks above are all there is
    _check_shapes(model, ckpt["model"], src)
    result = model.load_state_dict(ckpt["model"], strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(f"pack: {str(src)!r} does not fit its own {ckpt['method']} config: missing keys "
                              f"{result.missing_keys[:3]}, unexpected keys {result.unexpected_keys[:3]}")


def _check_shapes(model, state: dict, src: Path) -> None:
    own = model.state_dict()
    for key, value in state.items():
        if key in own and hasattr(value, "shape") and tuple(value.shape) != tuple(own[key].shape):
            raise CheckpointError(f"pack: {str(src)!r}: tensor {key!r} has shape {tuple(value.shape)}, its config's "
                                  f"model has {tuple(own[key].shape)}")
