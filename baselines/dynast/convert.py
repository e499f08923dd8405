"""Official DynaST generator checkpoints (``latest_net_G.pth``) <-> our :class:`DynaSTGenerator`.

The official file is a plain generator state dict (674 tensors for the released
DeepFashion model). Our module tree is the official one, and the key table
below maps every official key to ours; it differs in three places:

==========================================  ==========================================================
official key                                ours
==========================================  ==========================================================
``<conv>.weight_orig``                      ``<conv>.parametrizations.weight.original``
``<conv>.weight_u`` / ``<conv>.weight_v``   ``<conv>.parametrizations.weight.0._u`` / ``…0._v``
                                            (``torch.nn.utils.spectral_norm`` vs the parametrisation)
``<resblock>.relu.weight``                  dropped: the official ResidualBlock registers its single
                                            PReLU twice (``relu`` and ``model.2``); both must be equal
``embed_1.*`` (21 tensors)                  dropped: built by the official model, never used by its
                                            forward (the last fusion calls ``embed_q1``)
==========================================  ==========================================================

Every other key is identical. Conversion checks that the official keys are
exactly the expected set with the expected shapes, then the model loads with
``strict=True``. Files are read with ``torch.load(weights_only=True)``.
The architecture (ngf, crop, semantic channels, n_layers, ...) is inferred
from the tensor shapes, so any official-layout generator converts.

Command line: ``python -m baselines.dynast.convert latest_net_G.pth out.pth``
writes ``{"format": "slvg-dynast-generator", "generator_config", "semantic_nc",
"state_dict"}`` that the ``dynast`` Animator loads directly.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import torch

from baselines.dynast.generator import DynaSTGenerator, GeneratorConfig
from baselines.dynast.layers import ResidualBlock, SPADEResnetBlock
from slvg_bench.errors import CheckpointError

FORMAT = "slvg-dynast-generator"
_SN = ((".parametrizations.weight.original", ".weight_orig"),
       (".parametrizations.weight.0._u", ".weight_u"),
       (".parametrizations.weight.0._v", ".weight_v"))  # fmt: skip
_UNUSED_PREFIX = "embed_1."


def _official_name(our_key: str) -> str:
    for ours, official in _SN:
        if our_key.endswith(ours):
            return our_key[: -len(ours)] + official
    return our_key


def _our_name(official_key: str) -> str:
    for ours, official in _SN:
        if official_key.endswith(official):
            return official_key[: -len(official)] + ours
    return official_key


def residual_block_prefixes(model: torch.nn.Module) -> list[str]:
    return [name for name, m in model.named_modules() if isinstance(m, ResidualBlock)]


def unused_embed_1(cfg: GeneratorConfig, semantic_nc: int, seed: int = 0) -> "OrderedDict[str, torch.Tensor]":
    """Official-layout tensors of the unused ``embed_1`` block (fixed-seed init; the values are never used)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
        block = SPADEResnetBlock(cfg.ngf, semantic_nc)
    return OrderedDict((_UNUSED_PREFIX + _official_name(k), v) for k, v in block.state_dict().items())


def key_table(model: DynaSTGenerator) -> list[tuple[str, Optional[str], str]]:
    """``(official key, our key or None, rule)`` for every key of the official layout of ``model``."""
    rows: list[tuple[str, Optional[str], str]] = []
    for key in model.state_dict():
        official = _official_name(key)
        rows.append((official, key, "spectral-norm" if official != key else "same"))
    for prefix in residual_block_prefixes(model):
        rows.append((f"{prefix}.relu.weight", None, f"tied PReLU: equals {prefix}.model.2.weight"))
    for key in unused_embed_1(model.cfg, model.semantic_nc):
        rows.append((key, None, "unused embed_1"))
    return rows


