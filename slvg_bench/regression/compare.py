"""The verdict of every baselined figure, and whether the run passes (:func:`check`).

Per figure of the baseline, in order:

- **not checked** — the run did not measure it, or its metric is *unavailable* (missing weights:
  the reason names the install command). Never a pass in disguise: it is listed, and
  ``require`` (``--require``) makes it a failure.
- **no value** — the metric ran but gave NaN (too-short videos, no keypoints, …): a failure, the
  baseline expects a number.
- tolerance figures: **regressed** when the run is worse than ``value`` by more than the
  allowance (``max(absolute, relative × |value|)``), **improved** when better by more than it
  (passes; time to rewrite the baseline), else **ok**.
- ``significant: true`` figures: the paired bootstrap (:mod:`slvg_bench.bootstrap`) on the videos
  the run and the baseline share: **regressed** when p < α, else **ok** (**improved** when the
  opposite test is significant). Needs the run's per-video rows; a corpus figure (FVD, WER) has
  none and is a usage error.

Exit codes (:attr:`CheckReport.exit_code`): 0 nothing failed, 1 something did; usage problems
raise :class:`~slvg_bench.errors.UsageError` (2).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from slvg_bench.bootstrap import paired_bootstrap
from slvg_bench.errors import UsageError
from slvg_bench.regression.baseline import Baseline, MetricSpec
from slvg_bench.regression.measured import Measured, canonical_name
from slvg_bench.results import AggregateRow


@dataclass(frozen=True)
class Status:
    label: str
    fails: bool
    style: str  # rich style of the verdict cell


OK, IMPROVED, REGRESSED, NO_VALUE, NOT_CHECKED = "ok", "improved", "regressed", "no value", "not checked"
STATUSES: dict[str, Status] = {
    OK: Status("ok", False, "green"),
    IMPROVED: Status("improved", False, "bold green"),
    REGRESSED: Status("REGRESSED", True, "bold red"),
    NO_VALUE: Status("NO VALUE", True, "bold red"),
    NOT_CHECKED: Status("not checked", False, "yellow"),
}


@dataclass
class Verdict:
    """One figure: expected, measured, ``delta`` = measured − expected, the tolerance and the outcome."""

    name: str
    status: str
    higher_is_better: bool | None = None
    expected: float | None = None
    measured: float | None = None
    delta: float | None = None
    tolerance: str = ""
    note: str = ""
    p_value: float | None = None
    required: bool = False

    @property
    def failed(self) -> bool:
        return STATUSES[self.status].fails or (self.status == NOT_CHECKED and self.required)

    @property
    def label(self) -> str:
        text = STATUSES[self.status].label
        return f"{text.upper()} (required)" if self.status == NOT_CHECKED and self.required else text

    @property
    def outcome(self) -> str:
        """Lower-case outcome for one-line summaries (``regressed``, ``required, not checked``)."""
        return "required, not checked" if self.status == NOT_CHECKED and self.required else self.status

    @property
    def relative_delta(self) -> float | None:
        if self.delta is None or not self.expected:
            return None
        return self.delta / abs(self.expected)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["failed"] = self.failed
        d["verdict"] = self.label
        d["direction"] = None if self.higher_is_better is None else ("higher" if self.higher_is_better else "lower")
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


@dataclass
class CheckReport:
    verdicts: list[Verdict]
    run: str
    baseline: str

    @property
    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.failed]

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for v in self.verdicts:
            out[v.status] = out.get(v.status, 0) + 1
        return out

    def summary_line(self) -> str:
        n = len(self.verdicts)
        parts = [f"{c} {s}" for s, c in self.counts().items()]
        if self.passed:
            return f"passed: {n} figure(s) checked against {self.baseline} ({', '.join(parts)})"
        names = ", ".join(f"{v.name} ({v.outcome})" for v in self.failed)
        return f"{len(self.failed)} of {n} figure(s) failed against {self.baseline}: {names}"

    def to_dict(self) -> dict:
        return {"passed": self.passed, "exit_code": self.exit_code, "run": self.run, "baseline": self.baseline,
                "counts": self.counts(), "metrics": [v.to_dict() for v in self.verdicts]}


def check(measured: Measured, baseline: Baseline, *, require=(), alpha: float | None = None,
          resamples: int | None = None, seed: int | None = None) -> CheckReport:
    """Compare ``measured`` with ``baseline`` (module docstring).

    ``require``: figure names that fail when not checked (also when absent from the baseline).
    ``alpha``/``resamples``/``seed`` override the baseline's defaults for paired tests.
    """
    required = {canonical_name(r) for r in require}
    verdicts = []
    for name, spec in baseline.metrics.items():
        v = _verdict(spec, measured, baseline, alpha, resamples, seed)
        v.required = name in required
        verdicts.append(v)
    for name in sorted(required - set(baseline.metrics), key=str):
        fig = measured.figure(name)
        note = "not in the baseline (add it with --write-baseline --metric NAME)"
        if fig is not None and fig.metric in measured.unavailable:
            note += f"; {_unavailable_note(measured.unavailable[fig.metric])}"
        verdicts.append(Verdict(name, NOT_CHECKED, fig.higher_is_better if fig else None,
                                measured=_finite(fig.value) if fig else None, note=note, required=True))
    return CheckReport(verdicts, measured.source, baseline.label)


def _unavailable_note(reason: str) -> str:
    return reason if "unavailable" in reason else f"unavailable: {reason}"


def _finite(x) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _direction(spec: MetricSpec, fig: AggregateRow) -> bool:
    if spec.higher_is_better is not None and spec.higher_is_better != fig.higher_is_better:
        said = "higher" if spec.higher_is_better else "lower"
        raise UsageError(f"baseline figure {spec.name!r} says {said} is better, but the run's {fig.metric} "
                         f"is {'higher' if fig.higher_is_better else 'lower'}-is-better")
    return fig.higher_is_better


def _verdict(spec: MetricSpec, measured: Measured, baseline: Baseline, alpha, resamples, seed) -> Verdict:
    fig = measured.figure(spec.name)
    base = Verdict(spec.name, NOT_CHECKED, spec.higher_is_better, expected=spec.value,
                   tolerance=spec.tolerance_text(alpha if alpha is not None else baseline.alpha))
    if fig is None:
        base.note = "not measured in this run"
        return base
    base.higher_is_better = _direction(spec, fig)
    if fig.metric in measured.unavailable:
        base.note = _unavailable_note(measured.unavailable[fig.metric])
        return base
    if not math.isfinite(fig.value):
        base.status, base.note = NO_VALUE, fig.reason or "the metric gave no value"
        return base
    base.measured = float(fig.value)
    if spec.value is not None:
        base.delta = base.measured - spec.value
    notes = []
    if spec.n_videos is not None and fig.n_videos != spec.n_videos:
        notes.append(f"{fig.n_videos} videos, baseline {spec.n_videos}")
    if spec.significant:
        _paired(base, spec, fig, measured, baseline, alpha, resamples, seed, notes)
    else:
        worse = base.delta if not base.higher_is_better else -base.delta
        allowance = spec.allowance()
        base.status = REGRESSED if worse > allowance else IMPROVED if -worse > allowance else OK
        if base.status == IMPROVED:
            notes.append("better than the tolerance: rewrite the baseline (--write-baseline) to keep the gain")
    base.note = "; ".join(notes)
    return base


def _paired(v: Verdict, spec: MetricSpec, fig: AggregateRow, measured: Measured, baseline: Baseline,
            alpha, resamples, seed, notes: list[str]) -> None:
    if fig.reducer == "corpus":
        raise UsageError(f"baseline figure {spec.name!r}: significant: true needs per-video values, and "
                         f"{spec.name} is a corpus figure; give it value: and absolute:/relative: instead")
    level = alpha if alpha is not None else (spec.alpha if spec.alpha is not None else baseline.alpha)
    run = measured.per_video(fig).set_index("video_id")
    shared = [vid for vid in spec.per_video or {} if vid in run.index]
    if len(shared) < 2:
        v.status = NOT_CHECKED
        notes.append(f"only {len(shared)} of the baseline's {len(spec.per_video or {})} videos have a value in "
                     "this run; a paired test needs 2")
        return
    weights = run.loc[shared, "n_frames"].to_numpy() if fig.reducer == "frame-weighted mean" else None
    test = paired_bootstrap(run.loc[shared, "value"].to_numpy(), [spec.per_video[k] for k in shared],
                            higher_is_better=v.higher_is_better, weights=weights,
                            resamples=resamples or baseline.resamples,
                            seed=seed if seed is not None else baseline.seed, alpha=level)
    v.p_value = test.p_value
    if spec.value is None:
        v.delta = test.delta
    if test.worse:
        v.status = REGRESSED
    else:
        better = paired_bootstrap(run.loc[shared, "value"].to_numpy(), [spec.per_video[k] for k in shared],
                                  higher_is_better=not v.higher_is_better, weights=weights,
                                  resamples=test.resamples, seed=test.seed, alpha=level)
        v.status = IMPROVED if better.worse else OK
    notes.append(f"paired Δ {test.delta:+.4g} on {test.n} videos, p = {test.p_value:.3g}")
    if test.n < len(spec.per_video or {}):
        notes.append(f"{len(spec.per_video) - test.n} baseline videos not in this run")
