"""Leaderboards: every run's aggregate for one (dataset, split, task), beside the paper's reported numbers.

``collect_runs`` reads ``aggregate.json`` files under a runs folder; ``build_table`` makes one
row per measured method (the newest run of each) and one per reported row of
``leaderboards/reported.csv`` (never mixed: a ``source`` column says measured or reported);
:func:`slvg_bench.comparison.compare` compares the measured rows of each column on the videos they
all scored (values, 95 % bootstrap intervals, ``n``, paired tests against the best, signatures);
``render_markdown`` shows ``value ± half-width``, bolds the best measured value per column together
with every method not significantly worse (paired test, p >= alpha), puts ↑/↓ in the header, the
metric conventions (FVD clips and covariance, TCD scale and threshold, WER procedure) and each
column's signature under the table, and footnotes for common sets and mixed signatures; a value
that carries a warning (an FVD from an I3D file that is not the official one) gets a footnote with
it, as an n/a gets its reason. The CSV has ``<metric>:lo``, ``:hi``, ``:n`` and ``:p`` columns. The
files are generated, never hand-edited.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

REPORTED_CSV = Path(__file__).resolve().parents[1] / "leaderboards" / "reported.csv"

# reported.csv metric names -> our metric ids (the paper's columns)
REPORTED_METRIC_IDS = {"l1": "l1", "ssim": "ssim", "lpips": "lpips-alex", "fvd": "fvd-i3d-k400", "tcd": "tcd", "wer": "wer"}
COLUMN_ORDER = ("l1", "ssim", "psnr", "lpips-alex", "fvd-i3d-k400", "tcd", "wer", "wer-real", "tcd-target", "l1-left-hand",
                "l1-right-hand", "l1-mouth", "ssim-left-hand", "ssim-right-hand", "ssim-mouth", "akd")
HIGHER_IS_BETTER = {"ssim", "psnr", "ssim-left-hand", "ssim-right-hand", "ssim-mouth"}
WARNING_SUFFIX = ":warning"  # Entry.details key of a figure's warning (aggregate "warning": an unofficial I3D)


@dataclass
class Entry:
    """One leaderboard row."""

    method: str
    source: str  # "measured" | "reported"
    values: dict[str, float]
    resolution: Optional[int] = None
    n_videos: Optional[int] = None
    note: str = ""
    run_dir: str = ""
    finished_at: str = ""
    details: dict = field(default_factory=dict)
    n_expected: Optional[int] = None  # videos the run expected (more than n_videos: an incomplete run)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # column -> 95 % interval (lo, hi)
    counts: dict[str, int] = field(default_factory=dict)  # column -> videos the value is over
    p_values: dict[str, float] = field(default_factory=dict)  # column -> paired test against the column's best
    signatures: dict[str, str] = field(default_factory=dict)  # column -> signature (slvg_bench.signatures)
    figure_info: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (metric id, reducer)
    notes_by_column: dict[str, str] = field(default_factory=dict)  # column -> note for the CSV (common set)
    borderline: set = field(default_factory=set)  # columns whose Monte-Carlo p lies within 3 SE of alpha

    @property
    def incomplete(self) -> bool:
        return self.n_expected is not None and self.n_videos is not None and self.n_videos < self.n_expected

    def warning(self, column: str) -> str | None:
        """The warning attached to this row's value of ``column`` (None when there is none)."""
        return self.details.get(column + WARNING_SUFFIX)


class SkippedRunWarning(UserWarning):
    """An ``aggregate.json`` under the runs folder that could not be read (named, never silently skipped)."""


