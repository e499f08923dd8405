"""Keeping large tensor buffers in the malloc heap instead of fresh ``mmap`` pages (glibc only).

glibc serves every allocation above ``M_MMAP_THRESHOLD`` (dynamic, at most 32 MiB on 64-bit) with a
new ``mmap`` and gives it back with ``munmap`` when freed. A generator at 128×128 allocates and frees
activations of that size for every batch (8 frames × 128 channels × 128² float32 = 64 MiB), so each
batch touches fresh zero-filled pages: PGMM's inference on 158 synthsign frames took 1.8 million page
faults and 4.4 s of system time. Raising the mmap and trim thresholds keeps those buffers in the heap
and reuses them: 17 thousand faults, 0.1 s of system time, 1.17× the frames per second
(``bench/inference_allocator.py``, ``bench/RESULTS.md``); a PGMM training step is as fast as before.
The numbers computed are unchanged (only where memory comes from changes).

The CLI calls :func:`keep_large_allocations_in_heap` once at start-up. It does nothing when the C
library is not glibc, when the user already tunes malloc (``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TRIM_THRESHOLD_`` or ``GLIBC_TUNABLES`` in the environment), or when
``SLVG_BENCH_MALLOC=system`` asks for the C library's defaults.
"""

from __future__ import annotations

import os
import sys

# glibc's mallopt parameter numbers (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

# Allocations up to this size stay in the heap; free memory above it at the heap's top is returned
# to the system. 512 MiB: above any activation of the shipped configurations at batch 16, far below
# the machine's memory.
HEAP_THRESHOLD_BYTES = 512 * 1024 * 1024

OPT_OUT_VARIABLE = "SLVG_BENCH_MALLOC"
_USER_TUNING = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")


def keep_large_allocations_in_heap(threshold: int = HEAP_THRESHOLD_BYTES) -> bool:
    """Raise glibc's mmap and trim thresholds to ``threshold`` bytes; True when it was done.

    Process-wide and irreversible for the process; call it before the first large allocation.
    """
    if os.environ.get(OPT_OUT_VARIABLE, "").strip().lower() == "system":
        return False
    if any(name in os.environ for name in _USER_TUNING):
        return False
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):  # musl has no such name
            return False
    except (ValueError, OSError, AttributeError):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    value = ctypes.c_int(min(int(threshold), 2**31 - 1))
    # mallopt returns 1 on success; the trim threshold only matters once the mmap one is set
    return bool(libc.mallopt(M_MMAP_THRESHOLD, value)) and bool(libc.mallopt(M_TRIM_THRESHOLD, value))
