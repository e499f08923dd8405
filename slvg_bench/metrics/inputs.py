"""Input checks at the public entry points of the metric functions (``l1_per_frame``,
``ssim_per_frame``, ``psnr_per_frame``, ``tcd_per_frame``/``tcd``) and of ``Scorer.score``.

Every one of them takes frames as float ``T×3×H×W`` tensors with finite values in [0, 1]. A uint8
tensor in [0, 255] or a NaN used to be scored silently (uint8 frames gave L1 6.29); now the call
raises :class:`~slvg_bench.errors.TensorInputError` naming the function, the argument, what was
expected and what was given. The check is one pass over the values (``isfinite`` and ``aminmax``),
small next to any metric.
"""

from __future__ import annotations

from typing import Any

import torch

from slvg_bench.errors import TensorInputError

EXPECTED = "a float tensor T×3×H×W with finite values in [0, 1]"


def _hint(x: torch.Tensor, hi: float | None = None) -> str:
    if x.dtype == torch.uint8 or (hi is not None and 1.0 < hi <= 255.0):
        return "; 8-bit frames must be divided by 255 first (slvg_bench.video.to_float does it)"
    return ""


def check_frames(x: Any, name: str, where: str) -> None:
    """Raise TensorInputError unless ``x`` is a float ``T×3×H×W`` tensor with finite values in [0, 1].

    ``name`` is the argument (``pred``), ``where`` the public function (``l1_per_frame``).
    """
    if not isinstance(x, torch.Tensor):
        raise TensorInputError(f"{where}: {name} must be {EXPECTED}, got {type(x).__name__}")
    if x.ndim != 4 or x.shape[1] != 3:
        raise TensorInputError(f"{where}: {name} must be {EXPECTED}, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TensorInputError(f"{where}: {name} must be {EXPECTED}, got dtype {x.dtype}{_hint(x)}")
    if x.numel() == 0:
        return
    finite = torch.isfinite(x)
    if not bool(finite.all()):
        frame = int((~finite).flatten(1).any(dim=1).nonzero()[0])
        raise TensorInputError(f"{where}: {name} must be {EXPECTED}, it has NaN/Inf values (first in frame {frame})")
    lo, hi = (float(v) for v in torch.aminmax(x))
    if lo < 0.0 or hi > 1.0:
        raise TensorInputError(f"{where}: {name} must be {EXPECTED}, its values span [{lo:.4g}, {hi:.4g}]"
                               f"{_hint(x, hi)}")


def check_pair(pred: Any, target: Any, where: str, names: tuple[str, str] = ("pred", "target")) -> None:
    """:func:`check_frames` on both arguments (called ``names`` in messages), then equal shapes."""
    check_frames(pred, names[0], where)
    check_frames(target, names[1], where)
    if pred.shape != target.shape:
        raise TensorInputError(f"{where}: {names[0]} and {names[1]} must have the same shape, got "
                               f"{tuple(pred.shape)} and {tuple(target.shape)}")