def collect_runs(runs_dir: str | Path, dataset: str, split: str, task: str) -> list[Entry]:
    """The newest measured run of every method under ``runs_dir`` for (dataset, split, task);
    methods by name, then the sanity rows. Unreadable ``aggregate.json`` files are skipped with a
    :class:`SkippedRunWarning` naming them."""
    import warnings

    best: dict[str, Entry] = {}
    for path in sorted(Path(runs_dir).rglob("aggregate.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("summary"), dict):
                raise ValueError("it has no 'summary' object")
            if not isinstance(data.get("aggregate", []), list):
                raise ValueError("its 'aggregate' is not a list")
        except (OSError, ValueError) as e:
            warnings.warn(f"skipped {str(path)!r}: not a readable slvg-bench aggregate ({e})", SkippedRunWarning,
                          stacklevel=2)
            continue
        s = data.get("summary", {})
        if (s.get("dataset"), s.get("split"), s.get("task")) != (dataset, split, task):
            continue
        values, details, intervals, counts, signatures, info = {}, {}, {}, {}, {}, {}
        for a in data.get("aggregate", []):
            if a.get("primary", True):
                values[a["column"]] = math.nan if a.get("value") is None else float(a["value"])
                info[a["column"]] = (a.get("metric", a["column"]), a.get("reducer", "video mean"))
                if a.get("n_videos") is not None:
                    counts[a["column"]] = int(a["n_videos"])
                if a.get("ci_low") is not None and a.get("ci_high") is not None:
                    intervals[a["column"]] = (float(a["ci_low"]), float(a["ci_high"]))
                if a.get("signature"):
                    signatures[a["column"]] = a["signature"]
                if a.get("reason"):
                    details[a["column"]] = a["reason"]
                if a.get("warning"):
                    details[a["column"] + WARNING_SUFFIX] = a["warning"]
                if a.get("reducer") == "corpus":
                    details[a["column"] + ":protocol"] = a.get("details", {})
        prov = data.get("provenance", {})
        n = max((a.get("n_videos", 0) for a in data.get("aggregate", [])), default=0)
        n_expected = s.get("n_expected")
        if n_expected is not None and "n_ok" in s:
            n = int(s["n_ok"])
        e = Entry(method=s.get("label") or s.get("method", "?"), source="measured", values=values,
                  resolution=prov.get("config", {}).get("resolution"), n_videos=n, run_dir=str(path.parent),
                  finished_at=s.get("finished_at", ""), details={**details, "provenance": prov},
                  n_expected=int(n_expected) if n_expected is not None else None, intervals=intervals,
                  counts=counts, signatures=signatures, figure_info=info)
        if e.incomplete:
            e.note = f"incomplete: {e.n_videos} of {e.n_expected} videos scored"
        if e.method not in best or e.finished_at > best[e.method].finished_at:
            best[e.method] = e
    return sorted(best.values(), key=lambda e: (is_sanity(e.method), e.method))  # sanity rows last


def reported_entries(dataset: str, split: str, task: str, path: Path = REPORTED_CSV) -> list[Entry]:
    """The paper's rows for (dataset, split, task); Table 4 ablation rows are labelled by variant."""
    rows: dict[tuple, Entry] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if (r["dataset"], r["split"], r["task"]) != (dataset, split, task):
                continue
            label = r["method"] if r["table"] != "4" else f"pgmm {r['variant']}"
            key = (r["table"], label)
            e = rows.setdefault(key, Entry(method=label, source="reported", values={}, resolution=128,
                                           note=r["source"]))
            value = float(r["value"])
            e.values[REPORTED_METRIC_IDS[r["metric"]]] = value
    return list(rows.values())


def build_table(measured: list[Entry], reported: list[Entry]) -> tuple[list[str], list[Entry]]:
    """(metric columns in display order, rows: measured first, then reported)."""
    present = {c for e in measured + reported for c in e.values}
    columns = [c for c in COLUMN_ORDER if c in present] + sorted(present - set(COLUMN_ORDER))
    return columns, measured + reported


def _fmt(v: float, column: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if column in ("wer", "wer-real"):
        return f"{v:.1f}"
    if column.startswith("fvd"):
        return f"{v:.3f}"
    if column == "psnr":
        return f"{v:.2f}"
    return f"{v:.5f}" if abs(v) < 0.1 else f"{v:.4f}"


def is_sanity(method: str) -> bool:
    """True for the bracketing sanity methods (``static``, ``oracle``): never marked best."""
    from slvg_bench.methods import METHODS

    return method in METHODS.names() and METHODS.get(method).sanity


def portable_reason(reason: str) -> str:
    """An unavailability reason without this machine's absolute paths (leaderboards are committed):
    ``"… is not installed at /root/x.pth; install …"`` -> ``"… is not installed; install …"``."""
    return re.sub(r" at /[^\s;,)]+", "", reason)


# Columns measured on the real target videos, not on a method's output: the same for every method
# (the target's own TCD floor, the recogniser on the real videos), so never ranked, bolded or tested.
TARGET_COLUMNS = ("tcd-target", "wer-real")


def best_values(columns: list[str], rows: list[Entry]) -> dict[str, float]:
    """Best measured value per column (direction-aware), ignoring NaN, the sanity methods and the
    columns measured on the targets (:data:`TARGET_COLUMNS`)."""
    out = {}
    for c in columns:
        if c in TARGET_COLUMNS:
            continue
        vals = [e.values[c] for e in rows if e.source == "measured" and not is_sanity(e.method)
                and c in e.values and not math.isnan(e.values[c])]
        if vals:
            out[c] = max(vals) if c in HIGHER_IS_BETTER else min(vals)
    return out


def _fmt_end(v: float | None) -> str:
    """An interval end or p-value for the CSV (6 significant digits; empty when there is none)."""
    return "" if v is None or not math.isfinite(v) else f"{v:.6g}"


def write_csv(path: Path, columns: list[str], rows: list[Entry], dataset: str, split: str, task: str) -> None:
    """One line per row: each metric column ``c`` followed by ``c:lo``, ``c:hi`` (the 95 % interval),
    ``c:n`` (videos the value is over) and ``c:p`` (paired test against the column's best)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ["method", "source", "dataset", "split", "task", "resolution", "n_videos"]
    header += [h for c in columns for h in (c, f"{c}:lo", f"{c}:hi", f"{c}:n", f"{c}:p")] + ["note"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for e in rows:
            notes = [e.note] + [f"{c}: {e.warning(c)}" for c in columns if c in e.values and e.warning(c)]
            notes += [e.notes_by_column[c] for c in columns if c in e.notes_by_column]
            cells = []
            for c in columns:
                lo, hi = e.intervals.get(c, (None, None))
                n = e.counts.get(c) if e.source == "measured" and c in e.values else None
                cells += [_fmt(e.values.get(c, math.nan), c) if c in e.values else "", _fmt_end(lo), _fmt_end(hi),
                          "" if n is None else n, _fmt_end(e.p_values.get(c))]
            w.writerow([e.method, e.source, dataset, split, task, e.resolution or "", e.n_videos or "", *cells,
                        "; ".join(n for n in notes if n)])


class _Notes:
    """Footnotes ``[^k]``, numbered in the order they are first used."""

    def __init__(self):
        self.items: list[str] = []

    def ref(self, text: str) -> str:
        if text not in self.items:
            self.items.append(text)
        return f"[^{self.items.index(text) + 1}]"


BORDERLINE_MARK = "‡"


def _cell(e: Entry, c: str, bold: bool, notes: _Notes) -> str:
    if c not in e.values:
        return ""
    text = _fmt(e.values[c], c)
    if text != "n/a" and c in e.intervals:
        lo, hi = e.intervals[c]
        decimals = len(text.partition(".")[2])  # the half-width with the value's precision
        text += f" ± {(hi - lo) / 2:.{decimals}f}"
    if bold:
        text = f"**{text}**"
    if c in e.borderline:
        text += BORDERLINE_MARK
    if e.source == "measured" and text == "n/a" and c in e.details:
        text = f"n/a{notes.ref(portable_reason(e.details[c]))}"
    elif e.source == "measured" and text != "n/a" and e.warning(c):
        text = f"{text}{notes.ref(portable_reason(e.warning(c)))}"
    return text


def _signature_lines(columns: list[str], rows: list[Entry], notes: _Notes) -> list[str]:
    """One line per column under the table: its signature, or where it has several, a footnote."""
    out = []
    for c in columns:
        valued = [e for e in rows if e.source == "measured" and isinstance(e.values.get(c), float)
                  and not math.isnan(e.values[c])]
        sigs = {e.signatures[c] for e in valued if c in e.signatures}
        if not sigs:
            continue
        unsigned = [e.method for e in valued if c not in e.signatures]
        if len(sigs) == 1 and not unsigned:
            out.append(f"- {c}: `{next(iter(sigs))}`")
        else:
            listed = "; ".join(f"{e.method}: `{e.signatures.get(c, 'not recorded (aggregated before signatures)')}`"
                               for e in valued)
            what = f"{len(sigs)} signatures" if len(sigs) > 1 else f"`{next(iter(sigs))}`, not recorded for some rows"
            out.append(f"- {c}: {what}{notes.ref(f'{c}: signatures of the rows: {listed}')}")
    return out


def render_markdown(columns: list[str], rows: list[Entry], dataset: str, split: str, task: str,
                    stats: dict | None = None, options=None) -> str:
    """The leaderboard as Markdown; ``stats`` (the :class:`~slvg_bench.comparison.TableStats` of
    :func:`slvg_bench.comparison.compare`) adds the columns' footnotes and the table's notes;
    ``options`` (:class:`~slvg_bench.stats.BootstrapOptions`) the level and alpha.

    Bold: the best measured value of a column and every measured, non-sanity row whose paired test
    against it has ``p >= alpha`` — never in a column whose rows carry different signatures."""
    from slvg_bench.stats import BootstrapOptions

    from slvg_bench.comparison import TableStats

    options = options or BootstrapOptions()
    stats = stats or TableStats()
    best = best_values(columns, rows)
    arrow = {c: "↑" if c in HIGHER_IS_BETTER else "↓" for c in columns}
    notes = _Notes()  # distinct reasons for n/a cells and warnings on values first, then column notes
    body = []
    for e in rows:
        cells = []
        for c in columns:
            comparable = getattr(stats.get(c), "comparable", True)
            candidate = (e.source == "measured" and not is_sanity(e.method) and c in best and comparable
                         and c in e.values)
            bold = candidate and (e.values[c] == best[c] or e.p_values.get(c, -1.0) >= options.alpha)
            cells.append(_cell(e, c, bold, notes))
        source = "measured" if e.source == "measured" else f"reported ({e.note})"
        videos = f"{e.n_videos} of {e.n_expected} (incomplete)" if e.incomplete else (e.n_videos or "")
        body.append(f"| {e.method} | {source} | {e.resolution or ''} | {videos} | " + " | ".join(cells) + " |")
    heads = []
    for c in columns:
        refs = "".join(notes.ref(n) for n in getattr(stats.get(c), "notes", []))
        heads.append(f"{c} {arrow[c]}{refs}")
    lines = [f"# {dataset} · {split} · {task}", "",
             "| method | source | res. | videos | " + " | ".join(heads) + " |",
             "|---|---|---|---|" + "---:|" * len(columns), *body]
    level = f"{options.level:.0%}"
    lines += ["", f"Bold: the best measured value per column and every method not significantly worse than it "
              f"(two-sided paired approximate-randomisation test on the videos both scored, p ≥ {options.alpha:g}, "
              f"each method against the best only, uncorrected for multiple comparisons; "
              f"`<metric>:p` in the CSV). The sanity rows (`static` = every frame is the source image, `oracle` = "
              f"the target itself) bracket each metric and never take the mark. ± is half the width of the "
              f"{level} percentile bootstrap interval over videos (B = {options.resamples}, seed {options.seed}; "
              f"the ends are `<metric>:lo`/`:hi` in the CSV; FVD's is recentred, docs/statistics.md); "
              f"`videos` counts the videos a run scored, the signatures below the videos each column compares. "
              "Reported rows are the numbers printed in the PGMM paper (Shi et al., ECCV 2024) on the real "
              "dataset; they are never mixed with measured numbers.", ""]
    fvd = next((e.details.get("fvd-i3d-k400:protocol") for e in rows if e.details.get("fvd-i3d-k400:protocol")), None)
    wer = next(({k: p[k] for k in ("recognizer", "decoder", "convention") if p.get(k)}
                for e in rows for p in [e.details.get("wer:protocol") or {}] if p.get("recognizer")), None)
    conv = [
        "L1: mean |pred − target| on [0,1] RGB, frame-weighted over the split; SSIM: Wang et al. (Gaussian 11, σ 1.5, "
        "K1 0.01, K2 0.03), equal to skimage; PSNR: 10·log10(1/MSE) dB per frame on [0,1] RGB (equal to skimage, "
        "capped at 100 dB for identical frames), frame-weighted; LPIPS: lpips 0.1.4 AlexNet v0.1 on [-1,1].",
        "TCD (paper eq. 12–13): share of elements with |Î_t − ½(I_{t−1}+I_{t+1})| > 0.5 grey levels on the 0–255 "
        "scale; `tcd-target` is the target video's own value (its floor).",
        "WER: CorrNet recogniser, official scoring (PHOENIX/CSL rules, sclite 3/3/4 alignment, Σ errors / Σ "
        "reference glosses), in %; `wer-real` is the same recogniser on the real target videos (its ceiling; the gap "
        "is what the generator lost)" + (f"; this table: {json.dumps(wer, ensure_ascii=False)}" if wer else "."),
        "FVD: Kinetics-400 I3D logits, 16-frame clips, frames resized to 224×224, unbiased covariance"
        + (f"; this table: {json.dumps(fvd, ensure_ascii=False)}" if fvd else "."),
    ]
    lines += [f"- {c}" for c in conv]
    if any(e.borderline for e in rows):
        se = math.sqrt(options.alpha * (1 - options.alpha) / max(1, options.resamples))
        lines += ["", f"{BORDERLINE_MARK}: a borderline decision. Its p-value is a Monte-Carlo estimate from "
                  f"{options.resamples} randomisations (standard error {se:.2g} at p = {options.alpha:g}) and lies "
                  f"within three standard errors of {options.alpha:g}, so another seed could flip the bold; "
                  f"read it as p ≈ {options.alpha:g}."]
    if stats.notes:
        lines += ["", *stats.notes]
    signatures = _signature_lines(columns, rows, notes)
    if signatures:
        lines += ["", "Signatures (metric protocol, docs/statistics.md; `n` = the videos the column compares; "
                  "reported rows have none):", "", *signatures]
    if notes.items:
        lines += [""] + [f"[^{i + 1}]: {n}" for i, n in enumerate(notes.items)]
    return "\n".join(lines) + "\n"


def write_leaderboard(dataset: str, split: str, task: str, runs_dir: str | Path, out_dir: str | Path,
                      include_reported: bool = True, bootstrap=None) -> tuple[Path, Path, list[Entry]]:
    """Collect, compare (:func:`slvg_bench.comparison.compare`; ``bootstrap``: its
    :class:`~slvg_bench.stats.BootstrapOptions`) and write ``<out>/<dataset>_<split>_<task>.csv`` and ``.md``."""
    from slvg_bench.comparison import compare
    from slvg_bench.errors import SlvgError
    from slvg_bench.stats import BootstrapOptions

    options = (bootstrap or BootstrapOptions()).validate()
    measured = collect_runs(runs_dir, dataset, split, task)
    reported = reported_entries(dataset, split, task) if include_reported else []
    if not measured and not reported:
        raise SlvgError(f"no runs for {dataset}/{split}/{task} under {str(runs_dir)!r} and no reported numbers; "
                        f"run `slvg-bench run --method M --dataset {dataset} --split {split}` first")
    columns, rows = build_table(measured, reported)
    stats = compare(columns, rows, options)
    out_dir = Path(out_dir)
    stem = f"{dataset}_{split}_{task}"
    csv_path, md_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.md"
    from slvg_bench.errors import output_error

    markdown = render_markdown(columns, rows, dataset, split, task, stats, options)
    for path, write in ((csv_path, lambda: write_csv(csv_path, columns, rows, dataset, split, task)),
                        (md_path, lambda: md_path.write_text(markdown, encoding="utf-8"))):
        try:
            write()
        except OSError as e:
            raise output_error(path, e) from e
    return csv_path, md_path, rows