def infer_config(official: dict) -> tuple[GeneratorConfig, int]:
    """Generator options and semantic channels from an official state dict's shapes."""
    try:
        first = official["encoder_q.layer1.0.weight_orig"]
        pos = official["pos_embed"]
        ngf, semantic_nc = int(first.shape[0]), int(first.shape[1])
        deepest = int(official["encoder_q.layer4.0.weight_orig"].shape[0])
        max_multi = deepest // ngf
        pos_dim = int(pos.shape[1]) // min(max_multi, 8)
        prune_dim = int(official["transformer_4.0.f_prune.weight"].shape[0]) // min(max_multi, 8)
        n_layers = len({k.split(".")[1] for k in official if k.startswith("transformer_4.")})
    except KeyError as e:
        raise CheckpointError(f"not a DynaST generator state dict: key {e.args[0]!r} is missing") from e
    cfg = GeneratorConfig(crop_size=int(pos.shape[-1]) * 8, ngf=ngf, max_multi=max_multi, n_layers=n_layers,
                          pos_dim=pos_dim, prune_dim=prune_dim)  # fmt: skip
    return cfg, semantic_nc


def official_to_ours(official: dict, model: DynaSTGenerator) -> "OrderedDict[str, torch.Tensor]":
    """Map an official state dict onto ``model``'s keys, checking the key set, shapes and tied PReLUs."""
    table = key_table(model)
    expected = {row[0] for row in table}
    got = set(official)
    missing, unexpected = sorted(expected - got), sorted(got - expected)
    if missing or unexpected:
        raise CheckpointError(
            f"official DynaST checkpoint does not match the key table: {len(missing)} missing "
            f"(e.g. {missing[:3]}), {len(unexpected)} unexpected (e.g. {unexpected[:3]})"
        )
    ours_shapes = {k: v.shape for k, v in model.state_dict().items()}
    out: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    for official_key, our_key, rule in table:
        value = official[official_key]
        if our_key is None:
            if rule.startswith("tied PReLU"):
                twin = official_key[: -len("relu.weight")] + "model.2.weight"
                if not torch.equal(value, official[twin]):
                    raise CheckpointError(f"tied PReLU keys {official_key!r} and {twin!r} hold different values")
            continue
        if value.shape != ours_shapes[our_key]:
            raise CheckpointError(
                f"official key {official_key!r} has shape {tuple(value.shape)}, expected {tuple(ours_shapes[our_key])}"
            )
        out[our_key] = value
    return out


def ours_to_official(state: dict, model: DynaSTGenerator) -> "OrderedDict[str, torch.Tensor]":
    """Our generator state dict in the official ``latest_net_G.pth`` layout (``embed_1`` from :func:`unused_embed_1`)."""
    out: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    embed_1 = unused_embed_1(model.cfg, model.semantic_nc)
    for official_key, our_key, rule in key_table(model):
        if our_key is not None:
            out[official_key] = state[our_key]
        elif rule.startswith("tied PReLU"):
            out[official_key] = state[official_key[: -len("relu.weight")] + "model.2.weight"]
        else:
            out[official_key] = embed_1[official_key]
    return out


def load_official_state(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises several types for truncated or foreign files
        raise CheckpointError(f"checkpoint {str(path)!r} cannot be read: {type(e).__name__}: {e}") from e
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{str(path)!r} is not a plain state dict (official latest_net_G.pth layout)")
    return state


def generator_from_official(state: dict) -> DynaSTGenerator:
    """Build the generator an official state dict describes and load it strictly."""
    cfg, semantic_nc = infer_config(state)
    model = DynaSTGenerator(cfg, semantic_nc)
    model.load_state_dict(official_to_ours(state, model), strict=True)
    return model


def save_converted(model: DynaSTGenerator, path: str | Path, pose_encoding: Optional[str] = None) -> Path:
    """Write our converted-generator file (loadable by the ``dynast`` Animator)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({
        "format": FORMAT,
        "generator_config": dataclasses.asdict(model.cfg),
        "semantic_nc": model.semantic_nc,
        "pose_encoding": pose_encoding or ("deepfashion20" if model.semantic_nc == 20 else "wholebody"),
        "state_dict": model.state_dict(),
    }, path)  # fmt: skip
    return path


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or re.match(r"^-", argv[0]):
        print("usage: python -m baselines.dynast.convert latest_net_G.pth out.pth", file=sys.stderr)
        return 2
    model = generator_from_official(load_official_state(argv[0]))
    save_converted(model, argv[1])
    n = sum(p.numel() for p in model.parameters())
    cfg = model.cfg
    print(f"converted {argv[0]} -> {argv[1]} (crop {cfg.crop_size}, ngf {cfg.ngf}, {n / 1e6:.2f} M parameters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
