"""Reading checkpoint files and our own checkpoint format, shared by TPSMM, MRAA and PGMM.

Our format is one dict: ``{"method": <method id>, "config": <resolved config as a nested dict>,
"model": <state_dict>, ...}`` (the shared trainer adds optimizer/RNG state; converters add
``converted_from``). Every read is ``torch.load(..., weights_only=True)`` on CPU; every error is a
:class:`~slvg_bench.errors.CheckpointError` whose message starts with the method id
(``"tpsmm: checkpoint '...' does not exist"``).

The method-specific parts are parameters: the method id, the config dataclass, its ``validate``
and a model factory ``build(config, state) -> nn.Module`` (which decides the optional sub-networks
from the state dict).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import torch

from slvg_bench.config import from_dict, to_dict
from slvg_bench.errors import CheckpointError, UsageError

C = TypeVar("C")


def read_checkpoint(path: str | Path, method: str) -> dict:
    """``torch.load(weights_only=True)`` on CPU of a file that must hold a dict.

    Raises:
        CheckpointError: ``"<method>: ..."`` for a missing file, one ``weights_only`` cannot read,
            or one that holds something other than a dict.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{method}: checkpoint {str(path)!r} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle/zip errors come in many types
        raise CheckpointError(f"{method}: cannot read checkpoint {str(path)!r} with weights_only=True: {e}") from e
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{method}: checkpoint {str(path)!r} holds a {type(ckpt).__name__}, expected a dict")
    return ckpt


def catalog_spec(name: str):
    """The :class:`~slvg_bench.weights.WeightSpec` of a catalog weight id, or None when ``name`` is not one."""
    from slvg_bench import weights
    from slvg_bench.errors import UnknownNameError

    try:
        return weights.get_spec(name)
    except UnknownNameError:
        return None


def resolve_path(checkpoint: str | Path, method: str, id_prefix: Optional[str] = None) -> Path:
    """A file path, or a catalog weight id resolved through the weights cache.

    Names starting with ``id_prefix`` (e.g. ``"mraa."``) also go to the catalog, so an unknown id gets
    its did-you-mean error. Raises ``WeightsUnavailableError`` (with the install command) for a known
    id whose file is missing, ``CheckpointError`` for anything else that is not a file.
    """
    p = Path(checkpoint)
    if p.is_file():
        return p
    name = str(checkpoint)
    if catalog_spec(name) is not None or (id_prefix is not None and name.startswith(id_prefix)):
        from slvg_bench import weights

        return weights.require(name)
    raise CheckpointError(f"{method}: checkpoint {name!r} does not exist")


def open_checkpoint(checkpoint: str | Path | dict, method: str, setup: Optional[str] = None,
                    id_prefix: Optional[str] = None) -> tuple[dict, str, Optional[str]]:
    """A checkpoint dict, file path or catalog weight id -> ``(checkpoint dict, where, setup)``.

    ``where`` names the source in messages (``"<dict>"`` for a dict); ``setup`` is the given one, else
    the catalog entry's ``extra["setup"]`` when ``checkpoint`` is a catalog id (the official setup the
    file belongs to), else None.
    """
    if isinstance(checkpoint, dict):
        return checkpoint, "<dict>", setup
    if setup is None and not Path(checkpoint).is_file():
        spec = catalog_spec(str(checkpoint))
        if spec is not None:
            setup = spec.extra.get("setup")
    return read_checkpoint(resolve_path(checkpoint, method, id_prefix), method), str(checkpoint), setup


def unknown_format_error(ckpt: dict, method: str, label: str, where: str) -> CheckpointError:
    """The error for a dict that is neither our ``method`` format nor the official one."""
    return CheckpointError(
        f"{method}: {where} is neither a slvg-bench {label} checkpoint nor an official one{other_method_hint(ckpt)}; "
        f"top-level keys: {top_level_keys(ckpt)}"
    )


def is_own(ckpt: dict, method: str) -> bool:
    """Whether ``ckpt`` is our format for ``method`` (method id, a ``model`` state dict and a ``config``)."""
    return ckpt.get("method") == method and isinstance(ckpt.get("model"), dict) and "config" in ckpt


def other_method_hint(ckpt: dict) -> str:
    """``" (it belongs to method 'x')"`` when ``ckpt`` is our format for another method, else ``""``."""
    other = ckpt.get("method")
    return f" (it belongs to method {other!r})" if other else ""


def top_level_keys(ckpt: dict, most: int = 8) -> str:
    """The first ``most`` top-level keys, comma-separated (for error messages)."""
    return ", ".join(map(str, list(ckpt)[:most]))


def save_own(path: str | Path, method: str, model: torch.nn.Module, config: Any, **extra) -> Path:
    """Write ``{"method", "config", "model", **extra}`` atomically (temp file in the same folder + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"method": method, "config": to_dict(config), "model": model.state_dict(), **extra}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_own(ckpt: dict, method: str, config_cls: type[C], validate: Callable[[C], C],
             build: Callable[[C, dict], torch.nn.Module], where: str = "checkpoint") -> tuple[torch.nn.Module, C]:
    """Rebuild the model from our checkpoint dict and load it strictly.

    Args:
        ckpt: our format (see :func:`is_own`); the caller has checked the method.
        method: method id, the prefix of every error message.
        config_cls, validate: the method's config dataclass and its validation (raises ``UsageError``).
        build: ``(config, state_dict) -> model``; the state dict tells which optional parts exist.
        where: names the file in the messages.
    Returns:
        ``(model in eval mode on CPU, config)``.
    Raises:
        CheckpointError: an invalid stored config, or a state dict with missing/unexpected keys
            (the first five of each are named).
    """
    try:
        cfg = validate(from_dict(config_cls, ckpt["config"]))
    except UsageError as e:
        raise CheckpointError(f"{method}: the config stored in {where} is invalid: {e}") from e
    state = ckpt["model"]
    model = build(cfg, state)
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise CheckpointError(
            f"{method}: {where} does not match its own config: missing keys {result.missing_keys[:5]}, "
            f"unexpected keys {result.unexpected_keys[:5]}"
        )
    return model.eval(), cfg
