"""Resolve the config of a training run: method + dataset + preset + files + ``--set``.

Order (later wins), as declared by :class:`~slvg_bench.methods.MethodSpec`:

    dataclass defaults <- <config_dir>/<dataset>.yaml <- <config_dir>/<dataset>-<preset>.yaml
                       <- --config FILE <- --set key=value <- --max-steps N

``config_dir`` is an absolute path or a path relative to the folder that holds
the ``slvg_bench`` package (the project root in a checkout, ``site-packages``
once installed), e.g. ``baselines/tpsmm/configs``.

This module imports no torch.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

from slvg_bench.config import config_hash, load_config, to_dict
from slvg_bench.errors import UsageError
from slvg_bench.methods import METHODS, MethodSpec
from slvg_bench.registry import import_object

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Keys that steer a run without changing what it computes; a resumed run may change them.
RUN_CONTROL_KEYS = ("train.max_steps", "train.num_workers", "train.log_every", "train.checkpoint_every")


@dataclass
class ResolvedConfig:
    """A method config ready for training, and where each layer came from.

    Attributes:
        method: method id.
        dataset: dataset id.
        preset: preset name or None.
        config: the method's config dataclass instance (``config.train`` is a TrainConfig).
        layers: the YAML files applied, in order.
    """

    method: str
    dataset: str
    preset: Optional[str]
    config: Any
    layers: list[Path]

    @property
    def as_dict(self) -> dict:
        return to_dict(self.config)

    @property
    def hash(self) -> str:
        return identity_hash(self.as_dict)


def trainable_spec(method: str) -> MethodSpec:
    """The registered spec of a trainable method (clear errors for the others)."""
    spec = METHODS.get(method)
    if not spec.trainable or spec.build is None:
        trainable = [m for m in METHODS.names() if _is_trainable(m)]
        raise UsageError(
            f"method {method!r} is not trainable; trainable methods: {', '.join(trainable) or 'none'}"
        )
    if spec.config_cls is None:
        raise UsageError(f"method {method!r} declares no config class (MethodSpec.config_cls)")
    return spec


def _is_trainable(name: str) -> bool:
    try:
        spec = METHODS.get(name)
    except UsageError:
        return False
    return bool(spec.trainable and spec.build is not None)


def config_class(spec: MethodSpec) -> type:
    cls = import_object(spec.config_cls) if isinstance(spec.config_cls, str) else spec.config_cls
    if not (dataclasses.is_dataclass(cls) and isinstance(cls, type)):
        raise UsageError(f"method {spec.id!r}: config_cls {spec.config_cls!r} is not a dataclass")
    if "train" not in {f.name for f in dataclasses.fields(cls)}:
        raise UsageError(f"method {spec.id!r}: config class {cls.__name__} has no 'train' field (TrainConfig)")
    return cls


def config_folder(spec: MethodSpec) -> Optional[Path]:
    """The method's YAML folder as an absolute path (None when it declares none)."""
    if not spec.config_dir:
        return None
    folder = Path(spec.config_dir).expanduser()
    return folder if folder.is_absolute() else PROJECT_ROOT / folder


def available_presets(spec: MethodSpec, dataset: str) -> list[str]:
    """Preset names with a ``<dataset>-<preset>.yaml`` file in the method's config folder."""
    folder = config_folder(spec)
    if folder is None or not folder.is_dir():
        return []
    prefix = f"{dataset}-"
    return sorted(p.stem[len(prefix):] for p in folder.glob(f"{dataset}-*.yaml") if p.stem[len(prefix):])


EXTENDS = "extends"  # top-level key of a preset file: the preset it is layered on (a fine-tuning stage, ...)


def preset_layers(preset_file: Path, folder: Path, dataset: str, seen: tuple = ()) -> list[Path]:
    """``preset_file`` preceded by the presets it ``extends`` (``extends: NAME`` = ``<dataset>-NAME.yaml``)."""
    from slvg_bench.config import read_yaml

    if preset_file in seen:
        raise UsageError(f"preset {preset_file.name}: 'extends' forms a cycle ({' -> '.join(p.name for p in seen)})")
    base = (read_yaml(preset_file) or {}).get(EXTENDS)
    if base is None:
        return [preset_file]
    base_file = folder / f"{dataset}-{base}.yaml"
    if not base_file.is_file():
        raise UsageError(f"preset {preset_file.name}: extends {base!r}, but {base_file} does not exist")
    return preset_layers(base_file, folder, dataset, seen + (preset_file,)) + [preset_file]


