"""Where slvg-bench keeps its files.

- ``SLVG_BENCH_HOME`` (default ``~/.cache/slvg-bench``): weights cache, generated
  synthsign data, preprocessed dataset caches, trained default checkpoints.
- ``SLVG_BENCH_DATA``: root under which real datasets live (``<root>/<dataset>``);
  ``--data-root`` on the command line overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The toolkit's cache root (created on demand by callers that write)."""
    env = os.environ.get("SLVG_BENCH_HOME")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "slvg-bench"


def data_root() -> Path | None:
    """Root of the real datasets, from ``SLVG_BENCH_DATA``; None when unset."""
    env = os.environ.get("SLVG_BENCH_DATA")
    return Path(env).expanduser() if env else None


def weights_dir() -> Path:
    return home() / "weights"


def synthsign_dir() -> Path:
    """Default location of the generated synthsign dataset."""
    return home() / "data" / "synthsign"


def cache_dir() -> Path:
    """Preprocessed-clip caches (one sub-folder per dataset and config hash)."""
    return home() / "cache"
