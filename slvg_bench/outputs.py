"""Output locations checked at the edge, before any work: a folder that must be (or become) a
writable directory, or a file whose folder must be writable.

Every command that writes checks its output here first, so a read-only or full disk, or ``--out``
naming an existing file, ends in one line naming the path and the problem (exit 2 for a wrong
kind of path, 1 for a disk that refuses), instead of a traceback after minutes of work. Writers
that fail later (a disk that fills up during a run) raise :func:`slvg_bench.errors.output_error`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from slvg_bench.errors import UsageError, output_error


def _probe(folder: Path) -> None:
    """Write and remove one small file in ``folder`` (the only sure test of a read-only or full disk)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".slvg-probe-", dir=folder)
    except OSError as e:
        raise output_error(folder, e, "write into") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(b"slvg-bench write probe\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise output_error(folder, e, "write into") from e
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def ensure_dir(path: str | Path, option: str = "--out") -> Path:
    """``path`` as an existing, writable folder (created with its parents when absent)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is an existing file; expected a folder (it is created when absent)")
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise UsageError(f"{option} {str(path)!r} cannot be created: {str(parent)!r} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise output_error(path, e, "create the folder") from e
    _probe(path)
    return path


def ensure_file_target(path: str | Path, option: str = "--out") -> Path:
    """``path`` as a file to write: not an existing folder, in a writable folder (created when absent)."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is an existing folder; expected a file name")
    ensure_dir(path.parent if str(path.parent) else Path("."), f"the folder of {option}")
    return path


def check_text_file(path: str | Path, option: str) -> Path:
    """``path`` as a readable UTF-8 text file, or one clear UsageError naming ``option`` and the problem."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{option} {str(path)!r} does not exist")
    if not path.is_file():
        raise UsageError(f"{option} {str(path)!r} is a folder; expected a text file")
    try:
        data = path.read_bytes()
    except OSError as e:
        from slvg_bench.errors import os_error_reason

        raise UsageError(f"{option} {str(path)!r} cannot be read: {os_error_reason(e)}") from e
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise UsageError(f"{option} {str(path)!r} is not UTF-8 text (byte 0x{data[e.start]:02x} on line {line}); "
                         f"save it as UTF-8") from e
    return path


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temp file in the same folder and a rename, so a reader
    never sees half a file; an OS error becomes one :class:`~slvg_bench.errors.OutputError` naming ``path``."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise output_error(path, e) from e
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