def read_layer(path: Path) -> dict:
    """A config layer from YAML, without the ``extends`` key (it names files, not config)."""
    from slvg_bench.config import read_yaml

    data = dict(read_yaml(path) or {})
    data.pop(EXTENDS, None)
    return data


def resolve_config(
    method: str,
    dataset: str,
    *,
    preset: Optional[str] = None,
    config_file: Optional[str | Path] = None,
    overrides: Iterable[str] = (),
    max_steps: Optional[int] = None,
) -> ResolvedConfig:
    """Build the method's config for ``dataset`` in the documented order.

    Raises:
        UsageError: unknown/untrainable method, unknown preset (listing the available
            ones), missing ``--config`` file, unknown config keys or bad values.
    """
    spec = trainable_spec(method)
    cls = config_class(spec)
    folder = config_folder(spec)
    layers: list[Path] = []
    if folder is not None and (folder / f"{dataset}.yaml").is_file():
        layers.append(folder / f"{dataset}.yaml")
    if preset is not None:
        preset_file = folder / f"{dataset}-{preset}.yaml" if folder is not None else None
        if preset_file is None or not preset_file.is_file():
            found = available_presets(spec, dataset)
            where = f" (files {folder}/{dataset}-<preset>.yaml)" if folder is not None else ""
            raise UsageError(
                f"unknown preset {preset!r} for method {method!r} on dataset {dataset!r}; "
                + (f"available presets: {', '.join(found)}" if found else "this method has no presets for it")
                + where
            )
        layers.extend(preset_layers(preset_file, folder, dataset))
    if config_file is not None:
        if not Path(config_file).is_file():
            raise UsageError(f"--config file {str(config_file)!r} does not exist")
        layers.append(Path(config_file))
    overrides = list(overrides)
    if max_steps is not None:
        if max_steps < 1:
            raise UsageError(f"--max-steps must be >= 1, got {max_steps}")
        overrides.append(f"train.max_steps={int(max_steps)}")
    config = load_config(cls, *(read_layer(p) for p in layers), overrides=overrides)
    check_train_config(config.train)
    return ResolvedConfig(method=method, dataset=dataset, preset=preset, config=config, layers=layers)


def check_train_config(tc) -> None:
    """Reject values the trainer cannot run with, naming the key."""
    positive = ("epochs", "batch_size", "pairs_per_video", "checkpoint_every", "log_every", "resolution")
    for key in positive:
        if getattr(tc, key) < 1:
            raise UsageError(f"config key 'train.{key}' must be >= 1, got {getattr(tc, key)!r}")
    if not (math.isfinite(tc.lr) and tc.lr > 0):  # nan passes a plain `<= 0` test
        raise UsageError(f"config key 'train.lr' must be a finite number > 0, got {tc.lr!r}")
    if tc.num_workers < 0:
        raise UsageError(f"config key 'train.num_workers' must be >= 0, got {tc.num_workers!r}")
    if tc.amp_dtype not in ("bfloat16", "float16"):
        raise UsageError(f"config key 'train.amp_dtype' must be 'bfloat16' or 'float16', got {tc.amp_dtype!r}")
    from slvg_bench.data.pair_augment import check_pair_augment

    check_pair_augment(tc.augment)
    if len(tuple(tc.adam_betas)) != 2:
        raise UsageError(f"config key 'train.adam_betas' needs two numbers, got {tc.adam_betas!r}")
    if list(tc.milestones) != sorted(tc.milestones):
        raise UsageError(f"config key 'train.milestones' must be increasing, got {list(tc.milestones)!r}")


def _drop(data: dict, dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for p in parents:
        node = node.get(p)
        if not isinstance(node, dict):
            return
    node.pop(leaf, None)


def identity(config_dict: dict) -> dict:
    """The config without the run-control keys (what a resumed run must match)."""
    import copy

    data = copy.deepcopy(config_dict)
    for key in RUN_CONTROL_KEYS:
        _drop(data, key)
    return data


def identity_hash(config_dict: dict) -> str:
    """Hash of :func:`identity` — the ``config_hash`` stored in checkpoints."""
    return config_hash(identity(config_dict))


def flat(data: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    out = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def config_diff(old: dict, new: dict) -> list[str]:
    """Dotted keys whose values differ between two config dicts (run-control keys ignored)."""
    a, b = flat(identity(old)), flat(identity(new))
    return sorted(k for k in set(a) | set(b) if a.get(k, "<absent>") != b.get(k, "<absent>"))
