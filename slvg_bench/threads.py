"""Pinning torch's CPU thread count around operations whose float results depend on it.

torch's CPU bilinear resize (``F.interpolate(mode="bilinear")``) gives results that differ in the
last bits between 1 and 2 intra-op threads (measured with torch 2.14: up to 3.6e-7 on FVD's
128→224 upsampling, 1.2e-7 on an ``--align resize`` upsampling). Such bits reach FVD's I3D input
and the aligned prediction, so a number would depend on the machine's core count. The resizes that
feed a metric (FVD preprocessing, ``--align resize``, the region crops) therefore run inside
:func:`torch_threads` ``(1)``: one thread, whatever ``torch.get_num_threads()`` is outside, which
is also the setting the FVD parity fixture was made with. The cost is small (a resize is cheap next
to the networks that follow it).

``torch.set_num_threads`` is process-wide: while the block runs, torch CPU work started by another
Python thread of the same process also runs with one thread. CUDA tensors are unaffected by the
thread count, so pass ``device`` and nothing is changed for them.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def torch_threads(n: int = 1, device=None) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the previous count.

    ``device``: a tensor's device (or None); for a non-CPU device the block runs unchanged.
    """
    import torch

    before = torch.get_num_threads()
    if (device is not None and torch.device(device).type != "cpu") or before == n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
