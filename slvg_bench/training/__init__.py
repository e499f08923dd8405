"""The shared trainer: every trainable method (TPSMM, MRAA, DynaST, PGMM) trains through it.

Modules, one concern each:

- :mod:`.resolve`      config resolution (defaults <- dataset yaml <- preset yaml <- file <- --set)
- :mod:`.runner`       ``train(method, dataset, ...)`` — what ``slvg-bench train`` calls
- :mod:`.loop`         :class:`Trainer` — the step loop, AMP, DDP wrapping, NaN stop
- :mod:`.checkpoint`   run-directory layout, atomic checkpoints, RNG state, finding trained models
- :mod:`.sampling`     deterministic, resumable data order and per-item seeding
- :mod:`.distributed`  ``torchrun`` process group and collectives
- :mod:`.train_log`    log.csv, TensorBoard, progress

The user documentation is ``docs/training.md``.
"""

from slvg_bench.training.checkpoint import (
    FINAL,
    LATEST,
    default_run_dir,
    find_checkpoint,
    find_trained_checkpoint,
    load_trained_model,
    read_checkpoint,
)
from slvg_bench.training.loop import Trainer, TrainResult
from slvg_bench.training.resolve import ResolvedConfig, available_presets, resolve_config
from slvg_bench.training.runner import train, train_resolved

__all__ = [
    "FINAL", "LATEST", "ResolvedConfig", "TrainResult", "Trainer", "available_presets", "default_run_dir",
    "find_checkpoint", "find_trained_checkpoint", "load_trained_model", "read_checkpoint", "resolve_config",
    "train", "train_resolved",
]
