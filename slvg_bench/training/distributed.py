"""Process-group setup for DDP under ``torchrun`` and the few collectives the trainer needs.

``torchrun --nproc_per_node N -m slvg_bench train ...`` sets ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``;
:func:`init_distributed` reads them and joins the group (NCCL when the
process trains on CUDA, gloo on CPU). Without them the trainer runs as one
process and every collective here is a no-op.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Optional

import torch
import torch.distributed as dist

from slvg_bench.errors import UsageError


@dataclass
class DistContext:
    """Where this process sits: rank, world size and its device."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")
    owns_group: bool = False  # True when init_distributed created the process group

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def resolve_device(request: Optional[str], local_rank: int = 0) -> torch.device:
    """``None``/``"auto"`` -> ``cuda:<local_rank>`` when CUDA exists, else CPU; ``"cuda"`` -> ``cuda:<local_rank>``.

    Raises:
        UsageError: CUDA requested on a machine without it, or an unknown device string.
    """
    req = (request or "auto").lower()
    if req == "auto":
        return torch.device(f"cuda:{local_rank}") if torch.cuda.is_available() else torch.device("cpu")
    try:
        device = torch.device(req)
    except RuntimeError as e:
        raise UsageError(f"--device {request!r} is not a device (expected auto, cpu, cuda or cuda:N)") from e
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise UsageError(f"--device {request!r}: CUDA is not available on this machine")
        if device.index is None:
            device = torch.device(f"cuda:{local_rank}")
    return device


def init_distributed(device_request: Optional[str] = None) -> DistContext:
    """Join the ``torchrun`` process group if the environment declares one."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", str(rank)))
    device = resolve_device(device_request, local_rank if world > 1 else 0)
    if world <= 1:
        return DistContext(device=device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    owns = False
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", rank=rank, world_size=world)
        owns = True
    return DistContext(rank=rank, world_size=world, local_rank=local_rank, device=device, owns_group=owns)


def shutdown(ctx: DistContext) -> None:
    if ctx.owns_group and dist.is_initialized():
        dist.destroy_process_group()


def any_true(flag: bool, ctx: DistContext) -> bool:
    """True when ``flag`` is True on at least one rank (every rank must call it)."""
    if not ctx.distributed:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=ctx.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def mean_over_ranks(values: dict[str, torch.Tensor], ctx: DistContext) -> dict[str, float]:
    """Average scalar tensors across ranks and return python floats (every rank must call it)."""
    if not values:
        return {}
    names = sorted(values)
    stacked = torch.stack([values[n].detach().float().to(ctx.device) for n in names])
    if ctx.distributed:
        dist.all_reduce(stacked, op=dist.ReduceOp.SUM)
        stacked /= ctx.world_size
    return dict(zip(names, stacked.tolist()))


def gather(obj: Any, ctx: DistContext) -> list:
    """``[obj of rank 0, obj of rank 1, ...]`` on every rank (every rank must call it)."""
    if not ctx.distributed:
        return [obj]
    out: list = [None] * ctx.world_size
    dist.all_gather_object(out, obj)
    return out


def barrier(ctx: DistContext) -> None:
    if ctx.distributed:
        dist.barrier()
