"""The baseline file of ``slvg-bench check``: what a run must still measure, per figure.

YAML (``.yaml``/``.yml``) or JSON (``.json``), the same keys::

    format: slvg-bench-baseline/1
    created_from: {source: runs/synthsign_test_reconstruction/static, method: static, ...}
    alpha: 0.05                          # default level of paired tests
    bootstrap: {resamples: 10000, seed: 0}
    metrics:
      l1:                                # a figure name of the aggregate (l1, l1 [video mean], tcd-target, ...)
        value: 0.0812                    # expected
        direction: lower                 # lower or higher is better (default: the run's metric)
        relative: 0.01                   # allowed worsening: relative × |value| ...
        absolute: 0.0005                 # ... and/or absolute; with both, the larger allowance
      ssim:
        value: 0.734
        significant: true                # fail only when a paired bootstrap says the run is worse at alpha
        alpha: 0.01                      # (optional, per figure)
        per_video: {v0: 0.71, v1: 0.75}  # the baseline's per-video values, paired by video id

Only *worsening* beyond the tolerance fails; an improvement beyond it passes as ``improved``
(time to rewrite the baseline). Aliases ``lpips`` and ``fvd`` name ``lpips-alex`` and
``fvd-i3d-k400``. A mapping without ``metrics:`` is read as the ``metrics`` section itself
(handy inline in tests). Every bad key or value is a usage error naming the file, the figure and
what was expected. :func:`baseline_from_run` and :func:`write_baseline` make the file from a run
(``slvg-bench check --write-baseline``), keeping an existing file's tolerances.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import yaml

from slvg_bench.bootstrap import DEFAULT_RESAMPLES
from slvg_bench.errors import UsageError
from slvg_bench.regression.measured import Measured, canonical_name

FORMAT = "slvg-bench-baseline/1"
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
DIRECTIONS = {"lower": False, "higher": True}
DEFAULT_ALPHA = 0.05
DEFAULT_RELATIVE = 0.01


@dataclass(frozen=True)
class MetricSpec:
    """What one figure must measure. ``alpha`` None = the baseline's default."""

    name: str
    value: float | None = None
    higher_is_better: bool | None = None
    absolute: float | None = None
    relative: float | None = None
    significant: bool = False
    alpha: float | None = None
    per_video: dict[str, float] | None = None
    n_videos: int | None = None

    def allowance(self) -> float:
        """How much worse than ``value`` the run may be: max(absolute, relative × |value|)."""
        a = self.absolute or 0.0
        r = (self.relative or 0.0) * abs(self.value or 0.0)
        return max(a, r)

    def tolerance_text(self, alpha: float) -> str:
        if self.significant:
            return f"p < {self.alpha if self.alpha is not None else alpha:g}"
        parts = []
        if self.absolute is not None:
            parts.append(f"{self.absolute:.4g}")
        if self.relative is not None:
            parts.append(f"{self.relative * 100:.4g}%")
        return "±" + (parts[0] if len(parts) == 1 else f"max({', '.join(parts)})")


@dataclass
class Baseline:
    metrics: dict[str, MetricSpec]
    alpha: float = DEFAULT_ALPHA
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    created_from: dict[str, Any] = field(default_factory=dict)
    path: str | None = None

    @property
    def label(self) -> str:
        return self.path or "<baseline>"


# ---------------------------------------------------------------------------------------------
# field parsers (a registry: key -> parser(value, where) -> parsed)


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UsageError(f"{where} must be a finite number, got {value!r}")
    return float(value)


def _non_negative(value, where: str) -> float:
    v = _number(value, where)
    if v < 0:
        raise UsageError(f"{where} must be >= 0, got {value!r}")
    return v


def _alpha(value, where: str) -> float:
    v = _number(value, where)
    if not 0 < v < 1:
        raise UsageError(f"{where} must be between 0 and 1 (e.g. 0.05), got {value!r}")
    return v


