"""PGMM behind the :class:`slvg_bench.methods.Animator` interface, and its :class:`MethodSpec`.

Inference (paper §3.3): the source's image features and keypoints are computed once;
for every batch of driving frames, the motion from (source, driving) and the pose
features of each driving frame feed the generator. Modes:

- ``standard`` (reconstruction): driving keypoints as detected, background transform
  from ``bg_predictor`` when present;
- ``relative`` (cross-person): TPSMM's relative keypoint transfer; the pose features
  are the driving frame's own (the paper's cross-person setting).

Pose heatmaps come from ``driving_keypoints`` (``T×133×3``, pixels of the driving
frames) when the model was trained with ``pose.source = keypoints``, else from the
pose estimator P_e. :meth:`PGMMAnimator.intermediates` also returns the maps of the
paper's Fig. 7 per generator scale: flow magnitude, CMM occlusion, and |output − output
without PFM| (``slvg-bench reconstruct --save-intermediates`` draws them).

This module imports no torch at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from slvg_bench.methods import MethodSpec

MODES = ("standard", "relative")


class PGMMAnimator:
    """Generates ``T×3×H×W`` frames in [0, 1] from a source image and a driving video."""

    method_id = "pgmm"

    def __init__(self, model, config, device: str = "cpu", mode: str = "standard", batch_size: int = 16):
        from baselines.common.animator_checks import check_batch_size, check_mode

        check_mode("pgmm", mode, MODES)
        check_batch_size("pgmm", batch_size)
        self.model = model.to(device).eval()
        self.config = config
        self.device = device
        self.mode = mode
        self.batch_size = batch_size

    def _heatmaps(self, chunk, kp_chunk, frame_size):
        from slvg_bench.errors import UsageError
        from slvg_bench.pose.heatmaps import rescale_coords

        m = self.model
        if m.model_config.pose.source == "keypoints":
            if kp_chunk is None:
                raise UsageError("pgmm: this model takes its pose from keypoints (pose.source = keypoints); "
                                 "pass driving_keypoints (T×133×3 in pixels of the driving frames)")
            kp = kp_chunk.to(self.device, chunk.dtype).clone()
            kp[..., :2] = rescale_coords(kp[..., :2], frame_size, chunk.shape[-2:])
            return m.heatmaps(chunk, kp)
        return m.heatmaps(chunk)

    def animate(self, source, driving, driving_keypoints=None, *, mode: Optional[str] = None):
        """``source`` 3×H×W, ``driving`` T×3×H×W (float in [0, 1]) -> T×3×H×W on the driving's device."""
        return self._run(source, driving, driving_keypoints, mode, collect=False)[0]

    def intermediates(self, source, driving, driving_keypoints=None, *, mode: Optional[str] = None):
        """``(frames, maps)``: the frames of :meth:`animate` and the maps of the paper's Fig. 7.

        ``maps`` (see :class:`slvg_bench.methods.IntermediatesAnimator`), lists coarse to fine,
        each ``T×1×h×w`` float32 on the CPU at the scale's own resolution:

        - ``flow_magnitude``: per generator scale, ``|F_m − identity|`` of the CMM's flow in
          pixels of the output frame (≥ 0);
        - ``occlusion``: per generator scale, the CMM's O in [0, 1] (1 = warped features suppressed);
        - ``pfm_difference`` (variants with pose fusion only): one map at the model's resolution,
          the RGB mean of ``|output − output of the same generator without pose fusion|``
          (``X_out = X_in`` at every PFM), in [0, 1].
        """
        return self._run(source, driving, driving_keypoints, mode, collect=True)

    def _check(self, source, driving, driving_keypoints, mode) -> str:
        from baselines.common.animator_checks import check_mode, check_source_driving
        from slvg_bench.errors import UsageError

        mode = check_mode("pgmm", mode or self.mode, MODES)
        check_source_driving("pgmm", source, driving)
        if driving_keypoints is not None and tuple(driving_keypoints.shape) != (driving.shape[0], 133, 3):
            raise UsageError(f"pgmm: driving_keypoints must be T×133×3 (T = {driving.shape[0]}), "
                             f"got {tuple(driving_keypoints.shape)}")
        return mode

    def _run(self, source, driving, driving_keypoints, mode, collect: bool):
        import torch

        from baselines.common.frames import resize_frames
        from baselines.tpsmm.relative import adapt_movement_scale, relative_keypoints

        mode = self._check(source, driving, driving_keypoints, mode)
        m = self.model
        out_size, out_device = tuple(driving.shape[-2:]), driving.device
        frames, maps = [], {}
        with torch.no_grad():
            src = m.prepare(source.to(self.device, torch.float32)[None])
            feats = m.source_features(src)
            kp_source = feats["kp_source"]
            if mode == "relative":
                kp_initial = m.kp_detector(m.prepare(driving[:1].to(self.device, torch.float32)))
                scale = adapt_movement_scale(kp_source, kp_initial)
            for start in range(0, driving.shape[0], self.batch_size):
                chunk = m.prepare(driving[start:start + self.batch_size].to(self.device, torch.float32))
                b = chunk.shape[0]
                kp_driving = m.kp_detector(chunk)
                bg = None
                if mode == "standard":
                    kp = kp_driving
                    if m.bg_predictor is not None:
                        bg = m.bg_predictor(src.expand(b, -1, -1, -1), chunk)
                else:
                    kp = relative_keypoints(kp_source, kp_driving, kp_initial, scale)
                motion = m.motion(feats["source_down"], kp_source, kp, bg)
                pose = None
                if m.pose_net is not None:
                    kp_chunk = driving_keypoints[start:start + b] if driving_keypoints is not None else None
                    pose = m.pose_features(self._heatmaps(chunk, kp_chunk, out_size))
                out = m.generate(feats["encoder_maps"], motion, pose, source=src)
                frames.append(resize_frames(out["prediction"], out_size).to(out_device))
                if collect:
                    for name, per_scale in self._maps(motion, feats["encoder_maps"], pose, out, out_size, src).items():
                        maps.setdefault(name, []).append(per_scale)
        video = torch.cat(frames, dim=0)
        if not collect:
            return video, None
        return video, {k: [torch.cat(s, dim=0) for s in zip(*chunks)] for k, chunks in maps.items()}

    def _maps(self, motion, encoder_maps, pose, out, out_size, src) -> dict:
        """One batch's Fig. 7 maps: name -> per-scale ``B×1×h×w`` CPU tensors, coarse to fine."""
        from baselines.common.grids import displacement_pixels

        m = self.model
        flows = [displacement_pixels(flow, out_size).float().cpu() for flow in motion["flows"]]
        maps = {"flow_magnitude": flows, "occlusion": [o.float().cpu() for o in motion["occlusions"]]}
        if len(m.generator.fusion):
            plain = m.generate(encoder_maps, motion, pose, use_fusion=False, source=src)["prediction"]
            maps["pfm_difference"] = [(out["prediction"] - plain).abs().mean(1, keepdim=True).float().cpu()]
        return maps


