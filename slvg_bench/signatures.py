"""Metric signatures: one compact protocol string per dataset figure (as sacreBLEU's).

A signature names everything that can move a figure besides the videos themselves::

    fvd-i3d-k400|v:1|corpus|clip:16|clips:first|resize:stretch|range:[-1,1]|cov:unbiased|w:i3d.k400-styleganv@<sha256[:8]>|n:24

Tokens, ``|``-separated: the metric id, ``v:<version>``, the reduction (``frames`` = mean over all
frames, ``videos`` = mean over videos, ``corpus``), the metric's protocol tokens
(``MetricInfo.signature`` with ``{field}`` filled from the metric's options; a metric that declares
none lists every option field as ``field:value``, except :data:`NEVER_CHANGE_A_NUMBER`), one ``w:<weight id>@<sha256 prefix>`` per weight
file it used, and last ``n:<videos>``, the videos the figure is over. Two figures with different
signatures are not the same measurement; a leaderboard that shows them in one column says so in a
footnote. Signatures are written into every aggregate (``signature`` of each figure) and printed
under every leaderboard table.
"""

from __future__ import annotations

import dataclasses
import re
import string
from pathlib import PurePath
from typing import Any, Mapping

REDUCER_TOKENS = {"frame-weighted mean": "frames", "frame": "frames", "video mean": "videos", "video": "videos",
                  "corpus": "corpus"}
SHA_PREFIX = 8
SEPARATOR = "|"
# option fields that only save time or memory (caches, batch sizes): left out of a default signature
NEVER_CHANGE_A_NUMBER = ("cache", "batch_clips", "batch_frames", "batch_size")


def _weight_token(weight_id: str, digest: str) -> str:
    """``w:<id>@<first 8 hex of the sha256>`` (a non-hex note, e.g. a test's random backbone, as a short slug);
    a path used as an id is reduced to its file name (leaderboards are committed)."""
    name = PurePath(weight_id).name if ("/" in weight_id or "\\" in weight_id) else weight_id
    d = str(digest)
    tag = d[:SHA_PREFIX] if re.fullmatch(r"[0-9a-f]{64}", d) else re.sub(r"[^A-Za-z0-9.]+", "-", d).strip("-")[:16]
    return f"w:{name}@{tag}"


def _options_dict(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if dataclasses.is_dataclass(options):
        return dataclasses.asdict(options)
    return dict(options) if isinstance(options, Mapping) else {}


def _fill(token: str, values: Mapping[str, Any]) -> str:
    """``token`` with ``{field}`` (and ``{field:g}``-style formats) taken from ``values``; a field the
    options do not have stays as ``?`` rather than failing a run."""
    out = []
    for literal, field, spec, _ in string.Formatter().parse(token):
        out.append(literal)
        if field is not None:
            out.append(format(values[field], spec or "") if field in values else "?")
    return "".join(out)


def protocol_signature(info: Any, options: Any = None, weights: Mapping[str, str] | None = None,
                       reducer: str = "video") -> str:
    """The signature of one figure of the metric declared by ``info`` (a ``MetricInfo``), without ``n``.

    Args:
        options: the metric family's options dataclass (its fields fill ``{field}`` tokens).
        weights: ``{weight id: sha256}`` the metric instance used (``Metric.weight_digests``).
        reducer: the figure's reduction (``frame-weighted mean`` / ``video mean`` / ``corpus``).
    """
    values = _options_dict(options)
    tokens = [info.id, f"v:{info.version}", REDUCER_TOKENS.get(reducer, reducer)]
    if info.signature:
        tokens += [_fill(t, values) for t in info.signature]
    else:
        tokens += [f"{k}:{v}" for k, v in values.items() if k not in NEVER_CHANGE_A_NUMBER]
    tokens += [_weight_token(k, v) for k, v in sorted((weights or {}).items())]
    return SEPARATOR.join(tokens)


def with_n(signature: str, n: int) -> str:
    """``signature`` (with or without an ``n:`` token) ending in ``n:<n>``."""
    return f"{split_n(signature)[0]}{SEPARATOR}n:{int(n)}"


def split_n(signature: str) -> tuple[str, int | None]:
    """``(signature without its n token, n)``; n is None when there is none."""
    head, sep, last = signature.rpartition(SEPARATOR)
    if sep and last.startswith("n:") and last[2:].isdigit():
        return head, int(last[2:])
    return signature, None
