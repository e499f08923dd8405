"""Argument checks shared by the motion-transfer Animators (TPSMM, MRAA, PGMM).

Each raises :class:`slvg_bench.errors.UsageError` with one line that starts with the method id.
"""

from __future__ import annotations

from typing import Sequence


def check_mode(method_id: str, mode: str, modes: Sequence[str]) -> str:
    """``mode`` if it is one of ``modes``."""
    from slvg_bench.errors import UsageError

    if mode not in modes:
        raise UsageError(f"{method_id}: mode must be one of {', '.join(modes)}, got {mode!r}")
    return mode


def check_batch_size(method_id: str, batch_size: int) -> int:
    """``batch_size`` if it is ≥ 1."""
    from slvg_bench.errors import UsageError

    if batch_size < 1:
        raise UsageError(f"{method_id}: batch_size must be ≥ 1, got {batch_size}")
    return batch_size


def check_source_driving(method_id: str, source, driving) -> None:
    """``source`` must be ``3×H×W`` and ``driving`` ``T×3×H×W`` (T ≥ 1) of the same frame size."""
    from slvg_bench.errors import UsageError

    if source.ndim != 3 or source.shape[0] != 3:
        raise UsageError(f"{method_id}: source must be 3×H×W, got {tuple(source.shape)}")
    if driving.ndim != 4 or driving.shape[1] != 3 or driving.shape[0] == 0:
        raise UsageError(f"{method_id}: driving must be T×3×H×W with T ≥ 1, got {tuple(driving.shape)}")
    if source.shape[1:] != driving.shape[2:]:
        raise UsageError(f"{method_id}: source {tuple(source.shape)} and driving {tuple(driving.shape)} sizes differ")
