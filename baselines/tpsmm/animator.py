"""TPSMM behind the :class:`slvg_bench.methods.Animator` interface, and its :class:`MethodSpec`.

Modes (``mode=`` at load time, or per call):

- ``standard`` (default; the reconstruction protocol): driving keypoints used as they are,
  background transform from ``bg_predictor(source, driving)`` when the model has one
  (official ``reconstruction.py``);
- ``relative`` (cross-person): source keypoints moved by the driving keypoints' displacement
  since the first driving frame, scaled by the convex-hull area ratio; no background
  transform (official demo);
- ``avd``: keypoints re-targeted by the AVD network (needs a checkpoint that has one).

Source features (keypoints, downsampled source, encoder maps, relative scale) are
computed once per video; driving frames run in batches of ``batch_size``. Frames
whose size differs from the model's ``image_size`` are resized in and out.

This module imports no torch at import time (the registry lists methods cheaply).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from slvg_bench.methods import MethodSpec

MODES = ("standard", "relative", "avd")


class TPSMMAnimator:
    """Generates ``T×3×H×W`` frames in [0, 1] from a source image and a driving video.

    Args:
        model: a loaded :class:`~baselines.tpsmm.model.TPSMM`.
        config: its :class:`~baselines.tpsmm.config.TPSMMConfig`.
        device: ``"cpu"``, ``"cuda"``, …
        mode: default mode (see module docstring).
        batch_size: driving frames per forward pass.
        use_bg: use the background predictor in ``standard`` mode (default: when present).
        info: provenance of the checkpoint (format, conversion report).
    """

    method_id = "tpsmm"

    def __init__(self, model, config, device: str = "cpu", mode: str = "standard", batch_size: int = 16,
                 use_bg: Optional[bool] = None, info: Optional[dict] = None):
        from baselines.common.animator_checks import check_batch_size, check_mode

        check_mode("tpsmm", mode, MODES)
        check_batch_size("tpsmm", batch_size)
        self.model = model.to(device).eval()
        self.config = config
        self.device = device
        self.mode = mode
        self.batch_size = batch_size
        self.use_bg = use_bg
        self.info = info or {}

    def _check(self, source, driving) -> None:
        from baselines.common.animator_checks import check_source_driving

        check_source_driving("tpsmm", source, driving)

    def animate(self, source, driving, driving_keypoints=None, *, mode: Optional[str] = None):
        """``source`` 3×H×W, ``driving`` T×3×H×W (float in [0, 1]) -> T×3×H×W on the driving's device.

        ``driving_keypoints`` is ignored (TPSMM finds its own keypoints).
        """
        return self._run(source, driving, mode, collect=False)[0]

    def intermediates(self, source, driving, driving_keypoints=None, *, mode: Optional[str] = None):
        """``(frames, maps)``: the frames of :meth:`animate` and the dense-motion maps.

        ``maps`` (see :class:`slvg_bench.methods.IntermediatesAnimator`), each a list coarse to
        fine of ``T×1×h×w`` float32 CPU tensors:

        - ``flow_magnitude``: one map at the dense-motion resolution, ``|deformation − identity|``
          in pixels of the output frame (≥ 0);
        - ``occlusion``: per inpainting scale, ``1 −`` TPSMM's occlusion map (TPSMM's map is the
          visibility that multiplies the warped features; here 1 = occluded, as in PGMM's CMM).
        """
        return self._run(source, driving, mode, collect=True)

    def _run(self, source, driving, mode, collect: bool):
        import torch

        from baselines.common.frames import resize_frames
        from baselines.common.grids import displacement_pixels
        from baselines.tpsmm.relative import adapt_movement_scale, relative_keypoints
        from baselines.common.animator_checks import check_mode
        from slvg_bench.errors import UsageError

        mode = check_mode("tpsmm", mode or self.mode, MODES)
        m = self.model
        if mode == "avd" and m.avd_network is None:
            raise UsageError("tpsmm: mode 'avd' needs a checkpoint with an avd_network (train stage 'avd')")
        self._check(source, driving)
        out_size = tuple(driving.shape[-2:])
        out_device = driving.device
        size = m.image_size
        with torch.no_grad():
            src = resize_frames(source.to(self.device, torch.float32)[None], size)
            m.check_input(src, "frame")
            feats = m.source_features(src)
            kp_source = feats["kp_source"]
            scale = None
            if mode == "relative":
                first = resize_frames(driving[:1].to(self.device, torch.float32), size)
                kp_initial = m.kp_detector(first)
                scale = adapt_movement_scale(kp_source, kp_initial)
            use_bg = (self.use_bg if self.use_bg is not None else True) and m.bg_predictor is not None
            frames, flows, occlusions = [], [], []
            for start in range(0, driving.shape[0], self.batch_size):
                chunk = resize_frames(driving[start:start + self.batch_size].to(self.device, torch.float32), size)
                b = chunk.shape[0]
                kp_driving = m.kp_detector(chunk)
                bg = None
                if mode == "standard":
                    kp = kp_driving
                    if use_bg:
                        bg = m.bg_predictor(src.expand(b, -1, -1, -1), chunk)
                elif mode == "relative":
                    kp = relative_keypoints(kp_source, kp_driving, kp_initial, scale)
                else:
                    kp = m.avd_network(kp_source.expand(b, -1, -1), kp_driving)
                out = m.generate(src, kp_source, kp, bg, source_down=feats["source_down"],
                                 encoder_maps=feats["encoder_maps"])
                frames.append(resize_frames(out["prediction"], out_size).to(out_device))
                if collect:
                    flows.append(displacement_pixels(out["dense_motion"]["deformation"], out_size).float().cpu())
                    occlusions.append([(1 - o).float().cpu() for o in out["occlusion_map"]])
        video = torch.cat(frames, dim=0)
        if not collect:
            return video, None
        maps = {"flow_magnitude": [torch.cat(flows, dim=0)],
                "occlusion": [torch.cat(s, dim=0) for s in zip(*occlusions)]}
        return video, maps


def load(checkpoint=None, device: str = "cpu", mode: str = "standard", batch_size: int = 16,
         setup: Optional[str] = None, use_bg: Optional[bool] = None) -> TPSMMAnimator:
    """Animator from our checkpoint, an official ``*.pth.tar`` (converted) or a catalog weight id.

    Args:
        checkpoint: path or weight id (``tpsmm.vox256-official``, …).
        device: torch device string.
        mode: ``standard`` (reconstruction), ``relative`` (cross-person) or ``avd``.
        setup: official setup name for official files given by path (sets the resolution).
    """
    from baselines.tpsmm.checkpoint import load_any
    from slvg_bench.errors import UsageError

    if checkpoint is None:
        raise UsageError("tpsmm needs a checkpoint (ours, an official .pth.tar, or a weight id such as "
                         "tpsmm.vox256-official); train one with `slvg-bench train --method tpsmm`")
    model, cfg, info = load_any(checkpoint, setup=setup)
    return TPSMMAnimator(model, cfg, device=device, mode=mode, batch_size=batch_size, use_bg=use_bg, info=info)


def build(config):
    """Lazy wrapper of :func:`baselines.tpsmm.trainable.build` (keeps this module torch-free)."""
    from baselines.tpsmm.trainable import build as _build

    return _build(config)


SPEC = MethodSpec(
    id="tpsmm",
    summary="Thin-Plate Spline Motion Model (Zhao & Zhang, CVPR 2022), re-implemented; loads official checkpoints",
    load=load,
    needs_checkpoint=True,
    uses_keypoints=False,
    trainable=True,
    build=build,
    config_cls="baselines.tpsmm.config:TPSMMConfig",
    config_dir=str(Path(__file__).resolve().parent / "configs"),
    intermediates=("flow_magnitude", "occlusion"),
    extra={"modes": MODES, "reconstruction_mode": "standard", "cross_person_mode": "relative",
           "official_weights": ("tpsmm.vox256-official", "tpsmm.taichi256-official", "tpsmm.ted384-official",
                                "tpsmm.mgif256-official")},
)
