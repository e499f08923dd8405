"""Dataclass configs loaded from YAML, with ``--set key=value`` overrides and a hash.

A config is a (possibly nested) dataclass. :func:`load_config` starts from the
dataclass defaults, applies a YAML file, then ``key.sub=value`` overrides (values
parsed as YAML scalars/lists). Unknown keys are errors naming the valid keys.
:func:`config_hash` is the sha256 of the canonical JSON of the resolved config;
it goes into every result's provenance and into cache keys.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing
from pathlib import Path
from typing import Any, Iterable, TypeVar

import yaml

from slvg_bench.errors import UsageError

C = TypeVar("C")


def to_dict(cfg: Any) -> dict:
    """The config as plain JSON-compatible data (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(cfg), default=list))


def config_hash(cfg: Any, length: int = 12) -> str:
    """Hex sha256 prefix of the canonical JSON of ``cfg`` (a dataclass or a dict)."""
    data = to_dict(cfg) if dataclasses.is_dataclass(cfg) else cfg
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _dataclass_type(tp: Any) -> type | None:
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return tp
    for arg in typing.get_args(tp):  # Optional[SubConfig]
        if dataclasses.is_dataclass(arg) and isinstance(arg, type):
            return arg
    return None


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Light type coercion so YAML ints fill float fields and lists fill tuples."""
    origin = typing.get_origin(tp)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (origin is tuple or tp is tuple) and isinstance(value, list):
        return tuple(value)
    if tp in (int, float, str, bool) and value is not None and not isinstance(value, tp):
        if tp is float and isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise UsageError(f"config key {where!r} expects {tp.__name__}, got {value!r}")
    return value


def from_dict(cls: type[C], data: dict, where: str = "") -> C:
    """Build ``cls`` from nested dicts, rejecting unknown keys."""
    if not isinstance(data, dict):
        raise UsageError(f"config section {where or '<root>'!r} must be a mapping, got {data!r}")
    types = _field_types(cls)
    unknown = sorted(set(data) - set(types))
    if unknown:
        raise UsageError(
            f"unknown config key(s) {', '.join(repr(where + k) for k in unknown)}; "
            f"valid keys{' under ' + repr(where.rstrip('.')) if where else ''}: {', '.join(sorted(types))}"
        )
    kwargs = {}
    for name, value in data.items():
        sub = _dataclass_type(types[name])
        if sub is not None and isinstance(value, dict):
            kwargs[name] = from_dict(sub, value, f"{where}{name}.")
        elif sub is not None and not isinstance(value, sub) and not (
                value is None and type(None) in typing.get_args(types[name])):
            raise UsageError(f"config section {where + name!r} must be a mapping of its keys, got {value!r}")
        else:
            kwargs[name] = _coerce(value, types[name], where + name)
    base = cls()  # defaults for keys the data leaves out
    return dataclasses.replace(base, **kwargs)


def merge(base: dict, update: dict) -> dict:
    """Recursive dict merge (update wins)."""
    out = dict(base)
    for k, v in update.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def parse_overrides(items: Iterable[str]) -> dict:
    """``["a.b=3", "c=[1,2]"]`` -> ``{"a": {"b": 3}, "c": [1, 2]}`` (values parsed as YAML)."""
    out: dict = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--set expects key=value, got {item!r}")
        value = yaml.safe_load(raw) if raw != "" else ""
        node = out
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return out


def read_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"config file {str(path)!r} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise UsageError(f"config file {str(path)!r} is not valid YAML: {e}") from e
    except UnicodeDecodeError as e:
        raise UsageError(f"config file {str(path)!r} is not UTF-8 text ({e.reason} at byte {e.start}); "
                         f"save it as UTF-8") from e
    if not isinstance(data, dict):
        raise UsageError(f"config file {str(path)!r} must hold a mapping at top level")
    return data


def load_config(
    cls: type[C],
    *layers: dict | str | Path | None,
    overrides: Iterable[str] = (),
) -> C:
    """Resolve ``cls`` defaults <- each layer (dict or YAML path) <- ``--set`` overrides."""
    data: dict = to_dict(cls())
    for layer in layers:
        if layer is None:
            continue
        data = merge(data, read_yaml(layer) if isinstance(layer, (str, Path)) else layer)
    data = merge(data, parse_overrides(overrides))
    return from_dict(cls, data)


def dump_yaml(cfg: Any, path: str | Path) -> None:
    from slvg_bench.errors import output_error

    try:
        Path(path).write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False))
    except OSError as e:
        raise output_error(path, e) from e
