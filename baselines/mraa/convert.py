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

import argparse
import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import torch

from baselines.mraa.config import MRAAConfig, MRAAModelConfig
from slvg_bench.errors import CheckpointError

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


@dataclass
class ConversionReport:
    """What a conversion found: tensors/parameters per sub-network, absent optional parts, ignored keys."""

    tensors: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    absent: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def read_checkpoint(path: str | Path) -> dict:
    """``torch.load(weights_only=True)`` on CPU with a clear error for missing/corrupt files."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"mraa: checkpoint {str(path)!r} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle/zip errors come in many types
        raise CheckpointError(f"mraa: cannot read checkpoint {str(path)!r} with weights_only=True: {e}") from e
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"mraa: checkpoint {str(path)!r} holds a {type(ckpt).__name__}, expected a dict")
    return ckpt


def is_official(ckpt: dict) -> bool:
    return all(isinstance(ckpt.get(k), dict) for k in REQUIRED)


def _strip(sd: dict) -> dict:
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in sd.items()}


def _check_official(ckpt: dict) -> None:
    missing = [k for k in REQUIRED if not isinstance(ckpt.get(k), dict)]
    if missing:
        raise CheckpointError(
            f"mraa: not an official MRAA checkpoint: missing {', '.join(missing)} "
            f"(top-level keys found: {', '.join(map(str, ckpt)) or 'none'})"
        )


def _scale_from_kernel(k: int, where: str) -> float:
    for inv in range(2, 33):
        if 2 * round((inv - 1) / 2 * 4) + 1 == k:
            return 1 / inv
    raise CheckpointError(f"mraa: {where} has an unknown anti-aliasing kernel size {k}")


def _count(sd: dict, prefix: str, suffix: str) -> int:
    n = 0
    while f"{prefix}{n}{suffix}" in sd:
        n += 1
    return n


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
    rp, gen = _strip(ckpt["region_predictor"]), _strip(ckpt["generator"])
    try:
        k = rp["regions.weight"].shape[0]
        cfg.num_regions = k
        cfg.num_channels = rp["predictor.encoder.down_blocks.0.conv.weight"].shape[1]
        n = _count(rp, "predictor.encoder.down_blocks.", ".conv.weight")
        r = cfg.region_predictor
        r.num_blocks = n
        r.block_expansion = rp[f"predictor.decoder.up_blocks.{n - 1}.conv.weight"].shape[0]
        r.max_features = max(rp[f"predictor.encoder.down_blocks.{i}.conv.weight"].shape[0] for i in range(n))
        r.scale_factor = _scale_from_kernel(rp["down.weight"].shape[-1], "region_predictor.down.weight") \
            if "down.weight" in rp else 1.0
        if "jacobian.weight" in rp:
            r.pca_based, cfg.estimate_affine = False, True
        else:
            r.pca_based = True

        g = cfg.generator
        g.block_expansion = gen["first.conv.weight"].shape[0]
        g.num_down_blocks = _count(gen, "down_blocks.", ".conv.weight")
        g.max_features = max([g.block_expansion] + [gen[f"down_blocks.{i}.conv.weight"].shape[0]
                                                    for i in range(g.num_down_blocks)])
        g.num_bottleneck_blocks = _count(gen, "bottleneck.r", ".conv1.weight")
        f = g.pixelwise_flow_predictor
        pre = "pixelwise_flow_predictor."
        nf = _count(gen, pre + "hourglass.encoder.down_blocks.", ".conv.weight")
        f.num_blocks = nf
        f.block_expansion = gen[f"{pre}hourglass.decoder.up_blocks.{nf - 1}.conv.weight"].shape[0]
        f.max_features = max(gen[f"{pre}hourglass.encoder.down_blocks.{i}.conv.weight"].shape[0] for i in range(nf))
        f.scale_factor = _scale_from_kernel(gen[pre + "down.weight"].shape[-1], "generator." + pre + "down.weight") \
            if pre + "down.weight" in gen else 1.0
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
            bg = _strip(ckpt["bg_predictor"])
            if not bg:
                cfg.bg_predictor.bg_type = "zero"
            else:
                outputs = bg["fc.weight"].shape[0]
                if outputs not in _BG_TYPES_BY_OUTPUTS:
                    raise CheckpointError(f"mraa: bg_predictor.fc has {outputs} outputs; expected 2, 6 or 8")
                b = cfg.bg_predictor
                b.bg_type = _BG_TYPES_BY_OUTPUTS[outputs]
                b.num_blocks = _count(bg, "encoder.down_blocks.", ".conv.weight")
                widths = [bg[f"encoder.down_blocks.{i}.conv.weight"].shape[0] for i in range(b.num_blocks)]
                b.block_expansion = widths[0] // 2
                b.max_features = max(widths)
        if isinstance(ckpt.get("avd_network"), dict):
            a = _strip(ckpt["avd_network"])
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
    ours = model.state_dict()
    out: dict = {}
    report = ConversionReport(ignored=sorted(str(k) for k in ckpt if k not in KEY_TABLE))
    for official, prefix in KEY_TABLE.items():
        module = getattr(model, prefix, None)
        present = isinstance(ckpt.get(official), dict)
        if module is None:
            if present:
                raise CheckpointError(f"mraa: checkpoint has {official!r} but the model was built without it")
            report.absent[official] = "identity background" if official == "bg_predictor" else "avd mode unavailable"
            continue
        if not present:
            raise CheckpointError(f"mraa: checkpoint has no {official!r} but the model expects one")
        src = _strip(ckpt[official])
        expected = {k[len(prefix) + 1:]: v for k, v in ours.items() if k.startswith(prefix + ".")}
        if len(src) != len(expected):
            extra = sorted(set(src) - set(expected))[:5]
            lacking = sorted(set(expected) - set(src))[:5]
            raise CheckpointError(
                f"mraa: {official!r} has {len(src)} tensors, our module expects {len(expected)} "
                f"(unexpected: {extra}; missing: {lacking})"
            )
        for key, value in src.items():
            if key not in expected:
                raise CheckpointError(f"mraa: {official!r} has unexpected key {key!r}")
            if tuple(value.shape) != tuple(expected[key].shape):
                raise CheckpointError(
                    f"mraa: {official}.{key} has shape {tuple(value.shape)}, expected {tuple(expected[key].shape)}"
                )
            # fp16-stored weights (possibly views into a shared storage) become fresh tensors of our dtype
            out[f"{prefix}.{key}"] = value.to(expected[key].dtype) if value.is_floating_point() else value
        report.tensors[official] = len(src)
        report.parameters[official] = sum(p.numel() for p in module.parameters())
    return out, report


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

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("official", help="official checkpoint (e.g. vox256.pth)")
    parser.add_argument("out", help="where to write the converted checkpoint (our format)")
    parser.add_argument("--setup", choices=sorted(OFFICIAL_SETUPS), help="official setup the file belongs to")
    args = parser.parse_args(argv)
    model, cfg, report = load_official(args.official, setup=args.setup)
    save_checkpoint(args.out, model, cfg, converted_from={"file": str(args.official), **report.as_dict()})
    print(f"wrote {args.out}: {report.tensors} (absent: {report.absent or 'none'})")


if __name__ == "__main__":
    main()
