"""Official MRAA checkpoints (``vox256/taichi256/ted384/mgif256.pth``) -> our modules, through an explicit key table.

An official file is a plain dict written by the official Logger (methods.md §2.9): the state dicts
``generator`` (with the ``pixelwise_flow_predictor.*`` subtree), ``region_predictor``,
``bg_predictor`` and, after the AVD stage, ``avd_network``; plus ``optimizer_reconstruction``,
``optimizer_avd``, ``epoch_reconstruction``, ``epoch_avd`` (ignored, as the official loaders do).

Our sub-networks keep the official attribute names, so :data:`KEY_TABLE` maps each official
top-level entry to our sub-module and every key ``k`` of it to ``<prefix>.k``; ``module.`` prefixes
(DataParallel) are stripped. Per sub-network the tensor count, every key name and every shape are
checked against a freshly built model before a strict load.

Optional parts, as the official code handles them:

- ``avd_network`` absent: the official loaders skip it (``if 'avd_network' in checkpoint``); the model
  is built without one and the ``avd`` animation mode is unavailable;
- ``bg_predictor`` absent: the official demo never loads it and animates with an identity background;
  we build the model without one (background = identity everywhere). (The official reconstruction
  script would fail on such a file.) A ``bg_type: zero`` predictor is present as an *empty* state dict.

The architecture is inferred from the tensor shapes (:func:`infer_model_config`). What the file does
not store — resolution, region-conv padding, temperature, skips, the sign rule, covariance heatmaps —
comes from the named official setup (``configs/<setup>.yaml``: vox256 pads the region conv by 3, the
others by 0) or the vox256 defaults.

Command line: ``python -m baselines.mraa.convert vox256.pth out.pth --setup vox`` writes our format.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Optional

import torch

from baselines.common import checkpoint_io
from baselines.common.official_checkpoint import ConversionReport, check_official, count_indexed, has_entries
from baselines.common.official_checkpoint import convert_command, scale_from_kernel, strip_module_prefix
from baselines.common.official_checkpoint import convert_state_dict as convert_with_key_table
from baselines.mraa.config import MRAAConfig, MRAAModelConfig
from slvg_bench.errors import CheckpointError

METHOD = "mraa"
REQUIRED = ("generator", "region_predictor")
OPTIONAL = ("bg_predictor", "avd_network")
# official top-level entry -> our sub-module (attribute of baselines.mraa.model.MRAA)
KEY_TABLE = {
    "region_predictor": "region_predictor",
    "bg_predictor": "bg_predictor",
    "generator": "generator",
    "avd_network": "avd_network",
}
# setup name -> (config file, resolution, official checkpoint file)
OFFICIAL_SETUPS = {
    "vox": ("vox.yaml", (256, 256), "vox256.pth"),
    "taichi": ("taichi.yaml", (256, 256), "taichi256.pth"),
    "ted": ("ted.yaml", (384, 384), "ted384.pth"),
    "ted-youtube": ("ted-youtube.yaml", (384, 384), "ted-youtube384.pth"),
    "mgif": ("mgif.yaml", (256, 256), "mgif256.pth"),
}
_BG_TYPES_BY_OUTPUTS = {2: "shift", 6: "affine", 8: "perspective"}
_ABSENT_NOTES = {"bg_predictor": "identity background", "avd_network": "avd mode unavailable"}


def read_checkpoint(path: str | Path) -> dict:
    """``torch.load(weights_only=True)`` on CPU with a clear error for missing/corrupt files."""
    return checkpoint_io.read_checkpoint(path, METHOD)


def is_official(ckpt: dict) -> bool:
    return has_entries(ckpt, REQUIRED)


def _check_official(ckpt: dict) -> None:
    check_official(ckpt, REQUIRED, METHOD, "MRAA")


def infer_model_config(ckpt: dict, base: Optional[MRAAModelConfig] = None,
                       image_size: Optional[tuple[int, int]] = None) -> MRAAModelConfig:
    """Architecture from the tensor shapes of an official checkpoint, on top of ``base``.

    Shape-determined fields (K, channels, widths, depths, scales, bg_type, occlusion head, deformed-source
    input, AVD bottlenecks) come from the file; the rest (pad, temperature, skips, revert_axis_swap,
    use_covar_heatmap, region_var) from ``base`` (default: vox256). ``max_features`` is taken as the
    widest layer, which builds the same network as the original cap whenever it was not binding.
    """
    _check_official(ckpt)
    cfg = copy.deepcopy(base) if base is not None else MRAAModelConfig()
    rp, gen = strip_module_prefix(ckpt["region_predictor"]), strip_module_prefix(ckpt["generator"])
    try:
        k = rp["regions.weight"].shape[0]
        cfg.num_regions = k
        cfg.num_channels = rp["predictor.encoder.down_blocks.0.conv.weight"].shape[1]
        n = count_indexed(rp, "predictor.encoder.down_blocks.", ".conv.weight")
        r = cfg.region_predictor
        r.num_blocks = n
        r.block_expansion = rp[f"predictor.decoder.up_blocks.{n - 1}.conv.weight"].shape[0]
        r.max_features = max(rp[f"predictor.encoder.down_blocks.{i}.conv.weight"].shape[0] for i in range(n))
        r.scale_factor = scale_from_kernel(rp["down.weight"].shape[-1], "region_predictor.down.weight", METHOD) \
            if "down.weight" in rp else 1.0
        if "jacobian.weight" in rp:
            r.pca_based, cfg.estimate_affine = False, True
        else:
            r.pca_based = True

        g = cfg.generator
        g.block_expansion = gen["first.conv.weight"].shape[0]
        g.num_down_blocks = count_indexed(gen, "down_blocks.", ".conv.weight")
        g.max_features = max([g.block_expansion] + [gen[f"down_blocks.{i}.conv.weight"].shape[0]
                                                    for i in range(g.num_down_blocks)])
        g.num_bottleneck_blocks = count_indexed(gen, "bottleneck.r", ".conv1.weight")
        f = g.pixelwise_flow_predictor
        pre = "pixelwise_flow_predictor."
        nf = count_indexed(gen, pre + "hourglass.encoder.down_blocks.", ".conv.weight")
        f.num_blocks = nf
        f.block_expansion = gen[f"{pre}hourglass.decoder.up_blocks.{nf - 1}.conv.weight"].shape[0]
        f.max_features = max(gen[f"{pre}hourglass.encoder.down_blocks.{i}.conv.weight"].shape[0] for i in range(nf))
        f.scale_factor = scale_from_kernel(gen[pre + "down.weight"].shape[-1], f"generator.{pre}down.weight",
                                           METHOD) if pre + "down.weight" in gen else 1.0
        f.estimate_occlusion_map = pre + "occlusion.weight" in gen
        flow_in = gen[pre + "hourglass.encoder.down_blocks.0.conv.weight"].shape[1]
        if flow_in == (k + 1) * (cfg.num_channels + 1):
            f.use_deformed_source = True
        elif flow_in == k + 1:
            f.use_deformed_source = False
        else:
            raise CheckpointError(f"mraa: flow predictor input has {flow_in} channels; expected "
                                  f"{(k + 1) * (cfg.num_channels + 1)} or {k + 1} for {k} regions")

        if isinstance(ckpt.get("bg_predictor"), dict):
            bg = strip_module_prefix(ckpt["bg_predictor"])
            if not bg:
                cfg.bg_predictor.bg_type = "zero"
            else:
                outputs = bg["fc.weight"].shape[0]
                if outputs not in _BG_TYPES_BY_OUTPUTS:
                    raise CheckpointError(f"mraa: bg_predictor.fc has {outputs} outputs; expected 2, 6 or 8")
                b = cfg.bg_predictor
                b.bg_type = _BG_TYPES_BY_OUTPUTS[outputs]
                b.num_blocks = count_indexed(bg, "encoder.down_blocks.", ".conv.weight")
                widths = [bg[f"encoder.down_blocks.{i}.conv.weight"].shape[0] for i in range(b.num_blocks)]
                b.block_expansion = widths[0] // 2
                b.max_features = max(widths)
        if isinstance(ckpt.get("avd_network"), dict):
            a = strip_module_prefix(ckpt["avd_network"])
            cfg.avd.id_bottle_size = a["id_encoder.9.weight"].shape[0]
            cfg.avd.pose_bottle_size = a["pose_encoder.9.weight"].shape[0]
    except KeyError as e:
        raise CheckpointError(f"mraa: official checkpoint lacks the expected tensor {e.args[0]!r}") from e
    if image_size is not None:
        cfg.image_size = tuple(image_size)
    return cfg


def convert_state_dict(ckpt: dict, model: torch.nn.Module) -> tuple[dict, ConversionReport]:
    """Map an official checkpoint onto ``model`` (an MRAA) through :data:`KEY_TABLE`, checking keys and shapes.

    Returns our state dict (strict-loadable into ``model``) and the report.
    """
    _check_official(ckpt)
    return convert_with_key_table(ckpt, model, KEY_TABLE, METHOD, _ABSENT_NOTES)


def official_config(setup: str) -> MRAAConfig:
    """The shipped YAML of an official setup (``configs/<setup>.yaml``)."""
    from slvg_bench.config import load_config

    if setup not in OFFICIAL_SETUPS:
        raise CheckpointError(f"mraa: unknown official setup {setup!r}; choose one of {', '.join(OFFICIAL_SETUPS)}")
    return load_config(MRAAConfig, Path(__file__).parent / "configs" / OFFICIAL_SETUPS[setup][0])


def load_official(ckpt: dict | str | Path, setup: Optional[str] = None,
                  image_size: Optional[tuple[int, int]] = None):
    """Build our MRAA from an official checkpoint and load it strictly.

    Args:
        ckpt: the loaded dict or a path.
        setup: ``vox``/``taichi``/``ted``/``ted-youtube``/``mgif`` (resolution, region-conv padding and the
            training recipe recorded in the config), or None (vox256 defaults).
        image_size: overrides the resolution.
    Returns:
        ``(model, config, report)``: a :class:`~baselines.mraa.model.MRAA` in eval mode on CPU, the full
        :class:`MRAAConfig`, the :class:`ConversionReport`.
    """
    from baselines.mraa.model import MRAA

    if not isinstance(ckpt, dict):
        ckpt = read_checkpoint(ckpt)
    cfg = official_config(setup) if setup is not None else MRAAConfig()
    model_cfg = infer_model_config(ckpt, cfg.model, image_size)
    cfg = dataclasses.replace(cfg, model=model_cfg)
    model = MRAA(model_cfg, with_bg=isinstance(ckpt.get("bg_predictor"), dict),
                 with_avd=isinstance(ckpt.get("avd_network"), dict))
    state, report = convert_state_dict(ckpt, model)
    model.load_state_dict(state, strict=True)
    return model.eval(), cfg, report


def main(argv: Optional[list[str]] = None) -> None:
    from baselines.mraa.checkpoint import save_checkpoint

    convert_command(argv, __doc__.split("\n")[0], "vox256.pth", OFFICIAL_SETUPS, load_official, save_checkpoint)


if __name__ == "__main__":
    main()