def _bool(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{where} must be true or false, got {value!r}")
    return value


def _direction(value, where: str) -> bool:
    if value not in DIRECTIONS:
        raise UsageError(f"{where} must be {' or '.join(DIRECTIONS)} (which values are better), got {value!r}")
    return DIRECTIONS[value]


def _count(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"{where} must be a whole number >= 0, got {value!r}")
    return value


def _per_video(value, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise UsageError(f"{where} must map video ids to values, got {type(value).__name__}")
    return {str(k): _number(v, f"{where}[{k!r}]") for k, v in value.items()}


# baseline key -> (MetricSpec field, parser)
METRIC_FIELDS: dict[str, tuple[str, Callable[[Any, str], Any]]] = {
    "value": ("value", _number),
    "direction": ("higher_is_better", _direction),
    "absolute": ("absolute", _non_negative),
    "relative": ("relative", _non_negative),
    "significant": ("significant", _bool),
    "alpha": ("alpha", _alpha),
    "per_video": ("per_video", _per_video),
    "n_videos": ("n_videos", _count),
}
TOP_KEYS = ("format", "created_from", "alpha", "bootstrap", "metrics")


def parse_metric(name: str, data: Any, where: str) -> MetricSpec:
    """One figure's spec from its mapping; every problem is one UsageError naming ``where``."""
    at = f"{where}: metric {name!r}"
    if not isinstance(data, Mapping):
        raise UsageError(f"{at} must be a mapping (value: and absolute:/relative:, or significant: true), got {data!r}")
    unknown = sorted(set(data) - set(METRIC_FIELDS))
    if unknown:
        raise UsageError(f"{at}: unknown key(s) {', '.join(map(repr, unknown))}; valid keys: {', '.join(METRIC_FIELDS)}")
    kwargs = {}
    for key, raw in data.items():
        attr, parse = METRIC_FIELDS[key]
        kwargs[attr] = None if raw is None and key not in ("significant",) else parse(raw, f"{at}: {key}")
    spec = MetricSpec(name=name, **kwargs)
    if spec.significant:
        if not spec.per_video or len(spec.per_video) < 2:
            raise UsageError(f"{at}: significant: true needs per_video: with the baseline's values of at least 2 "
                             "videos (write it with `slvg-bench check RUN --baseline FILE --write-baseline --significant`)")
    elif spec.value is None or (spec.absolute is None and spec.relative is None):
        raise UsageError(f"{at} needs value: and a tolerance (absolute: and/or relative:), or significant: true "
                         "with per_video:")
    return spec


def parse_baseline(data: Any, where: str = "<baseline>") -> Baseline:
    """A Baseline from the parsed file content (or an inline mapping of figures)."""
    if not isinstance(data, Mapping):
        raise UsageError(f"baseline {where} must hold a mapping at top level, got {type(data).__name__}")
    if "metrics" not in data and "format" not in data:
        data = {"metrics": data}  # inline: {figure: spec}
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise UsageError(f"baseline {where}: unknown key(s) {', '.join(map(repr, unknown))}; valid keys: "
                         f"{', '.join(TOP_KEYS)}")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise UsageError(f"baseline {where}: format {fmt!r} is not {FORMAT!r} (written by another version?)")
    metrics = data.get("metrics")
    if not isinstance(metrics, Mapping) or not metrics:
        raise UsageError(f"baseline {where}: metrics: must map figure names (l1, ssim, ...) to their expected values")
    specs: dict[str, MetricSpec] = {}
    for raw_name, spec in metrics.items():
        name = canonical_name(str(raw_name))
        if name in specs:
            raise UsageError(f"baseline {where}: figure {name!r} appears twice (as an alias too?)")
        specs[name] = parse_metric(name, spec, f"baseline {where}")
    boot = data.get("bootstrap") or {}
    if not isinstance(boot, Mapping) or set(boot) - {"resamples", "seed"}:
        raise UsageError(f"baseline {where}: bootstrap: takes resamples: and seed:, got {boot!r}")
    resamples = _count(boot.get("resamples", DEFAULT_RESAMPLES), f"baseline {where}: bootstrap.resamples")
    if resamples < 1:
        raise UsageError(f"baseline {where}: bootstrap.resamples must be >= 1, got {resamples}")
    created = data.get("created_from") or {}
    if not isinstance(created, Mapping):
        raise UsageError(f"baseline {where}: created_from: must be a mapping, got {created!r}")
    return Baseline(specs, alpha=_alpha(data.get("alpha", DEFAULT_ALPHA), f"baseline {where}: alpha"),
                    resamples=resamples, seed=_count(boot.get("seed", 0), f"baseline {where}: bootstrap.seed"),
                    created_from=dict(created), path=None if where == "<baseline>" else where)


def _format_of(path: Path) -> str:
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"baseline {str(path)!r} must end in .yaml, .yml or .json")
    return fmt


def read_baseline(path: str | Path) -> Baseline:
    path = Path(path)
    fmt = _format_of(path)
    if not path.is_file():
        raise UsageError(f"baseline {str(path)!r} does not exist (write one with `slvg-bench check RUN --baseline "
                         f"{path} --write-baseline`)")
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) if fmt == "yaml" else json.loads(text)
    except (OSError, ValueError, yaml.YAMLError) as e:
        raise UsageError(f"baseline {str(path)!r} is not valid {fmt.upper()}: {e}") from e
    return parse_baseline(data, str(path))


def load_baseline(source: Any) -> Baseline:
    """A Baseline from a file path, a parsed mapping, or a Baseline."""
    if isinstance(source, Baseline):
        return source
    if isinstance(source, (str, Path)):
        return read_baseline(source)
    if isinstance(source, Mapping):
        return parse_baseline(source)
    raise UsageError(f"a baseline must be a .yaml/.json path or a mapping, got {type(source).__name__}")


