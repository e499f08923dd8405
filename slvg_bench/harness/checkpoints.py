"""Which checkpoint a run uses: the one given, the shipped one, the one trained for (method, dataset), or a new one.

Order: ``--checkpoint``; with no training preset asked for, the model that ships inside the
package for (method, dataset) (synthsign: every method, see the weights catalog); the checkpoint
``slvg-bench train`` made for (method, dataset, preset); else one is trained now with the method's
config for the dataset (on synthsign the ``quick`` preset unless another preset is asked for).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from slvg_bench.console import err_console
from slvg_bench.errors import CheckpointError

TRAIN_TIME_HINT = {
    "quick": "the quick preset trains in about 10 minutes on 2 CPU cores",
    None: "the full recipe (100 epochs) takes days on a CPU and hours to days on one GPU",
}


def default_preset(dataset: str) -> Optional[str]:
    return "quick" if dataset == "synthsign" else None


def resolve_checkpoint(method: str, dataset: str, checkpoint: Optional[str], *, train_if_missing: bool = True,
                       preset: Optional[str] = None, device: Optional[str] = None, data_root=None,
                       progress: bool = True) -> Optional[str]:
    """A checkpoint path or weight id for ``method`` (None for parameter-free methods)."""
    from slvg_bench.methods import METHODS

    spec = METHODS.get(method)
    if not spec.needs_checkpoint:
        return None
    if checkpoint:
        return checkpoint
    if preset is None:
        from slvg_bench import weights

        shipped = weights.shipped_model(method, dataset)
        if shipped is not None and weights.status(shipped) in ("present", "unverified"):
            return shipped
    from slvg_bench.training import find_trained_checkpoint

    try:
        return str(find_trained_checkpoint(method, dataset, preset))
    except CheckpointError:
        if not (train_if_missing and spec.trainable):
            raise
    preset = preset if preset is not None else default_preset(dataset)
    install_prerequisites(method, dataset, preset, progress=progress)
    hint = TRAIN_TIME_HINT.get(preset, f"preset {preset!r}")
    err_console.print(f"[bold]no trained {method} checkpoint for {dataset}[/]: training one now "
                      f"(`slvg-bench train --method {method} --dataset {dataset}"
                      f"{f' --preset {preset}' if preset else ''}`; {hint})", highlight=False)
    from slvg_bench.training import train

    result = train(method, dataset, preset=preset, device=device, data_root=data_root, progress=progress)
    return str(result.checkpoint)


def install_prerequisites(method: str, dataset: str, preset: Optional[str], progress: bool = True) -> None:
    """Make the weight files a method's training needs and this toolkit can produce itself.

    ``MethodSpec.extra["prerequisites"](config) -> [weight ids]`` names them (e.g. PGMM's pose
    estimator for the Pose Distance loss). A missing one whose catalog entry has ``produced_by``
    (a ``slvg-bench …`` command) is made by running that command; one that must be downloaded
    raises the usual error naming the file and the install command.
    """
    import shlex
    import subprocess
    import sys

    from slvg_bench import weights
    from slvg_bench.methods import METHODS
    from slvg_bench.training import resolve_config

    needs = METHODS.get(method).extra.get("prerequisites")
    if needs is None:
        return
    config = resolve_config(method, dataset, preset=preset).config
    for wid in needs(config):
        spec = weights.get_spec(wid)
        if weights.status(spec) in ("present", "unverified"):
            continue
        if not spec.produced_by:
            weights.require(wid)  # raises: names the file and how to install it
        err_console.print(f"[bold]{method} needs {wid}[/], which is not installed: making it with "
                          f"`{spec.produced_by}`", highlight=False)
        args = shlex.split(spec.produced_by)
        if args[0] != "slvg-bench":
            raise CheckpointError(f"weight {wid!r}: cannot run {spec.produced_by!r} (not a slvg-bench command)")
        r = subprocess.run([sys.executable, "-m", "slvg_bench", *args[1:]])
        if r.returncode != 0:
            raise CheckpointError(f"`{spec.produced_by}` failed (exit {r.returncode}); {wid} is still missing")
        weights.require(wid)


def checkpoint_sha256(checkpoint: Optional[str]) -> Optional[str]:
    """sha256 of the checkpoint file (a path, or a weight id of the catalog); None without one."""
    if checkpoint is None:
        return None
    from slvg_bench import weights

    p = Path(checkpoint)
    if not p.is_file():
        if weights.is_known(checkpoint) or "." in checkpoint and not p.suffix:
            p = weights.require(checkpoint)
        else:
            raise CheckpointError(f"checkpoint {checkpoint!r} does not exist")
    return weights.cached_sha256(p)
