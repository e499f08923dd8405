"""One small generic registry for methods, datasets, metrics and weights.

Built-in entries are declared as ``"module:attribute"`` strings and imported on
first use, so listing names (``--help``, ``datasets list``) imports no torch.
Unknown names raise :class:`~slvg_bench.errors.UnknownNameError` listing the
valid ids and a "did you mean" suggestion.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Callable, Generic, Iterator, TypeVar

from slvg_bench.errors import UnknownNameError, UsageError

T = TypeVar("T")


def import_object(path: str):
    """Import ``"package.module:attr"`` (attr may be dotted) and return the object."""
    module_name, _, attr = path.partition(":")
    if not attr:
        raise ValueError(f"lazy import path must look like 'module:attr', got {path!r}")
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class Registry(Generic[T]):
    """Maps lowercase ids to objects, importing built-ins lazily.

    Args:
        kind: what the entries are ("method", "dataset", ...); used in messages.
        builtins: id -> ``"module:attr"`` for entries shipped with the package.
    """

    def __init__(self, kind: str, builtins: dict[str, str] | None = None):
        self.kind = kind
        self._paths: dict[str, str] = {}
        self._objects: dict[str, T] = {}
        for name, path in (builtins or {}).items():
            self._add(name, path=path)

    def _add(self, name: str, *, path: str | None = None, obj: T | None = None) -> None:
        if name != name.lower() or not name:
            raise ValueError(f"{self.kind} ids are lowercase and non-empty, got {name!r}")
        if name in self._paths or name in self._objects:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        if path is not None:
            self._paths[name] = path
        else:
            self._objects[name] = obj  # type: ignore[assignment]

    def register(self, name: str, obj: T | None = None) -> Callable[[T], T] | T:
        """Register ``obj`` under ``name``; usable as a decorator when ``obj`` is omitted."""
        if obj is not None:
            self._add(name, obj=obj)
            return obj

        def decorator(o: T) -> T:
            self._add(name, obj=o)
            return o

        return decorator

    def names(self) -> list[str]:
        return sorted(set(self._paths) | set(self._objects))

    def __contains__(self, name: object) -> bool:
        return name in self._paths or name in self._objects

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def check(self, name: str) -> str:
        """Return ``name`` if registered, else raise naming the valid choices."""
        if name in self:
            return name
        valid = self.names()
        close = difflib.get_close_matches(name, valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownNameError(
            f"unknown {self.kind} {name!r}.{hint} Valid {self.kind}s: {', '.join(valid)}"
        )

    def get(self, name: str) -> T:
        """Return the entry, importing it on first use."""
        self.check(name)
        if name not in self._objects:
            try:
                self._objects[name] = import_object(self._paths[name])
            except ImportError as e:  # an optional dependency of one entry is missing
                raise UsageError(f"{self.kind} {name!r} cannot be loaded: {e}") from e
        return self._objects[name]

    def path(self, name: str) -> str | None:
        """The lazy import path of a built-in (None for entries registered as objects)."""
        self.check(name)
        return self._paths.get(name)
