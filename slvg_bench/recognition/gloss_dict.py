"""Gloss vocabularies in the official CorrNet form: ``{gloss: [index, count]}``, index 0 = CTC blank.

Two file forms:
- ``.npy``: the official ``preprocess/<dataset>/gloss_dict.npy`` (``np.save`` of a Python
  dict, i.e. a 0-d object array). Such a file can only be read by unpickling. Instead of
  ``np.load(..., allow_pickle=True)``, which would run whatever callables the pickle
  names, the pickle is read with an unpickler that resolves only the three numpy
  callables an object array needs (``_reconstruct``, ``ndarray``, ``dtype``) and numpy's
  scalar constructor; any other global — e.g. ``os.system`` in a crafted file — is refused
  before anything runs. The result must then be a dict of ``str -> [int, int]``.
- ``.json``: ``{"gloss": [index, count], ...}`` — the same data, no pickle at all.

Official dictionaries number glosses 1..N in Python string-sort order of all glosses in
train+dev+test, with occurrence counts; :meth:`GlossDict.from_sentences` builds one the
same way.
"""

from __future__ import annotations

import io
import json
import pickle
from collections import Counter
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from slvg_bench.errors import SlvgError

BLANK = 0

# The only globals an np.save'd object array of a dict of str -> [int, int] refers to.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class GlossDictError(SlvgError):
    """A gloss dictionary file that is missing, unsafe, or not of the official form."""


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"global '{module}.{name}' is not allowed in a gloss dictionary")
        return super().find_class(module, name)


def _read_npy_object(path: Path) -> object:
    """The object stored in a 0-d object ``.npy`` file, unpickled with the allowlist above."""
    with open(path, "rb") as f:
        try:
            major, minor = np.lib.format.read_magic(f)
            read_header = {1: np.lib.format.read_array_header_1_0, 2: np.lib.format.read_array_header_2_0}.get(major)
            if read_header is None:
                raise ValueError(f"unsupported .npy format version {major}.{minor}")
            shape, _fortran, dtype = read_header(f)
        except ValueError as e:
            raise GlossDictError(f"gloss dictionary {str(path)!r} is not a .npy file: {e}") from e
        if dtype != np.dtype(object) or shape != ():
            raise GlossDictError(
                f"gloss dictionary {str(path)!r} holds a {dtype} array of shape {shape}; "
                "expected the official form (np.save of a dict: 0-d object array)"
            )
        try:
            array = _NumpyOnlyUnpickler(io.BytesIO(f.read())).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError) as e:
            raise GlossDictError(f"gloss dictionary {str(path)!r} refused: {e}") from e
    if isinstance(array, np.ndarray) and array.shape == ():
        return array.item()
    return array


class GlossDict:
    """Bidirectional gloss <-> class index map with occurrence counts (index 0 is the blank).

    ``num_classes`` = largest index + 1 (the CorrNet classifier size).
    """

    def __init__(self, entries: Mapping[str, Sequence[int]]):
        if not isinstance(entries, Mapping) or not entries:
            raise GlossDictError("a gloss dictionary must be a non-empty mapping gloss -> [index, count]")
        self.entries: dict[str, tuple[int, int]] = {}
        for gloss, value in entries.items():
            ok = (isinstance(gloss, str) and gloss and isinstance(value, (list, tuple)) and len(value) == 2
                  and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value))
            if not ok:
                raise GlossDictError(f"gloss dictionary entry {gloss!r}: {value!r} is not gloss -> [index, count]")
            self.entries[gloss] = (int(value[0]), int(value[1]))
        indices = [i for i, _ in self.entries.values()]
        if min(indices) < 1:
            raise GlossDictError(f"gloss dictionary uses index {min(indices)}; index 0 is reserved for the CTC blank")
        dupes = [i for i, n in Counter(indices).items() if n > 1]
        if dupes:
            raise GlossDictError(f"gloss dictionary maps several glosses to index {dupes[0]}")
        self.index_to_gloss = {i: g for g, (i, _) in self.entries.items()}

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sequence[str]]) -> "GlossDict":
        """Official recipe: glosses sorted as Python strings, numbered from 1, with counts."""
        counts = Counter(g for s in sentences for g in s)
        return cls({g: [i, counts[g]] for i, g in enumerate(sorted(counts), start=1)})

    @classmethod
    def load(cls, path: str | Path) -> "GlossDict":
        """Read ``.npy`` (official, safe unpickling) or ``.json``."""
        path = Path(path)
        if not path.is_file():
            raise GlossDictError(f"gloss dictionary {str(path)!r} does not exist")
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as e:
                raise GlossDictError(f"gloss dictionary {str(path)!r} is not valid JSON: {e}") from e
        elif path.suffix.lower() == ".npy":
            data = _read_npy_object(path)
        else:
            raise GlossDictError(f"gloss dictionary {str(path)!r}: expected a .npy (official) or .json file")
        return cls(data)

    def save(self, path: str | Path) -> Path:
        """Write ``.npy`` (official form, readable by ``np.load(allow_pickle=True).item()``) or ``.json``."""
        path = Path(path)
        data = {g: [i, c] for g, (i, c) in self.entries.items()}
        if path.suffix.lower() == ".json":
            path.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
        elif path.suffix.lower() == ".npy":
            np.save(path, data, allow_pickle=True)
        else:
            raise GlossDictError(f"cannot save gloss dictionary to {str(path)!r}: use a .npy or .json suffix")
        return path

    def to_plain(self) -> dict[str, list[int]]:
        """Plain data (for checkpoints loaded with weights_only=True)."""
        return {g: [i, c] for g, (i, c) in self.entries.items()}

    # -- lookup --------------------------------------------------------------------------

    @property
    def num_classes(self) -> int:
        return max(self.index_to_gloss) + 1

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, gloss: object) -> bool:
        return gloss in self.entries

    def encode(self, glosses: Sequence[str]) -> list[int]:
        """Gloss strings -> indices; unknown glosses are dropped, as the official loader does."""
        return [self.entries[g][0] for g in glosses if g in self.entries]

    def decode(self, indices: Iterable[int]) -> list[str]:
        """Indices -> gloss strings (blank and unknown indices raise: they are decoder bugs)."""
        try:
            return [self.index_to_gloss[int(i)] for i in indices]
        except KeyError as e:
            raise GlossDictError(f"class index {e.args[0]} is not in the gloss dictionary") from e