def load(checkpoint=None, device: str = "cpu", mode: str = "standard", batch_size: int = 16) -> PGMMAnimator:
    """Animator from a PGMM checkpoint written by ``slvg-bench train --method pgmm``."""
    from pgmm.checkpoint import load as load_checkpoint
    from slvg_bench.errors import UsageError

    if checkpoint is None:
        raise UsageError("pgmm needs a checkpoint; train one with `slvg-bench train --method pgmm --dataset D`")
    model, cfg = load_checkpoint(checkpoint)
    return PGMMAnimator(model, cfg, device=device, mode=mode, batch_size=batch_size)


def build(config):
    """Lazy wrapper of :func:`pgmm.trainable.build` (keeps this module torch-free)."""
    from pgmm.trainable import build as _build

    return _build(config)


def prerequisites(config) -> list[str]:
    """Weight ids training with ``config`` needs: P_e's file when L_pd is on or H comes from P_e."""
    from pgmm.config import variant_switches
    from slvg_bench.pose.estimators import ESTIMATORS

    fusion, lpd, _ = variant_switches(config.model)
    if not (lpd or (fusion != "none" and config.model.pose.source == "estimator")):
        return []
    weight_id = ESTIMATORS.get(config.model.pose.estimator).weight_id
    return [weight_id] if weight_id else []


SPEC = MethodSpec(
    id="pgmm",
    summary="PGMM: Pose-Guided Motion Model (Shi et al., ECCV 2024), the reference model",
    load=load,
    needs_checkpoint=True,
    uses_keypoints=True,
    trainable=True,
    build=build,
    config_cls="pgmm.config:PGMMConfig",
    config_dir=str(Path(__file__).resolve().parent / "configs"),
    intermediates=("flow_magnitude", "occlusion", "pfm_difference"),
    extra={"modes": MODES, "reconstruction_mode": "standard", "cross_person_mode": "relative",
           "prerequisites": prerequisites},
)
