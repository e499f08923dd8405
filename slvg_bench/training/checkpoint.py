"""Training checkpoints: layout, atomic writes, RNG state, and finding the trained model.

A run directory (``--out``) holds::

    latest.pt     the newest checkpoint, rewritten every ``train.checkpoint_every`` steps
                  and at the end (temp file + rename, so it is never half-written)
    final.pt      written when a run ends normally (all epochs done or ``max_steps``
                  reached); same content as latest.pt at that moment
    config.yaml   the resolved config
    log.csv       one row per ``train.log_every`` steps (see train_log.py)

Every checkpoint is a dict of plain types and tensors, loadable with
``torch.load(path, weights_only=True)``:

    method        method id (str)             config        resolved config (nested dict)
    config_hash   hash of config minus run-control keys (a resume must match it)
    model         model state_dict            optimizer     optimizer state_dict
    scheduler     MultiStepLR state_dict      scaler        GradScaler state_dict or None
    rng           list (one per rank) of {"python", "numpy", "torch", "cuda"} states
    epoch         epoch in progress (0-based) epoch_step    batches done in that epoch
    step          optimizer steps done        steps_per_epoch, world_size
    finished      True once every epoch ran   dataset, preset, code_version, torch_version
    provenance    the model's ``provenance()`` dict, or None

Default run directories: ``$SLVG_BENCH_HOME/training/<method>/<dataset>`` (no
preset) or ``.../<dataset>-<preset>``; :func:`find_trained_checkpoint` looks there.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from slvg_bench import __version__, paths
from slvg_bench.errors import CheckpointError

LATEST = "latest.pt"
FINAL = "final.pt"
REQUIRED_KEYS = (
    "method", "config", "config_hash", "model", "optimizer", "scheduler", "rng", "epoch", "step", "code_version",
)


def atomic_torch_save(obj, path: str | Path) -> Path:
    """``torch.save`` to a temp file in the same folder, fsync, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def link_or_copy_atomic(src: Path, dst: Path) -> None:
    """Make ``dst`` a copy of ``src`` atomically (hard link when the filesystem allows)."""
    tmp = dst.with_name(f".{dst.name}.tmp-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    try:
        os.link(src, tmp)
    except OSError:
        import shutil

        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def code_version() -> str:
    """Package version plus the git commit (and ``.dirty``) when run from a checkout."""
    root = Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return __version__
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return f"{__version__}+g{sha.stdout.strip()}{'.dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return __version__


# ---------------------------------------------------------------- RNG state as tensors / plain types

def capture_rng() -> dict:
    """This process's python, numpy, torch and CUDA RNG states as weights_only-safe data."""
    py_version, py_state, py_gauss = random.getstate()
    _, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    return {
        "python": {"version": py_version, "state": torch.tensor(py_state, dtype=torch.int64), "gauss": py_gauss},
        "numpy": {"keys": torch.from_numpy(np_keys.astype(np.int64)), "pos": int(np_pos),
                  "has_gauss": int(np_has_gauss), "cached_gaussian": float(np_gauss)},
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else [],
    }


def restore_rng(state: dict) -> None:
    """Inverse of :func:`capture_rng`."""
    py = state["python"]
    random.setstate((py["version"], tuple(int(x) for x in py["state"].tolist()), py["gauss"]))
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        cuda_states = list(state["cuda"])[: torch.cuda.device_count()]
        torch.cuda.set_rng_state_all(cuda_states)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (all devices) with one integer."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# ---------------------------------------------------------------- reading and finding

def read_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """Load a training checkpoint (``weights_only=True``) and check it has the trainer's keys.

    Raises:
        CheckpointError: missing file, unreadable file, or not a trainer checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises several types for truncated/foreign files
        raise CheckpointError(f"checkpoint {str(path)!r} cannot be read: {type(e).__name__}: {e}") from e
    missing = [k for k in REQUIRED_KEYS if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise CheckpointError(
            f"{str(path)!r} is not a slvg-bench training checkpoint (missing keys: {', '.join(missing)})"
        )
    return ckpt


def find_checkpoint(run_dir: str | Path) -> Path:
    """``final.pt`` of a run directory, else ``latest.pt`` (an unfinished run).

    Raises:
        CheckpointError: the folder holds neither.
    """
    run_dir = Path(run_dir)
    for name in (FINAL, LATEST):
        if (run_dir / name).is_file():
            return run_dir / name
    raise CheckpointError(f"no {FINAL} or {LATEST} in {str(run_dir)!r}; train first with 'slvg-bench train'")


def default_run_dir(method: str, dataset: str, preset: Optional[str] = None) -> Path:
    """``$SLVG_BENCH_HOME/training/<method>/<dataset>[-<preset>]`` (where ``train`` writes without ``--out``)."""
    return paths.home() / "training" / method / (f"{dataset}-{preset}" if preset else dataset)


def find_trained_checkpoint(method: str, dataset: str, preset: Optional[str] = None) -> Path:
    """The checkpoint ``slvg-bench train --method M --dataset D [--preset P]`` left in its default folder.

    Without ``preset``: the full-recipe run if it has a checkpoint, else the most
    recently written preset run (``<dataset>-<preset>``); the checkpoint's ``preset``
    and ``finished`` keys say which one it is.

    Raises:
        CheckpointError: nothing trained for (method, dataset), with the command that trains it.
    """
    candidates = [default_run_dir(method, dataset, preset)]
    if preset is None:
        parent = paths.home() / "training" / method
        presets = sorted(parent.glob(f"{dataset}-*")) if parent.is_dir() else []
        presets.sort(key=lambda d: max((p.stat().st_mtime for p in d.glob("*.pt")), default=0.0), reverse=True)
        candidates += presets
    for run_dir in candidates:
        try:
            return find_checkpoint(run_dir)
        except CheckpointError:
            continue
    flag = f" --preset {preset}" if preset else ""
    raise CheckpointError(
        f"no trained {method!r} checkpoint for dataset {dataset!r} in {str(candidates[0])!r}; "
        f"train one with 'slvg-bench train --method {method} --dataset {dataset}{flag}'"
    )


def load_trained_model(path: str | Path, device: str | torch.device = "cpu"):
    """Rebuild a trained model from a checkpoint through the method registry.

    Returns:
        ``(model, config)``: the module (eval mode, on ``device``, loaded strictly)
        and the method's config dataclass rebuilt from the checkpoint.
    """
    from slvg_bench.config import from_dict
    from slvg_bench.training.resolve import config_class, trainable_spec

    ckpt = read_checkpoint(path)
    spec = trainable_spec(ckpt["method"])
    config = from_dict(config_class(spec), ckpt["config"])
    model = spec.build(config)
    try:
        model.load_state_dict(ckpt["model"], strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"checkpoint {str(path)!r} does not fit method {ckpt['method']!r}: {e}") from e
    return model.to(device).eval(), config
