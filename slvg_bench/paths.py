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


# --- file names made from data ------------------------------------------------------------------

_NAME_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")
MAX_STEM = 160  # bytes; leaves room for a suffix and a temp-file prefix under the usual 255


def file_stem(identifier: str) -> str:
    """The file-name stem of an identifier that comes from data (a video id, a pair id, a key).

    Every path built from data goes through this function, so a hostile id (``../../x``,
    ``/etc/passwd``, ``.hidden``) can never leave the folder it is written into, and two
    different ids never share a file (the mapping is injective): letters, digits, ``_``, ``-``
    and ``.`` (not leading) stay as they are, every other character becomes ``%XX`` of its
    UTF-8 bytes (``%`` itself included), so ``sA/v`` -> ``sA%2Fv`` and ``sA_v`` -> ``sA_v``.
    Stems longer than :data:`MAX_STEM` are cut and end in ``~`` + 16 hex digits of the id's
    sha256 (``~`` never appears otherwise). Ordinary ids (every released dataset's) are unchanged.
    Case-insensitive file systems may still fold two ids that differ only in case.
    """
    if not isinstance(identifier, str) or not identifier:
        raise ValueError(f"an identifier used as a file name must be a non-empty string, got {identifier!r}")
    out = []
    for i, ch in enumerate(identifier):
        if ch in _NAME_SAFE and not (i == 0 and ch == "."):
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
    stem = "".join(out)
    if len(stem) > MAX_STEM:
        import hashlib

        digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        stem = stem[: MAX_STEM - 17] + "~" + digest
    return stem


def file_name(identifier: str, suffix: str = "") -> str:
    """:func:`file_stem` plus ``suffix`` (e.g. ``".mp4"``)."""
    return file_stem(identifier) + suffix
