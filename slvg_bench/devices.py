"""Device names given on the command line, checked before any work starts."""

from __future__ import annotations


def check_device(device: str) -> str:
    """``device`` if it names a usable torch device (cpu, cuda, cuda:N, mps), else one clear UsageError."""
    import re

    import torch

    from slvg_bench.errors import UsageError

    m = re.fullmatch(r"(cpu|cuda|mps)(?::(\d+))?", str(device).strip())
    if m is None or (m.group(1) == "cpu" and m.group(2) is not None):
        raise UsageError(f"--device {device!r} is not a device; expected auto, cpu, cuda or cuda:N (N = 0, 1, …)")
    kind, index = m.group(1), m.group(2)
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise UsageError(f"--device {device!r} requested but CUDA is not available (use cpu or auto)")
        n = torch.cuda.device_count()
        if index is not None and int(index) >= n:
            raise UsageError(f"--device {device!r}: this machine has {n} CUDA device(s), cuda:0 … cuda:{n - 1}")
    if kind == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise UsageError(f"--device {device!r} requested but MPS is not available (use cpu or auto)")
    return str(device).strip()


def device_callback(ctx, param, value):
    """click callback for ``--device``: ``auto``/None pass, anything else must be a usable device."""
    if value is None or value == "auto":
        return value
    return check_device(value)
