"""Official TPSMM checkpoints (``vox/taichi/ted/mgif.pth.tar``) -> our modules, through an explicit key table.

An official file is a plain dict (methods.md §1.10): the state dicts
``kp_detector``, ``dense_motion_network``, ``inpainting_network`` (always),
``bg_predictor`` and ``avd_network`` (optional), plus optimizer states and
``epoch`` (ignored, as the official loader does).

Our sub-networks keep the official attribute names, so the key table maps each
official top-level entry to our sub-module prefix (:data:`KEY_TABLE`) and every
key ``k`` of it to ``<prefix>.k``; ``module.`` prefixes (DataParallel) are
stripped. Conversion checks, per sub-network, the tensor count, every key name
and every shape against a freshly built model before a strict load.

Optional parts, as the official code handles them:

- no ``bg_predictor``: the official reconstruction then runs a freshly initialised
  predictor, whose zero-weight/identity-bias ``fc`` returns exactly the identity;
  we build the model without one (background = identity), which is the same result;
- no ``avd_network``: the model has no AVD; the ``avd`` animation mode is unavailable.

The architecture is inferred from the tensor shapes (``infer_model_config``);
the resolution is not stored in the file, so ``image_size`` comes from the named
official setup (vox/taichi/mgif 256, ted 384) or the caller.

Command line: ``python -m baselines.tpsmm.convert vox.pth.tar out.pth --setup vox``
writes our checkpoint format.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional

import torch

from baselines.common import checkpoint_io
from baselines.common.official_checkpoint import ConversionReport, check_official, count_indexed, has_entries
from baselines.common.official_checkpoint import convert_command, scale_from_kernel, strip_module_prefix
from baselines.common.official_checkpoint import convert_state_dict as convert_with_key_table
from baselines.tpsmm.config import (
    AVDParams,
    DenseMotionParams,
    GeneratorParams,
    TPSMMConfig,
    TPSMMModelConfig,
)
from slvg_bench.errors import CheckpointError

METHOD = "tpsmm"
REQUIRED = ("kp_detector", "dense_motion_network", "inpainting_network")
OPTIONAL = ("bg_predictor", "avd_network")
IGNORED = ("optimizer", "optimizer_bg_predictor", "optimizer_avd", "epoch")
# official top-level entry -> our sub-module (attribute of baselines.tpsmm.model.TPSMM)
KEY_TABLE = {
    "kp_detector": "kp_detector",
    "dense_motion_network": "dense_motion_network",
    "inpainting_network": "inpainting_network",
    "bg_predictor": "bg_predictor",
    "avd_network": "avd_network",
}
OFFICIAL_SETUPS = {"vox": (256, 256), "taichi": (256, 256), "ted": (384, 384), "mgif": (256, 256)}
_ABSENT_NOTES = {"bg_predictor": "identity background", "avd_network": "not available"}
# inverse scales of the dense-motion downsampler accepted from an official file (powers of two)
_SCALE_INVERSES = (2, 4, 8, 16, 32)


def read_checkpoint(path: str | Path) -> dict:
    """``torch.load(weights_only=True)`` on CPU with a clear error for missing/corrupt files."""
    return checkpoint_io.read_checkpoint(path, METHOD)


def is_official(ckpt: dict) -> bool:
    return has_entries(ckpt, REQUIRED)


def _check_official(ckpt: dict) -> None:
    check_official(ckpt, REQUIRED, METHOD, "TPSMM")


def infer_model_config(ckpt: dict, image_size: Optional[tuple[int, int]] = None) -> TPSMMModelConfig:
    """Architecture from the tensor shapes of an official checkpoint.

    ``max_features`` is taken as the widest layer, which builds the same network as the
    original value whenever the original cap was not binding.
    """
    _check_official(ckpt)
    kp, dm, inp = (strip_module_prefix(ckpt[k]) for k in REQUIRED)
    try:
        num_tps = kp["fg_encoder.fc.weight"].shape[0] // 10
        num_channels = kp["fg_encoder.conv1.weight"].shape[1]
        n_down = count_indexed(inp, "down_blocks.", ".conv.weight")
        gen = GeneratorParams(
            block_expansion=inp["first.conv.weight"].shape[0],
            max_features=max(inp[f"down_blocks.{i}.conv.weight"].shape[0] for i in range(n_down)),
            num_down_blocks=n_down,
        )
        n_blocks = count_indexed(dm, "hourglass.encoder.down_blocks.", ".conv.weight")
        widths = [dm[f"hourglass.encoder.down_blocks.{i}.conv.weight"].shape[0] for i in range(n_blocks)]
        dense = DenseMotionParams(
            block_expansion=dm["hourglass.decoder.up_blocks.%d.conv.weight" % (n_blocks - 1)].shape[0],
            max_features=max(widths),
            num_blocks=n_blocks,
            scale_factor=scale_from_kernel(dm["down.weight"].shape[-1], "dense_motion_network.down.weight", METHOD,
                                           _SCALE_INVERSES) if "down.weight" in dm else 1.0,
        )
        multi_mask = count_indexed(dm, "occlusion.", ".weight") > 1
        avd = AVDParams()
        if isinstance(ckpt.get("avd_network"), dict):
            a = strip_module_prefix(ckpt["avd_network"])
            avd = AVDParams(a["id_encoder.9.weight"].shape[0], a["pose_encoder.9.weight"].shape[0])
    except KeyError as e:
        raise CheckpointError(f"tpsmm: official checkpoint lacks the expected tensor {e.args[0]!r}") from e
    return TPSMMModelConfig(
        num_tps=num_tps, num_channels=num_channels, bg=isinstance(ckpt.get("bg_predictor"), dict),
        multi_mask=multi_mask, image_size=tuple(image_size or (256, 256)), generator=gen, dense_motion=dense, avd=avd,
    )


def convert_state_dict(ckpt: dict, model: torch.nn.Module) -> tuple[dict, ConversionReport]:
    """Map an official checkpoint onto ``model`` (a TPSMM) through :data:`KEY_TABLE`, checking keys and shapes.

    Returns our state dict (strict-loadable into ``model``) and the report.
    """
    _check_official(ckpt)
    return convert_with_key_table(ckpt, model, KEY_TABLE, METHOD, _ABSENT_NOTES)


def load_official(ckpt: dict | str | Path, setup: Optional[str] = None,
                  image_size: Optional[tuple[int, int]] = None):
    """Build our TPSMM from an official checkpoint and load it strictly.

    Args:
        ckpt: the loaded dict or a path.
        setup: ``vox``/``taichi``/``ted``/``mgif`` (sets image_size 256/384 and the training recipe
            recorded in the config), or None.
        image_size: overrides the resolution.
    Returns:
        ``(model, config, report)``: a :class:`~baselines.tpsmm.model.TPSMM` in eval mode on CPU,
        the full :class:`TPSMMConfig`, the :class:`ConversionReport`.
    """
    from baselines.tpsmm.model import TPSMM

    if not isinstance(ckpt, dict):
        ckpt = read_checkpoint(ckpt)
    if setup is not None and setup not in OFFICIAL_SETUPS:
        raise CheckpointError(f"tpsmm: unknown official setup {setup!r}; choose one of {', '.join(OFFICIAL_SETUPS)}")
    size = image_size or (OFFICIAL_SETUPS[setup] if setup else None)
    model_cfg = infer_model_config(ckpt, size)
    cfg = official_config(setup) if setup else TPSMMConfig()
    cfg = dataclasses.replace(cfg, model=model_cfg)
    model = TPSMM(model_cfg, with_bg=model_cfg.bg, with_avd=isinstance(ckpt.get("avd_network"), dict))
    state, report = convert_state_dict(ckpt, model)
    model.load_state_dict(state, strict=True)
    return model.eval(), cfg, report


def official_config(setup: str) -> TPSMMConfig:
    """The shipped YAML of an official setup (``configs/<setup>.yaml``)."""
    from slvg_bench.config import load_config

    return load_config(TPSMMConfig, Path(__file__).parent / "configs" / f"{setup}.yaml")


def main(argv: Optional[list[str]] = None) -> None:
    from baselines.tpsmm.checkpoint import save_checkpoint

    convert_command(argv, __doc__.split("\n")[0], "vox.pth.tar", OFFICIAL_SETUPS, load_official, save_checkpoint)


if __name__ == "__main__":
    main()
