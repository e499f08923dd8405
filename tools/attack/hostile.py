"""Hostile files: checkpoints that must never load or run code (pickle payloads), and the checks that they did not."""

from __future__ import annotations

import os
import pickle
from pathlib import Path


# ---------------------------------------------------------------------------------------------- hostile files
class Payload:
    marker = ""

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def hostile_ckpt(path: Path, kind: str) -> Path:
    """Checkpoint files that must never load (or run code)."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    Payload.marker = str(path.parent / "PWNED")
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is not a checkpoint\n")
    elif kind == "pickle":
        with open(path, "wb") as f:
            pickle.dump({"model": Payload()}, f)
    elif kind == "torch-payload":
        torch.save({"model": {"w": torch.zeros(2)}, "x": Payload()}, path)
    elif kind == "truncated":
        torch.save({"model": {"w": torch.zeros(5000)}}, path)
        path.write_bytes(path.read_bytes()[:400])
    elif kind == "wrong-keys":
        torch.save({"model": {"conv.weight": torch.zeros(4, 3, 3, 3)}, "method": "tpsmm", "config": {}}, path)
    elif kind == "tensor-dict":
        torch.save({"conv.weight": torch.zeros(4, 3, 3, 3)}, path)
    elif kind == "list":
        torch.save([1, 2, 3], path)
    elif kind == "zip-not-torch":
        import zipfile

        with zipfile.ZipFile(path, "w") as z:
            z.writestr("data.txt", "hello")
    elif kind == "nan-tensor":
        torch.save({"model": {"w": torch.full((3,), float("nan"))}}, path)
    elif kind == "binary":
        path.write_bytes(os.urandom(3000))
    return path


def pwned(ctx) -> str | None:
    found = list(ctx.C.rglob("PWNED"))
    return "a pickled payload ran" if found else None


def never_pwned(extra=None):
    def check(ctx, res):
        return pwned(ctx) or (extra(ctx, res) if extra else None)
    return check


def wrong_shape_ckpt(ctx, rel: str, source: Path) -> Path:
    """The base training checkpoint with one tensor of the model reshaped."""
    import torch

    c = torch.load(source, map_location="cpu", weights_only=True)
    model = c["model"]
    first = next(iter(model)) if not isinstance(next(iter(model.values())), dict) else None
    if first is None:  # nested: {network: state_dict}
        net = next(iter(model))
        key = next(k for k, v in model[net].items() if hasattr(v, "dim") and v.dim() >= 2)
        model[net][key] = torch.zeros(*[s + 1 for s in model[net][key].shape])
    else:
        key = next(k for k, v in model.items() if hasattr(v, "dim") and v.dim() >= 2)
        model[key] = torch.zeros(*[s + 1 for s in model[key].shape])
    path = ctx.C / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(c, path)
    return path
