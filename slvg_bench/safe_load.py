"""Reading torch files safely, and saying in one plain line why a file could not be read.

Every checkpoint is read with ``torch.load(weights_only=True)``: tensors and plain data only, so a
malicious pickle never runs. When that refuses a file, torch's own message is several lines long
and advises reloading with ``weights_only=False`` — advice this toolkit never gives (that is how
arbitrary code would run). :func:`load_error_reason` turns any load failure into one short reason
(empty or truncated file, not a torch file, holds Python objects, ...); :func:`clean_message`
rewrites such torch text inside an error message that was built elsewhere (the command line applies
it to every error it prints).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

UNSAFE = ("it holds Python objects besides tensors and plain data{what}, which slvg-bench never loads "
          "(checkpoints are read weights-only, so no code in a file runs); use the original checkpoint file")
EMPTY = "the file is empty or truncated (no checkpoint data)"
NOT_TORCH = "it is not a PyTorch checkpoint (neither a torch zip archive nor a pickle of tensors)"
TRUNCATED = "the file is not a complete PyTorch checkpoint (a damaged or truncated torch zip archive)"


def _unsafe(text: str) -> str:
    m = re.search(r"GLOBAL ([\w.]+)", text) or re.search(r"Unsupported global: ([\w.]+)", text)
    return UNSAFE.format(what=f" ({m.group(1)})" if m else "")


def load_error_reason(e: BaseException, path: str | Path | None = None) -> str:
    """One line: why ``torch.load(path, weights_only=True)`` raised ``e``."""
    import pickle

    text = str(e)
    if path is not None:
        try:
            if Path(path).stat().st_size == 0:
                return EMPTY
        except OSError:
            pass
    if isinstance(e, EOFError) or "Ran out of input" in text:
        return EMPTY
    if "GLOBAL" in text or "Unsupported global" in text:
        return _unsafe(text)
    if "Unsupported operand" in text:  # bytes the weights-only reader does not know: text, a raw pickle, ...
        return NOT_TORCH
    if "Weights only load failed" in text or "weights_only" in text:
        return _unsafe(text)
    if isinstance(e, OSError) and not isinstance(e, (pickle.UnpicklingError,)):
        from slvg_bench.errors import os_error_reason

        return os_error_reason(e)
    if "central directory" in text or "PytorchStreamReader" in text or "zip archive" in text:
        return TRUNCATED
    if (isinstance(e, (KeyError, IndexError, AttributeError, pickle.UnpicklingError, UnicodeDecodeError, ValueError,
                       TypeError)) or "load key" in text):
        return NOT_TORCH
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(e).__name__}: {first}" if first else f"{type(e).__name__} (no details)"


def torch_load(path: str | Path, what: str = "checkpoint") -> Any:
    """``torch.load(path, map_location="cpu", weights_only=True)`` or a :class:`CheckpointError` naming the
    file and the plain reason."""
    import warnings

    import torch

    from slvg_bench.errors import CheckpointError

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{what} {str(path)!r} " + ("is a folder, not a file" if path.is_dir() else "does not exist"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Detected pickle protocol 4 ..." for foreign pickles
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for foreign, truncated or malicious files
        raise CheckpointError(f"{what} {str(path)!r} cannot be read: {load_error_reason(e, path)}") from e


_TORCH_ADVICE = re.compile(r"(?:\b\w*(?:Error|Exception):\s*)?Weights only load failed.*", re.S)
_BLANK_TAIL = re.compile(r"(cannot (?:be )?read[^:]*:)\s*(?:(?:EOFError|KeyError|UnpicklingError)(?::\s*)?)?\s*'?\d*'?\s*$")


def raised_by_torch_load(e: BaseException) -> bool:
    """Whether ``e`` was raised inside ``torch.load`` (its traceback passes through torch's serialization)."""
    tb = e.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        if name.endswith(("torch/serialization.py", "torch/_weights_only_unpickler.py")):
            return True
        tb = tb.tb_next
    return False


def clean_message(message: str, cause: BaseException | None = None) -> str:
    """``message`` without torch's multi-line weights-only advice (replaced by one plain reason) and with
    a reason where a load error left none (an empty file raises an EOFError without text).

    ``cause``: the exception the message was made from (``raise ... from cause``); when it was raised by
    ``torch.load``, its text in ``message`` is replaced by :func:`load_error_reason`."""
    if cause is not None and raised_by_torch_load(cause):
        raw, name, reason = str(cause), re.escape(type(cause).__name__), load_error_reason(cause)
        if raw and raw in message:
            message = re.sub(rf"(?:{name}:\s*)?{re.escape(raw)}", lambda m: reason, message, count=1)
        elif not raw:
            if re.search(rf"\({name}:\s*\)", message):
                message = re.sub(rf"\({name}:\s*\)", lambda m: f"({reason})", message, count=1)
            else:
                message = re.sub(rf"(?:{name}:\s*)?$", "", message.rstrip()).rstrip() + " " + reason
    message = re.sub(r"\s*This is an internal miniz error\..*?(?:after saving\.|$)", "", message, flags=re.S)
    if "Weights only load failed" in message:
        reason = NOT_TORCH if ("Unsupported operand" in message and "GLOBAL" not in message) else _unsafe(message)
        message = _TORCH_ADVICE.sub(reason, message)
    message = re.sub(r"[^.;]*weights_only(?:=False|` set to `False`)[^.;]*[.;]?", "", message)
    m = _BLANK_TAIL.search(message)
    if m:
        tail = message[m.end(1):]
        reason = EMPTY if (not tail.strip() or "EOFError" in tail) else NOT_TORCH
        message = message[: m.end(1)] + " " + reason
    return " ".join(message.split())
