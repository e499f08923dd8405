"""An inter-process file lock, so parallel ranks/processes prepare a cache only once."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def file_lock(path: str | Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if needed); a no-op where fcntl is absent."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; single-process use only
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class DirectoryLock:
    """An exclusive, non-blocking ``flock`` that says who holds it (see :func:`lock_output`)."""

    def __init__(self, fd: int | None, path: Path):
        self.fd, self.path = fd, path

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "DirectoryLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lock_output(lock_path: str | Path, what: str) -> DirectoryLock:
    """Take the exclusive lock ``lock_path`` of an output (a run directory, a results file) or fail at once.

    The holder's pid is written into the lock file, so a second writer is told "``what`` is in use by
    pid N" (:class:`~slvg_bench.errors.SlvgError`, exit 1) instead of mixing its results into the
    first one's. The lock ends with the process (a kill -9 leaves no stale lock); the file stays.
    """
    from slvg_bench.errors import SlvgError, output_error

    lock_path = Path(lock_path)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; single-process use only
        return DirectoryLock(None, lock_path)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise output_error(lock_path, e, "create the lock file") from e
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        try:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
        except OSError:
            holder = "unknown"
        os.close(fd)
        raise SlvgError(f"{what} is in use by pid {holder} (another slvg-bench process is writing into it); "
                        f"wait until it has finished, or choose another --out") from None
    except OSError as e:
        os.close(fd)
        raise output_error(lock_path, e, "lock") from e
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # the lock holds even when the pid cannot be recorded (a full disk is reported by the writers)
    return DirectoryLock(fd, lock_path)
