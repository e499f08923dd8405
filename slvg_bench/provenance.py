"""Run provenance: what produced a result file, recorded in every results file.

Package version, git sha + dirty flag of the source tree (when it is a git
checkout), Python/torch/key library versions, device, the resolved config and
its hash, seeds, the sha256 of every weight file used and the metric versions.
"""

from __future__ import annotations

import functools
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from slvg_bench import __version__

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=1)
def git_state() -> dict[str, Any] | None:
    """``{"sha": …, "dirty": bool}`` of the checkout holding this package, or None outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PACKAGE_ROOT, capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PACKAGE_ROOT,
                                capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"sha": sha, "dirty": bool(status.strip())}


def code_version() -> str:
    """``0.1.0+g1a2b3c4d5e6f`` (``.dirty`` appended for uncommitted changes); bare version outside git."""
    g = git_state()
    if g is None:
        return __version__
    return f"{__version__}+g{g['sha'][:12]}" + (".dirty" if g["dirty"] else "")


def seed_everything(seed: int = 0) -> dict[str, int]:
    """Seed python, numpy and torch; returns what was set (recorded in provenance)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return {"python": seed, "numpy": seed, "torch": seed}


def library_versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in ("torch", "torchvision", "numpy", "scipy", "scikit-image", "lpips", "av", "pandas", "pyarrow"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def device_description(device: str) -> str:
    import torch

    if str(device).startswith("cuda") and torch.cuda.is_available():
        return f"{device} ({torch.cuda.get_device_name(torch.device(device))})"
    return f"{device} ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def collect(
    *,
    config: dict,
    config_hash: str,
    device: str,
    seeds: dict[str, int],
    weights: dict[str, str] | None = None,
    metrics: dict[str, int] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance record of one run."""
    return {
        "package": "slvg-bench",
        "version": __version__,
        "code_version": code_version(),
        "git": git_state(),
        "libraries": library_versions(),
        "device": device_description(device),
        "config": config,
        "config_hash": config_hash,
        "seeds": seeds,
        "weights_sha256": dict(sorted((weights or {}).items())),
        "metric_versions": dict(sorted((metrics or {}).items())),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **(extra or {}),
    }
