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
