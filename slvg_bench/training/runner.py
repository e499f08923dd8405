"""``train(method, dataset, ...)``: registry + config + dataset + Trainer, as ``slvg-bench train`` runs it.

Works the same in one process and in every process of ``torchrun``::

    torchrun --nproc_per_node 4 -m slvg_bench train --method tpsmm --dataset synthsign --out runs/t
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from slvg_bench.training.resolve import ResolvedConfig, resolve_config, trainable_spec


def load_pair_dataset(name: str, *, data_root: Optional[str], resolution: int, pairs_per_video: int, seed: int,
                      augment=None, max_frame_gap=None, max_frame_gap_epochs=None):
    """The training split of ``name`` as (source, driving) pairs (``slvg_bench.data.build_pair_dataset``)."""
    from slvg_bench.data import build_pair_dataset

    return build_pair_dataset(name, split="train", data_root=data_root, resolution=resolution,
                              pairs_per_video=pairs_per_video, seed=seed, augment=augment,
                              max_frame_gap=max_frame_gap, max_frame_gap_epochs=max_frame_gap_epochs)


def train(
    method: str,
    dataset: str,
    *,
    preset: Optional[str] = None,
    config_file: Optional[str | Path] = None,
    overrides: Iterable[str] = (),
    max_steps: Optional[int] = None,
    out_dir: Optional[str | Path] = None,
    resume: bool = False,
    device: Optional[str] = None,
    data_root: Optional[str] = None,
    progress: bool = True,
    tensorboard: Optional[bool] = None,
):
    """Resolve the config, build model and dataset, and train (or resume) into ``out_dir``.

    Args:
        method, dataset: registry ids (the method must be trainable).
        preset, config_file, overrides, max_steps: config layers, see :mod:`.resolve`.
        out_dir: run directory; default ``$SLVG_BENCH_HOME/training/<method>/<dataset>[-<preset>]``.
        resume: continue from ``out_dir/latest.pt`` (starts fresh when there is none).
        device: ``auto`` (default), ``cpu``, ``cuda`` or ``cuda:N``.
        data_root: dataset location override (``--data-root``).

    Returns:
        :class:`~slvg_bench.training.loop.TrainResult`.
    """
    resolved = resolve_config(method, dataset, preset=preset, config_file=config_file,
                              overrides=overrides, max_steps=max_steps)
    return train_resolved(resolved, out_dir=out_dir, resume=resume, device=device, data_root=data_root,
                          progress=progress, tensorboard=tensorboard)


def resolve_init_from(value: str, method: str, dataset: str) -> str:
    """``train.init_from``: a checkpoint path, or ``preset:NAME`` = the checkpoint ``slvg-bench train -m METHOD
    -d DATASET --preset NAME`` left in its default folder (how a committed fine-tuning preset names its start)."""
    if value.startswith("preset:"):
        from slvg_bench.training.checkpoint import find_trained_checkpoint

        return str(find_trained_checkpoint(method, dataset, value[len("preset:"):]))
    return value


def init_model_from(model, checkpoint: str, method: str) -> None:
    """Load ``checkpoint``'s model weights into ``model`` (``train.init_from``: fine-tuning); strict, so a
    checkpoint of another method or architecture fails naming the keys."""
    from slvg_bench.errors import CheckpointError
    from slvg_bench.safe_load import torch_load

    ckpt = torch_load(checkpoint, "train.init_from checkpoint")
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise CheckpointError(f"train.init_from {checkpoint!r} is not a slvg-bench training checkpoint (no 'model')")
    if ckpt.get("method") not in (None, method):
        raise CheckpointError(f"train.init_from {checkpoint!r} holds a {ckpt.get('method')} model, not {method}")
    state = {k: v.float() if v.is_floating_point() else v for k, v in ckpt["model"].items()}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0]
        raise CheckpointError(f"train.init_from {checkpoint!r} does not fit this config's {method} model: "
                              f"{first} (same architecture settings needed)") from e


LOCK_FILE = ".lock"


def train_resolved(resolved: ResolvedConfig, *, out_dir=None, resume: bool = False, device=None,
                   data_root=None, progress: bool = True, tensorboard: Optional[bool] = None):
    """:func:`train` for an already resolved config."""
    from slvg_bench.training import checkpoint as ckpt_io
    from slvg_bench.training import distributed as D
    from slvg_bench.training.loop import Trainer

    out = Path(out_dir) if out_dir is not None else ckpt_io.default_run_dir(
        resolved.method, resolved.dataset, resolved.preset)
    if not resume and (out / ckpt_io.LATEST).is_file():  # refuse before building anything
        from slvg_bench.errors import CheckpointError

        raise CheckpointError(f"{str(out)!r} already holds a checkpoint ({ckpt_io.LATEST}); pass --resume to "
                              f"continue it, or choose another --out")
    tc = resolved.config.train
    ctx = D.init_distributed(device)
    lock = None
    try:
        if ctx.is_main:  # one trainer per folder: a second one would interleave its checkpoints with ours
            from slvg_bench.data.locking import lock_output

            out.mkdir(parents=True, exist_ok=True)
            lock = lock_output(out / LOCK_FILE, f"training folder {str(out)!r}")
        def load():
            return load_pair_dataset(resolved.dataset, data_root=data_root, resolution=tc.resolution,
                                     pairs_per_video=tc.pairs_per_video, seed=tc.seed, augment=tc.augment,
                                     max_frame_gap=tc.max_frame_gap, max_frame_gap_epochs=tc.max_frame_gap_epochs)

        # rank 0 first: it may generate/prepare the data cache, which the others then open
        data = load() if ctx.is_main else None
        D.barrier(ctx)
        if data is None:
            data = load()
        ckpt_io.seed_everything(tc.seed)  # identical initial weights in every process and every run
        model = trainable_spec(resolved.method).build(resolved.config)
        if tc.init_from and not (resume and (out / ckpt_io.LATEST).is_file()):
            init_model_from(model, resolve_init_from(tc.init_from, resolved.method, resolved.dataset), resolved.method)
        trainer = Trainer(model, data, resolved.config, method=resolved.method, out_dir=out, ctx=ctx,
                          dataset_name=resolved.dataset, preset=resolved.preset, progress=progress,
                          tensorboard=tensorboard)
        return trainer.fit(resume=resume)
    finally:
        if lock is not None:
            lock.release()
        D.shutdown(ctx)
