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
