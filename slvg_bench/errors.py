"""User-facing errors.

Every error a user can cause (bad path, unknown name, unreadable video, wrong
checkpoint) is raised as a :class:`SlvgError` subclass whose message is one
line naming the thing and what was expected. The CLI prints that line and exits
with a non-zero code instead of showing a traceback.
"""

from __future__ import annotations


class SlvgError(Exception):
    """Base class of errors caused by input, configuration or environment.

    ``exit_code`` is what the CLI exits with: 1 for a failed run, 2 for usage.
    """

    exit_code = 1


class UsageError(SlvgError):
    """A bad option or name given on the command line or in a config."""

    exit_code = 2


class UnknownNameError(UsageError):
    """A method/dataset/metric/weight id that is not registered."""


class TensorInputError(UsageError, ValueError):
    """A tensor given to a public function (the metric functions, ``Scorer.score``, ``Evaluator.update``)
    that is not what its docstring states: wrong type, dtype or shape, NaN/Inf, values out of range.

    Also a ValueError, so code that catches ValueError around a metric keeps working.
    """


class VideoReadError(SlvgError):
    """A video file or frame folder that is missing, empty or undecodable."""


class DatasetError(SlvgError):
    """A dataset tree that is missing files or does not match its layout."""


class CheckpointError(SlvgError):
    """A checkpoint that is missing, corrupt, or belongs to another model."""


class WeightsUnavailableError(SlvgError):
    """A pretrained weight file that is not in the cache (offline or not downloaded)."""


class RegressionError(SlvgError):
    """A run that is worse than its baseline (``slvg-bench check``): exit 1, after the table."""


class TrainingDivergedError(SlvgError):
    """A training loss or gradient became NaN/Inf; the last good checkpoint is kept."""


class TrainingInterruptedError(SlvgError):
    """Training was interrupted (Ctrl-C); the message says how to resume."""

    exit_code = 130


class OutputError(SlvgError):
    """A file or folder that cannot be written (read-only or full disk, a file where a folder is expected...)."""


# errno -> what it means for the user (the OS wording is often cryptic: "File too large", "Errno 30")
_OS_REASONS = {
    "EROFS": "the file system is read-only",
    "ENOSPC": "no space left on the device",
    "EDQUOT": "the disk quota is exhausted",
    "EFBIG": "the file is larger than the file system or a resource limit allows",
    "EACCES": "permission denied",
    "EPERM": "operation not permitted",
    "EISDIR": "it is a folder, a file was expected",
    "ENOTDIR": "a part of the path is a file, not a folder",
    "EEXIST": "something else already exists there",
    "ENOENT": "no such file or folder",
    "ENAMETOOLONG": "the name is too long",
    "EMFILE": "too many open files",
    "EIO": "an input/output error of the device",
}
_FULL = ("ENOSPC", "EDQUOT", "EFBIG")


def os_error_reason(e: OSError) -> str:
    """A short, plain description of an OS error (without the path)."""
    import errno as _errno

    name = _errno.errorcode.get(e.errno or -1, "")
    reason = _OS_REASONS.get(name) or (e.strerror or str(e) or type(e).__name__)
    if name in _FULL:
        reason += " (free some space or choose another output location)"
    elif name in ("EROFS", "EACCES", "EPERM"):
        reason += " (choose a writable output location)"
    return reason


def output_error(path, e: OSError, what: str = "write") -> OutputError:
    """``OutputError("cannot write 'PATH': the file system is read-only …")`` for an OS error while writing."""
    return OutputError(f"cannot {what} {str(path)!r}: {os_error_reason(e)}")


def os_error_message(e: OSError) -> str:
    """One line for an OS error that reached the command line: the path(s) it names and the problem."""
    paths = [str(p) for p in (e.filename, getattr(e, "filename2", None)) if p is not None]
    where = " -> ".join(repr(p) for p in paths)
    return f"{where}: {os_error_reason(e)}" if where else os_error_reason(e)