# ---------------------------------------------------------------------------------------------
# writing


def baseline_from_run(measured: Measured, *, previous: Baseline | None = None, names: list[str] | None = None,
                      relative: float | None = None, absolute: float | None = None, significant: bool | None = None,
                      alpha: float | None = None, resamples: int | None = None, seed: int | None = None) -> tuple[Baseline, dict[str, str]]:
    """A baseline holding ``measured``'s figures; returns it and ``{figure: why it was left out}``.

    Figures: ``names``, else those of ``previous``, else every primary figure of the run; a figure of
    ``previous`` this run cannot measure (no weights here) keeps its previous entry. Tolerances:
    the arguments when given, else ``previous``'s for that figure, else ``relative`` 1 %.
    ``significant`` figures get the run's per-video values (which needs its rows).
    """
    if names:
        wanted = [canonical_name(n) for n in names]
    elif previous is not None:
        wanted = list(previous.metrics)
    else:
        wanted = [n for n, f in measured.figures.items() if f.primary]
    tolerance_given = relative is not None or absolute is not None
    specs: dict[str, MetricSpec] = {}
    left_out: dict[str, str] = {}
    for name in wanted:
        fig = measured.figure(name)
        old = previous.metrics.get(name) if previous is not None else None
        why = None
        if fig is None:
            why = "not measured in this run"
        elif fig.value != fig.value:  # NaN
            why = measured.unavailable.get(fig.metric) or fig.reason or "no value"
        if why is not None:
            if old is not None:  # e.g. weights missing here but present in CI: keep what the file says
                specs[name] = old
                why = f"kept the previous entry ({why})"
            left_out[name] = why
            continue
        sig = significant if significant is not None else (old.significant if old else False)
        if sig and fig.reducer == "corpus":
            left_out[name] = "a corpus figure has no per-video values for a paired test; give it a tolerance"
            sig = False
        spec = MetricSpec(name=name, value=float(fig.value), higher_is_better=fig.higher_is_better,
                          n_videos=int(fig.n_videos), alpha=old.alpha if old else None)
        if not sig:
            if tolerance_given:
                spec = replace(spec, relative=relative, absolute=absolute)
            elif old is not None and (old.relative is not None or old.absolute is not None):
                spec = replace(spec, relative=old.relative, absolute=old.absolute)
            else:
                spec = replace(spec, relative=DEFAULT_RELATIVE)
        else:
            per = measured.per_video(fig)
            spec = replace(spec, significant=True, per_video=dict(zip(per["video_id"], map(float, per["value"]))))
            if len(spec.per_video) < 2:
                left_out[name] = f"only {len(spec.per_video)} video(s) have a value; a paired test needs 2"
                continue
        specs[name] = spec
    if not specs:
        raise UsageError(f"no figure of {measured.source} can go into a baseline: "
                         + "; ".join(f"{k}: {v}" for k, v in left_out.items()))
    base = previous or Baseline({})
    created = {"source": measured.source, **measured.info, "n_videos": measured.n_videos}
    return Baseline(specs, alpha=alpha if alpha is not None else base.alpha,
                    resamples=resamples if resamples is not None else base.resamples,
                    seed=seed if seed is not None else base.seed, created_from=created), left_out


def to_data(baseline: Baseline) -> dict:
    """The file content of ``baseline`` (plain data; None fields left out)."""
    metrics = {}
    for name, s in baseline.metrics.items():
        d: dict[str, Any] = {}
        if s.value is not None:
            d["value"] = s.value
        if s.higher_is_better is not None:
            d["direction"] = "higher" if s.higher_is_better else "lower"
        for key in ("absolute", "relative", "alpha", "n_videos"):
            if getattr(s, key) is not None:
                d[key] = getattr(s, key)
        if s.significant:
            d["significant"] = True
            d["per_video"] = dict(s.per_video or {})
        metrics[name] = d
    return {"format": FORMAT, "created_from": dict(baseline.created_from), "alpha": baseline.alpha,
            "bootstrap": {"resamples": baseline.resamples, "seed": baseline.seed}, "metrics": metrics}


def write_baseline(baseline: Baseline, path: str | Path) -> Path:
    """Write ``baseline`` as YAML or JSON (by suffix), atomically; values round-trip exactly."""
    path = Path(path)
    fmt = _format_of(path)
    data = to_data(baseline)
    if fmt == "yaml":
        text = "# slvg-bench baseline: `slvg-bench check RUN --baseline THIS` compares a run with it;\n" \
               "# rerun with --write-baseline to accept new numbers.\n" + yaml.safe_dump(data, sort_keys=False,
                                                                                        allow_unicode=True)
    else:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    from slvg_bench.outputs import write_text_atomic

    write_text_atomic(path, text)  # a full or read-only disk: one line naming the file
    return path
