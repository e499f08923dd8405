"""Operations on MRAA region parameters (dicts with ``shift`` ``B×K×2``, ``affine``/``covar`` ``B×K×2×2``, …).

- the **sign rule** (``revert_axis_swap``): an SVD returns each singular vector up to sign, so the
  source and driving affines of the same region can differ by a flip of both axes (A ↦ −A, a 180°
  rotation). Wherever a relative transform ``M = A_1·A_2⁻¹`` is formed (flow, AVD input, affine
  equivariance loss) the official code multiplies the whole ``M`` by ``sign(M[0, 0])``;
- the animation modes of the official ``get_animation_region_params`` (``standard``, ``relative``;
  ``avd`` is :class:`~baselines.mraa.avd_network.AVDNetwork`);
- the random anisotropic scaling that augments the AVD training input.
"""

from __future__ import annotations

from typing import Optional

import torch

MOTION_KEYS = ("shift", "affine", "covar")


def sign_corrected(matrix: torch.Tensor) -> torch.Tensor:
    """``M · sign(M[0, 0])`` for ``...×2×2`` matrices (a zero ``M[0, 0]`` gives 0, as ``torch.sign``)."""
    return matrix * torch.sign(matrix[..., 0:1, 0:1])


def relative_affine(source_affine: torch.Tensor, driving_affine: torch.Tensor,
                    revert_axis_swap: bool = True) -> torch.Tensor:
    """``A_S · A_D⁻¹`` per region (``B×K×2×2``), sign-corrected when ``revert_axis_swap``."""
    affine = torch.matmul(source_affine, torch.inverse(driving_affine))
    return sign_corrected(affine) if revert_axis_swap else affine


def expand_batch(params: dict, batch_size: int) -> dict:
    """Broadcast batch-1 region parameters (one source image) to ``batch_size`` (views, no copies).

    Only the per-sample ``B×…`` entries are expanded; the flattened SVD factors ``u``/``d`` are dropped.
    """
    out = {}
    for key, value in params.items():
        if key in ("u", "d"):
            continue
        out[key] = value if value.shape[0] == batch_size else value.expand(batch_size, *value.shape[1:])
    return out


def relative_region_params(source: dict, driving: dict, driving_initial: dict,
                           scale: torch.Tensor | float) -> dict:
    """Official ``relative`` animation mode (animate.py ``get_animation_region_params``).

    ``shift = μ_S + (μ_D − μ_D0)·scale``; ``affine = (A_D · A_D0⁻¹) · A_S``; every other entry
    (``covar``, ``heatmap``) stays the driving frame's, as in the official function.

    Args:
        source, driving_initial: parameters of the source image and of the first driving frame
            (batch 1 or B); driving: parameters of B driving frames.
        scale: movement scale (:func:`baselines.common.movement.movement_scale`), a float or a tensor
            with one value per sample.
    """
    out = dict(driving)
    s = torch.as_tensor(scale, dtype=driving["shift"].dtype, device=driving["shift"].device).reshape(-1, 1, 1)
    out["shift"] = (driving["shift"] - driving_initial["shift"]) * s + source["shift"]
    if "affine" in driving:
        change = torch.matmul(driving["affine"], torch.inverse(driving_initial["affine"]))
        out["affine"] = torch.matmul(change, source["affine"])
    return out


def random_scale(params: dict, scale: float, generator: Optional[torch.Generator] = None) -> dict:
    """Scale shifts and affines by ``diag(u_x, u_y)``, ``u ~ U(1 − scale, 1 + scale)`` per sample (AVD input).

    Draws ``torch.rand(B, 2)`` on the CPU (global generator unless given), as the official
    ``train_avd.random_scale``. Returns ``{"shift", "affine"}``.
    """
    shift = params["shift"]
    u = torch.rand(shift.shape[0], 2, generator=generator) * (2 * scale) + (1 - scale)
    theta = torch.diag_embed(u).unsqueeze(1).to(dtype=shift.dtype, device=shift.device)  # B×1×2×2
    return {"shift": torch.matmul(theta, shift.unsqueeze(-1)).squeeze(-1),
            "affine": torch.matmul(theta, params["affine"])}
