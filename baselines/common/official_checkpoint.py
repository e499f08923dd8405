"""Official FOMM-family checkpoints (TPSMM, MRAA) -> our modules, through an explicit key table.

An official file is a plain dict of per-sub-network state dicts (``kp_detector``, ``generator``, ...)
plus optimizer states and epoch counters. Our sub-networks keep the official attribute names, so a
key table maps each official top-level entry to our sub-module (an attribute of the model) and every
key ``k`` of it to ``<prefix>.k``; ``module.`` prefixes (DataParallel) are stripped. Per sub-network
the tensor count, every key name and every shape are checked against the freshly built model.

The method-specific parts are parameters: the method id (prefix of every error message), the label
in "not an official <label> checkpoint", the required entries and the key table. Each method's
``convert`` module keeps the architecture inference (``infer_model_config``) and the setups.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Optional

import torch

from slvg_bench.errors import CheckpointError


@dataclass
class ConversionReport:
    """What a conversion found: tensors/parameters per sub-network, absent optional parts, ignored keys."""

    tensors: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    absent: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def has_entries(ckpt: dict, required: Iterable[str]) -> bool:
    """Whether every ``required`` top-level entry is a (state) dict."""
    return all(isinstance(ckpt.get(k), dict) for k in required)


def check_official(ckpt: dict, required: Iterable[str], method: str, label: str) -> None:
    """Raise ``"<method>: not an official <label> checkpoint: missing ..."`` unless all required entries exist."""
    missing = [k for k in required if not isinstance(ckpt.get(k), dict)]
    if missing:
        raise CheckpointError(
            f"{method}: not an official {label} checkpoint: missing {', '.join(missing)} "
            f"(top-level keys found: {', '.join(map(str, ckpt)) or 'none'})"
        )


def strip_module_prefix(sd: dict) -> dict:
    """The state dict without DataParallel's ``module.`` key prefix."""
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in sd.items()}


def count_indexed(sd: dict, prefix: str, suffix: str) -> int:
    """How many consecutive ``<prefix><i><suffix>`` keys (i = 0, 1, ...) ``sd`` has."""
    n = 0
    while f"{prefix}{n}{suffix}" in sd:
        n += 1
    return n


def scale_from_kernel(k: int, where: str, method: str, inverses: Iterable[int] = range(2, 33)) -> float:
    """The scale factor ``1/inv`` of an anti-aliasing downsampler from its Gaussian kernel size.

    The official ``AntiAliasInterpolation2d`` uses sigma = (inv - 1) / 2 and a kernel of
    ``2 * round(4 * sigma) + 1`` taps; ``inverses`` are the ``inv`` values the method accepts.
    """
    for inv in inverses:
        if 2 * round((inv - 1) / 2 * 4) + 1 == k:
            return 1 / inv
    raise CheckpointError(f"{method}: {where} has an unknown anti-aliasing kernel size {k}")


def convert_state_dict(ckpt: dict, model: torch.nn.Module, key_table: Mapping[str, str], method: str,
                       absent_notes: Mapping[str, str]) -> tuple[dict, ConversionReport]:
    """Map the official entries of ``ckpt`` onto ``model`` through ``key_table``, checking keys and shapes.

    Args:
        ckpt: the official dict (required entries already checked by the caller).
        model: our model; a sub-module that is None was built without that optional part, and the
            checkpoint must then not have it either (and vice versa).
        key_table: official top-level entry -> attribute of ``model``.
        method: method id, the prefix of every error message.
        absent_notes: official entry -> what its absence means (reported in ``absent``).
    Returns:
        Our state dict (strict-loadable into ``model``; floating tensors cast to our dtype) and the report.
    """
    ours = model.state_dict()
    out: dict = {}
    report = ConversionReport(ignored=sorted(str(k) for k in ckpt if k not in key_table))
    for official, prefix in key_table.items():
        module = getattr(model, prefix, None)
        present = isinstance(ckpt.get(official), dict)
        if module is None:
            if present:
                raise CheckpointError(f"{method}: checkpoint has {official!r} but the model was built without it")
            report.absent[official] = absent_notes[official]
            continue
        if not present:
            raise CheckpointError(f"{method}: checkpoint has no {official!r} but the model expects one")
        src = strip_module_prefix(ckpt[official])
        expected = {k[len(prefix) + 1:]: v for k, v in ours.items() if k.startswith(prefix + ".")}
        if len(src) != len(expected):
            extra = sorted(set(src) - set(expected))[:5]
            lacking = sorted(set(expected) - set(src))[:5]
            raise CheckpointError(
                f"{method}: {official!r} has {len(src)} tensors, our module expects {len(expected)} "
                f"(unexpected: {extra}; missing: {lacking})"
            )
        for key, value in src.items():
            if key not in expected:
                raise CheckpointError(f"{method}: {official!r} has unexpected key {key!r}")
            if tuple(value.shape) != tuple(expected[key].shape):
                raise CheckpointError(
                    f"{method}: {official}.{key} has shape {tuple(value.shape)}, expected {tuple(expected[key].shape)}"
                )
            # fp16-stored weights (possibly views into a shared storage) become fresh tensors of our dtype
            out[f"{prefix}.{key}"] = value.to(expected[key].dtype) if value.is_floating_point() else value
        report.tensors[official] = len(src)
        report.parameters[official] = sum(p.numel() for p in module.parameters())
    return out, report


def convert_command(argv: Optional[list[str]], description: str, example: str, setups: Iterable[str],
                    load_official: Callable, save_checkpoint: Callable) -> None:
    """``python -m baselines.<method>.convert OFFICIAL OUT [--setup S]``: an official file -> our format.

    ``load_official(path, setup=...) -> (model, config, report)`` and ``save_checkpoint(path, model,
    config, **extra)`` are the method's; ``example`` names a typical official file in the help text.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("official", help=f"official checkpoint (e.g. {example})")
    parser.add_argument("out", help="where to write the converted checkpoint (our format)")
    parser.add_argument("--setup", choices=sorted(setups), help="official setup the file belongs to")
    args = parser.parse_args(argv)
    model, cfg, report = load_official(args.official, setup=args.setup)
    save_checkpoint(args.out, model, cfg, converted_from={"file": str(args.official), **report.as_dict()})
    print(f"wrote {args.out}: {report.tensors} (absent: {report.absent or 'none'})")
