"""MRAA training losses (ReconstructionModel / train_avd; methods.md §2.7–2.8).

Every loss returns an already-weighted scalar. The perceptual pyramid loss is
:class:`baselines.common.perceptual.PerceptualPyramidLoss` (MRAA's pyramid slices, ``subsample="slice"``).
"""

from __future__ import annotations

from typing import Callable

import torch

from baselines.common.random_tps import RandomTPS
from baselines.common.warping import MRAA_ALIGN_CORNERS
from baselines.mraa.regions import sign_corrected


def equivariance_losses(region_predictor: Callable[[torch.Tensor], dict], driving: torch.Tensor,
                        driving_params: dict, transform: RandomTPS, weight_shift: float = 10.0,
                        weight_affine: float = 10.0, revert_axis_swap: bool = True,
                        align_corners: bool = MRAA_ALIGN_CORNERS) -> tuple[dict, dict]:
    """Equivariance of the regions under a random warp T (applied to the driving frame).

    - shift: ``weight_shift · mean|μ_D − T(μ_T)|``;
    - affine: ``weight_affine · mean|I − V|`` with ``V = A_D⁻¹ · J_T(μ_T) · A_T`` (J_T = Jacobian of T
      at the transformed frame's centres, by autograd with ``create_graph``), ``V ← V·sign(V[0,0])``
      with ``revert_axis_swap``.

    Args:
        region_predictor: images ``B×C×H×W`` -> region parameters.
        driving: ``B×C×H×W``; driving_params: its region parameters.
        transform: the random warp (FOMM/MRAA kernel).
        weight_shift, weight_affine: 0 skips a term.
        align_corners: the warp convention of the model (official False).
    Returns:
        ``(losses, extras)``: losses ``{"equivariance_shift", "equivariance_affine"}`` (the non-zero ones),
        extras ``{"transformed_frame", "transformed_region_params"}``.
    """
    device = driving.device.type
    with torch.autocast(device_type=device, enabled=False):  # warps and 2×2 algebra in full precision
        frame = transform.transform_frame(driving, align_corners=align_corners)
    params_t = region_predictor(frame)
    losses = {}
    with torch.autocast(device_type=device, enabled=False):
        if weight_shift != 0:
            value = torch.abs(driving_params["shift"] - transform.warp_coordinates(params_t["shift"])).mean()
            losses["equivariance_shift"] = weight_shift * value
        if weight_affine != 0:
            with torch.enable_grad():  # the Jacobian needs autograd even when evaluating under no_grad
                jacobian = transform.jacobian(params_t["shift"])
            value = torch.matmul(torch.inverse(driving_params["affine"]), torch.matmul(jacobian, params_t["affine"]))
            if revert_axis_swap:
                value = sign_corrected(value)
            eye = torch.eye(2, dtype=value.dtype, device=value.device)
            losses["equivariance_affine"] = weight_affine * torch.abs(eye - value).mean()
    return losses, {"transformed_frame": frame, "transformed_region_params": params_t}


def background_loss(bg_source_to_driving: torch.Tensor, bg_driving_to_source: torch.Tensor,
                    weight: float) -> torch.Tensor:
    """``weight · mean|I₃ − B_sd·B_ds|`` (optional; not part of the official MRAA recipe)."""
    value = torch.matmul(bg_source_to_driving, bg_driving_to_source)
    eye = torch.eye(3, dtype=value.dtype, device=value.device)
    return weight * torch.abs(eye - value).mean()


def avd_losses(target: dict, reconstruction: dict, lambda_shift: float = 1.0, lambda_affine: float = 1.0) -> dict:
    """AVD stage: ``{"rec_shift": λ_s·mean|μ − μ̂|, "rec_affine": λ_a·mean|A − Â|}``.

    ``target`` are the unscaled driving parameters, ``reconstruction`` the AVD output.
    """
    return {
        "rec_shift": lambda_shift * torch.abs(target["shift"] - reconstruction["shift"]).mean(),
        "rec_affine": lambda_affine * torch.abs(target["affine"] - reconstruction["affine"]).mean(),
    }
