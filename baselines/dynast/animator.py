"""The ``dynast`` Animator: pose-guided image generation applied frame by frame.

For every driving frame the exemplar is the source image with its own pose
map, and the query is the driving frame's pose map, both rendered from
COCO-WholeBody keypoints (``T×133×3`` pixels). The exemplar branch runs once
per video; frames go through the generator in batches.

Keypoints: ``animate(source, driving, driving_keypoints, source_keypoints=None)``.
The harness must pass the driving keypoints, and the source frame's keypoints
as ``source_keypoints`` (``133×3``). When they are omitted and the source is
the first driving frame (the reconstruction protocol), ``driving_keypoints[0]``
is used; otherwise the call is refused with a clear error.

Checkpoints accepted by :func:`load`: a trainer checkpoint of method
``dynast`` (``slvg-bench train``), a converted-generator file
(``python -m baselines.dynast.convert``), the official ``latest_net_G.pth``
(plain state dict; converted on load), or a weight id from the catalog
(``dynast.deepfashion-official``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F

from baselines.dynast.config import DynaSTConfig, PoseConfig
from baselines.dynast.convert import FORMAT, generator_from_official, load_official_state
from baselines.dynast.generator import DynaSTGenerator, GeneratorConfig
from baselines.dynast.model import render_pose, to_crop
from slvg_bench.config import from_dict
from slvg_bench.errors import CheckpointError, UsageError
from slvg_bench.methods import MethodSpec


class DynaSTAnimator:
    """Wraps a generator and the pose settings it was trained with."""

    method_id = "dynast"

    def __init__(self, generator: DynaSTGenerator, pose: PoseConfig, device: str | torch.device = "cpu",
                 batch_size: int = 8):  # fmt: skip
        self.device = torch.device(device)
        self.generator = generator.to(self.device).eval()
        self.cfg = DynaSTConfig(generator=generator.cfg, pose=pose)
        if self.cfg.semantic_nc != generator.semantic_nc:
            raise CheckpointError(
                f"pose encoding {pose.encoding!r} gives {self.cfg.semantic_nc} channels but the generator "
                f"expects {generator.semantic_nc}"
            )
        self.batch_size = batch_size

    @torch.no_grad()
    def animate(self, source, driving, driving_keypoints=None, source_keypoints=None):
        """source ``3×H×W``, driving ``T×3×H×W`` in [0, 1]; keypoints ``T×133×3`` and ``133×3``.

        Returns ``T×3×H×W`` in [0, 1].
        """
        if source.ndim != 3 or source.shape[0] != 3:
            raise UsageError(f"source must be 3×H×W, got {tuple(source.shape)}")
        if driving.ndim != 4 or driving.shape[1] != 3:
            raise UsageError(f"driving must be T×3×H×W, got {tuple(driving.shape)}")
        if driving_keypoints is None:
            raise UsageError("dynast needs driving_keypoints (T×133×3): it generates from pose maps")
        driving_keypoints = torch.as_tensor(driving_keypoints, dtype=torch.float32)
        if driving_keypoints.shape[0] != driving.shape[0]:
            raise UsageError(
                f"driving_keypoints has {driving_keypoints.shape[0]} frames but driving has {driving.shape[0]}"
            )
        if source_keypoints is None:
            if not torch.equal(source.cpu(), driving[0].cpu()):
                raise UsageError(
                    "dynast needs source_keypoints (133×3) when the source is not the first driving frame"
                )
            source_keypoints = driving_keypoints[0]
        source_keypoints = torch.as_tensor(source_keypoints, dtype=torch.float32)
        frame = tuple(driving.shape[-2:])
        size = self.cfg.generator.crop_size
        ref = to_crop(source[None].to(self.device, torch.float32), size)
        ref_seg = render_pose(self.cfg, source_keypoints[None], tuple(source.shape[-2:]), self.device)
        exemplar = self.generator.encode_exemplar(ref, ref_seg)
        out = []
        for start in range(0, driving.shape[0], self.batch_size):
            kp = driving_keypoints[start : start + self.batch_size]
            seg = render_pose(self.cfg, kp, frame, self.device)
            fake = self.generator(ref, seg, exemplar=exemplar)["fake"]
            frames = (fake + 1) / 2
            if frames.shape[-2:] != frame:
                frames = F.interpolate(frames, size=frame, mode="bilinear", align_corners=False, antialias=True)
            out.append(frames.clamp(0, 1).cpu())
        return torch.cat(out)


def _from_trainer_checkpoint(ckpt: dict) -> tuple[DynaSTGenerator, PoseConfig]:
    if ckpt.get("method") != "dynast":
        raise CheckpointError(f"checkpoint is for method {ckpt.get('method')!r}, not 'dynast'")
    cfg = from_dict(DynaSTConfig, ckpt["config"])
    gen = DynaSTGenerator(cfg.generator, cfg.semantic_nc)
    prefix = "generator."
    state = {k[len(prefix):]: v for k, v in ckpt["model"].items() if k.startswith(prefix)}
    try:
        gen.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"dynast trainer checkpoint does not fit its config: {e}") from e
    return gen, cfg.pose


def _from_converted(ckpt: dict) -> tuple[DynaSTGenerator, PoseConfig]:
    cfg = from_dict(GeneratorConfig, ckpt["generator_config"])
    gen = DynaSTGenerator(cfg, int(ckpt["semantic_nc"]))
    try:
        gen.load_state_dict(ckpt["state_dict"], strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"converted dynast generator does not fit its config: {e}") from e
    encoding = ckpt.get("pose_encoding", "deepfashion20")
    return gen, PoseConfig(encoding=encoding, min_confidence=0.0 if encoding == "deepfashion20" else 0.3)


def load_generator(checkpoint: str) -> tuple[DynaSTGenerator, PoseConfig]:
    """Generator + pose settings from any accepted checkpoint form (see the module docstring)."""
    from slvg_bench import weights

    path = Path(checkpoint)
    if not path.exists() and checkpoint in {spec.id for spec in weights.all_specs()}:
        path = weights.require(checkpoint)  # a catalog id such as dynast.deepfashion-official
    if not path.is_file():
        raise CheckpointError(f"checkpoint {checkpoint!r} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises several types for truncated or foreign files
        raise CheckpointError(f"checkpoint {str(path)!r} cannot be read: {type(e).__name__}: {e}") from e
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{str(path)!r} is not a DynaST checkpoint")
    if "model" in ckpt and "method" in ckpt:
        return _from_trainer_checkpoint(ckpt)
    if ckpt.get("format") == FORMAT:
        return _from_converted(ckpt)
    if "pos_embed" in ckpt:  # official latest_net_G.pth
        gen = generator_from_official(load_official_state(path))
        encoding = "deepfashion20" if gen.semantic_nc == 20 else "wholebody"
        return gen, PoseConfig(encoding=encoding, min_confidence=0.0)
    raise CheckpointError(
        f"{str(path)!r} is neither a dynast trainer checkpoint, a converted generator, nor an official latest_net_G.pth"
    )


def load(checkpoint: Optional[str] = None, device: str = "cpu") -> DynaSTAnimator:
    if checkpoint is None:
        raise UsageError(
            "dynast needs a checkpoint: train one with `slvg-bench train --method dynast --dataset <name>` or pass "
            "the official latest_net_G.pth (`slvg-bench weights add dynast.deepfashion-official <file>`)"
        )
    gen, pose = load_generator(str(checkpoint))
    return DynaSTAnimator(gen, pose, device)


def _build(config):
    from baselines.dynast.model import build

    return build(config)


SPEC = MethodSpec(
    id="dynast",
    summary="DynaST (ECCV 2022): pose-guided dynamic sparse transformer, whole-body pose maps",
    load=load,
    needs_checkpoint=True,
    uses_keypoints=True,
    trainable=True,
    build=_build,
    config_cls="baselines.dynast.config:DynaSTConfig",
    config_dir=str(Path(__file__).resolve().parent / "configs"),
    extra={"animate_kwargs": ("source_keypoints",)},
)
