"""MRAA behind the :class:`slvg_bench.methods.Animator` interface, and its :class:`MethodSpec`.

Modes (``mode=`` at load time, or per call), as the official ``get_animation_region_params``:

- ``standard`` (default; the reconstruction protocol, absolute motion): the driving frame's regions
  used as they are, background transform ``bg_predictor(source, driving)`` when the model has one
  (official ``reconstruction.py``);
- ``relative`` (cross-person): source centres moved by the driving centres' displacement since the
  first driving frame, scaled by the convex-hull area ratio; affines ``(A_D·A_D0⁻¹)·A_S``; identity
  background (official demo);
- ``avd`` (cross-person; the official ``animate_params.mode``): regions re-targeted by the AVD network
  (needs a checkpoint that has one); identity background.

The source is encoded once per video (region parameters, the flow predictor's downsampled source,
the generator's encoder features, the movement scale); driving frames run in batches of
``batch_size``, in eval mode under ``torch.no_grad()``. Frames whose size differs from the model's
``image_size`` are resized in and out.

This module imports no torch at import time (the registry lists methods cheaply).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from slvg_bench.methods import MethodSpec

MODES = ("standard", "relative", "avd")


class MRAAAnimator:
    """Generates ``T×3×H×W`` frames in [0, 1] from a source image and a driving video.

    Args:
        model: a loaded :class:`~baselines.mraa.model.MRAA`.
        config: its :class:`~baselines.mraa.config.MRAAConfig`.
        device: ``"cpu"``, ``"cuda"``, …
        mode: default mode (see module docstring).
        batch_size: driving frames per forward pass.
        use_bg: use the background predictor in ``standard`` mode (default: when present).
        info: provenance of the checkpoint (format, conversion report).
    """

    method_id = "mraa"

    def __init__(self, model, config, device: str = "cpu", mode: str = "standard", batch_size: int = 16,
                 use_bg: Optional[bool] = None, info: Optional[dict] = None):
        from baselines.common.animator_checks import check_batch_size, check_mode

        check_mode("mraa", mode, MODES)
        check_batch_size("mraa", batch_size)
        self.model = model.to(device).eval()
        self.config = config
        self.device = device
        self.mode = mode
        self.batch_size = batch_size
        self.use_bg = use_bg
        self.info = info or {}

    def _check(self, source, driving) -> None:
        from baselines.common.animator_checks import check_source_driving

        check_source_driving("mraa", source, driving)

    def animate(self, source, driving, driving_keypoints=None, *, mode: Optional[str] = None):
        """``source`` 3×H×W, ``driving`` T×3×H×W (float in [0, 1]) -> T×3×H×W on the driving's device.

        ``driving_keypoints`` is ignored (MRAA finds its own regions).
        """
        import torch

        from baselines.common.frames import resize_frames
        from baselines.common.movement import movement_scale
        from baselines.mraa.regions import relative_region_params
        from baselines.common.animator_checks import check_mode
        from slvg_bench.errors import UsageError

        mode = check_mode("mraa", mode or self.mode, MODES)
        m = self.model
        if mode == "avd" and m.avd_network is None:
            raise UsageError("mraa: mode 'avd' needs a checkpoint with an avd_network (train stage 'avd')")
        self._check(source, driving)
        out_size = tuple(driving.shape[-2:])
        out_device = driving.device
        size = m.image_size
        use_bg = mode == "standard" and (self.use_bg is None or self.use_bg) and m.bg_predictor is not None
        with torch.no_grad():
            src = resize_frames(source.to(self.device, torch.float32)[None], size)
            m.check_input(src, "frame")
            feats = m.source_features(src)
            source_params = feats["region_params"]
            if mode == "relative":
                first = resize_frames(driving[:1].to(self.device, torch.float32), size)
                initial = m.region_predictor(first)
                scale = movement_scale(source_params["shift"], initial["shift"])
            frames = []
            for start in range(0, driving.shape[0], self.batch_size):
                chunk = resize_frames(driving[start:start + self.batch_size].to(self.device, torch.float32), size)
                b = chunk.shape[0]
                driving_params = m.region_predictor(chunk)
                bg = m.bg_predictor(src.expand(b, -1, -1, -1), chunk) if use_bg else None
                if mode == "relative":
                    params = relative_region_params(source_params, driving_params, initial, scale)
                elif mode == "avd":
                    src_b = {k: source_params[k].expand(b, *source_params[k].shape[1:]) for k in ("shift", "affine")}
                    params = m.avd_network(src_b, driving_params)
                else:
                    params = driving_params
                out = m.generate(src, source_params, params, bg, source_down=feats["source_down"],
                                 features=feats["features"])
                frames.append(resize_frames(out["prediction"], out_size).to(out_device))
        return torch.cat(frames, dim=0)


def load(checkpoint=None, device: str = "cpu", mode: str = "standard", batch_size: int = 16,
         setup: Optional[str] = None, use_bg: Optional[bool] = None) -> MRAAAnimator:
    """Animator from our checkpoint, an official ``*.pth`` (converted) or a catalog weight id.

    Args:
        checkpoint: path or weight id (``mraa.vox256-official``, …).
        device: torch device string.
        mode: ``standard`` (reconstruction), ``relative`` or ``avd`` (cross-person).
        setup: official setup name for official files given by path (resolution, region-conv padding).
    """
    from baselines.mraa.checkpoint import load_any
    from slvg_bench.errors import UsageError

    if checkpoint is None:
        raise UsageError("mraa needs a checkpoint (ours, an official .pth, or a weight id such as "
                         "mraa.vox256-official); train one with `slvg-bench train --method mraa`")
    model, cfg, info = load_any(checkpoint, setup=setup)
    return MRAAAnimator(model, cfg, device=device, mode=mode, batch_size=batch_size, use_bg=use_bg, info=info)


def build(config):
    """Lazy wrapper of :func:`baselines.mraa.trainable.build` (keeps this module torch-free)."""
    from baselines.mraa.trainable import build as _build

    return _build(config)


SPEC = MethodSpec(
    id="mraa",
    summary="Motion Representations for Articulated Animation (Siarohin et al., CVPR 2021), re-implemented; "
            "loads official checkpoints",
    load=load,
    needs_checkpoint=True,
    uses_keypoints=False,
    trainable=True,
    build=build,
    config_cls="baselines.mraa.config:MRAAConfig",
    config_dir=str(Path(__file__).resolve().parent / "configs"),
    extra={"modes": MODES, "reconstruction_mode": "standard", "cross_person_mode": "relative",
           "official_weights": ("mraa.vox256-official", "mraa.taichi256-official", "mraa.ted384-official",
                                "mraa.ted-youtube384-official", "mraa.mgif256-official")},
)
