"""Counts, common sets, intervals, paired tests and signatures in aggregates and leaderboards
(issue 17, items 1–3), on small result sets written the way `slvg-bench run` writes them."""

import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console

from slvg_bench import results
from slvg_bench.leaderboard import Entry, render_markdown, write_leaderboard
from slvg_bench.metrics.l1 import L1
from slvg_bench.metrics.tcd import TCD, TCDOptions
from slvg_bench.scoring import MetricOptions
from slvg_bench.stats import BootstrapOptions

IDS = [f"s1_v{i}" for i in range(8)]
FRAMES = [20, 30, 25, 40, 18, 33, 27, 22]
B = BootstrapOptions(resamples=2000)


def make_rows(method: str, l1: list, tcd: list) -> pd.DataFrame:
    """Result rows of one run; a None tcd is a video TCD skipped (NaN + reason), as a too-short video."""
    ctx = results.RunContext(f"{method}-run", method=method, dataset="synthsign", split="test",
                             task="reconstruction", config_hash=f"h-{method}")
    schema = results.RowSchema(("l1", "tcd", "tcd-target"))
    rows = []
    for vid, n, a, t in zip(IDS, FRAMES, l1, tcd):
        skip = "TCD needs at least 3 frames"
        reasons = {} if t is not None else {"tcd": skip, "tcd-target": skip}
        values = {"l1": a} if t is None else {"l1": a, "tcd": t, "tcd-target": 0.05}
        rows.append(results.make_row(ctx, schema, vid, n, values=values, reasons=reasons))
    return pd.DataFrame(rows)


def write_run(runs: Path, method: str, l1: list, tcd: list, options: MetricOptions | None = None) -> list:
    """A run directory as the runner writes it: results.parquet (provenance) + aggregate.csv/json."""
    options = options or MetricOptions()
    out = runs / method
    rows = make_rows(method, l1, tcd)
    prov = {"config_hash": f"h-{method}", "config": {"options": {"tcd": {"threshold": options.tcd.threshold}}}}
    results.write_rows(rows, out / "results.parquet", prov)
    entries = results.aggregate(rows, [L1, TCD], options, bootstrap=B)
    summary = {"method": method, "label": method, "dataset": "synthsign", "split": "test", "task": "reconstruction",
               "n_expected": len(IDS), "n_ok": len(IDS), "finished_at": "2025-01-01T00:00:00Z"}
    results.write_aggregate(entries, summary, prov, out / "aggregate.csv", out / "aggregate.json")
    return entries


def header_cells(md: str) -> list[str]:
    return [c.strip() for c in md.splitlines()[2].split("|")[1:-1]]


def row_cells(md: str, method: str) -> list[str]:
    line = next(line for line in md.splitlines() if line.startswith(f"| {method} |"))
    return [c.strip() for c in line.split("|")[1:-1]]


def cell(md: str, method: str, column: str) -> str:
    heads = header_cells(md)
    return row_cells(md, method)[next(i for i, h in enumerate(heads) if h.split(" ")[0] == column)]


def rng_values(seed: int, loc: float, n: int = len(IDS)) -> list:
    return list(np.random.default_rng(seed).normal(loc, 0.004, n).clip(0.001))


def test_aggregate_carries_n_per_metric_intervals_and_signatures(tmp_path):
    tcd = [0.2, 0.21, None, 0.19, 0.22, 0.2, 0.18, 0.21]  # one video skipped by TCD only
    entries = {e.name: e for e in write_run(tmp_path, "m", rng_values(0, 0.02), tcd)}
    assert entries["l1"].n_videos == 8 and entries["tcd"].n_videos == 7 and entries["tcd"].n_missing == 1
    # the interval is over the videos the metric scored, frame-weighted where the figure is
    assert entries["l1"].ci_low < entries["l1"].value < entries["l1"].ci_high
    assert entries["tcd"].ci_low < entries["tcd"].value < entries["tcd"].ci_high
    assert entries["l1"].signature == "l1|v:1|frames|range:[0,1]|rgb|n:8"
    assert entries["l1 [video mean]"].signature == "l1|v:1|videos|range:[0,1]|rgb|n:8"
    assert entries["tcd"].signature == "tcd|v:1|videos|thr:0.5|scale:255|reduce:elements|n:7"
    data = json.loads((tmp_path / "m" / "aggregate.json").read_text())
    record = next(r for r in data["aggregate"] if r["name"] == "tcd")
    assert record["signature"].endswith("|n:7") and record["n_videos"] == 7 and record["ci_level"] == 0.95
    table = pd.read_csv(tmp_path / "m" / "aggregate.csv").set_index("name")
    assert table.loc["tcd", "n_videos"] == 7 and table.loc["l1", "n_videos"] == 8
    assert {"ci_low", "ci_high", "signature"} <= set(table.columns)
    # the console table shows the interval and says the figures are over different videos
    from slvg_bench.report import print_aggregate

    buf = io.StringIO()
    print_aggregate(Console(file=buf, width=300, no_color=True), "t", list(entries.values()), {})
    text = buf.getvalue()
    assert "95% CI" in text and "over different videos" in text and "l1 8, tcd 7" in text


def test_leaderboard_compares_on_the_common_set_and_says_so(tmp_path):
    runs = tmp_path / "runs"
    tcd_a = [0.20, 0.21, 0.22, 0.19, 0.22, 0.20, 0.18, 0.90]
    tcd_b = [0.30, 0.31, 0.29, 0.33, 0.28, 0.30, 0.32, None]  # b's TCD skipped the last video
    write_run(runs, "m-a", rng_values(1, 0.02), tcd_a)
    write_run(runs, "m-b", rng_values(2, 0.03), tcd_b)
    csv_path, md_path, rows = write_leaderboard("synthsign", "test", "reconstruction", runs, tmp_path / "lb",
                                                include_reported=False, bootstrap=B)
    md = md_path.read_text()
    tcd_head = next(h for h in header_cells(md) if h.startswith("tcd ↓"))
    assert tcd_head.startswith("tcd ↓[^") and not next(h for h in header_cells(md) if h.startswith("l1 ")).count("[^")
    ref = tcd_head.split("[^")[1].rstrip("]")
    footnote = next(line for line in md.splitlines() if line.startswith(f"[^{ref}]:"))
    assert "compared on the 7 videos" in footnote and "m-a scored 8" in footnote and "m-b scored 7" in footnote
    a = next(e for e in rows if e.method == "m-a")
    assert a.values["tcd"] == pytest.approx(np.mean(tcd_a[:7]))  # recomputed without the outlier video
    assert a.counts["tcd"] == 7 and a.counts["l1"] == 8 and a.signatures["tcd"].endswith("|n:7")
    table = pd.read_csv(csv_path).set_index("method")
    assert table.loc["m-a", "tcd:n"] == 7 and table.loc["m-b", "tcd:n"] == 7 and table.loc["m-a", "l1:n"] == 8
    assert table.loc["m-a", "tcd:lo"] < table.loc["m-a", "tcd"] < table.loc["m-a", "tcd:hi"]
    assert "on the 7 common videos" in table.loc["m-a", "note"]
    # b is far worse on both: tested against a, not bold; a is bold with its interval
    assert table.loc["m-b", "tcd:p"] < 0.05 and pd.isna(table.loc["m-a", "tcd:p"])
    assert cell(md, "m-a", "tcd").startswith("**0.2") and "±" in cell(md, "m-a", "tcd")
    assert "**" not in cell(md, "m-b", "tcd")


def test_methods_not_significantly_different_are_both_bold(tmp_path):
    runs = tmp_path / "runs"
    base = rng_values(3, 0.02)
    tcd = [0.2] * 8
    write_run(runs, "m-a", base, tcd)
    write_run(runs, "m-b", [v + d for v, d in zip(base, [4e-4, -3e-4, 2e-4, -1e-4, 3e-4, -2e-4, 1e-4, 0.0])], tcd)
    write_run(runs, "m-c", [v + 0.01 for v in base], tcd)  # worse on every video
    csv_path, md_path, _ = write_leaderboard("synthsign", "test", "reconstruction", runs, tmp_path / "lb",
                                             include_reported=False, bootstrap=B)
    md, table = md_path.read_text(), pd.read_csv(csv_path).set_index("method")
    best = table["l1"].astype(float).idxmin()
    other = "m-b" if best == "m-a" else "m-a"
    assert table.loc[other, "l1:p"] >= 0.05 and table.loc["m-c", "l1:p"] < 0.05
    assert cell(md, best, "l1").startswith("**") and cell(md, other, "l1").startswith("**")
    assert not cell(md, "m-c", "l1").startswith("**")
    # 8 videos and B = 2000 >= 2^8: the test enumerated every swap pattern, so m-c's p is the smallest
    # an exact test on 8 videos can give, 2/2^8
    assert table.loc["m-c", "l1:p"] == pytest.approx(2 / 256, rel=1e-4)


def test_bold_logic_from_p_values_and_sanity_rows_never_bold():
    rows = [Entry("a", "measured", {"l1": 0.010}), Entry("b", "measured", {"l1": 0.011}, p_values={"l1": 0.30}),
            Entry("c", "measured", {"l1": 0.012}, p_values={"l1": 0.01}),
            Entry("static", "measured", {"l1": 0.005}), Entry("paper", "reported", {"l1": 0.001}, note="x")]
    md = render_markdown(["l1"], rows, "synthsign", "test", "reconstruction")
    assert cell(md, "a", "l1") == "**0.01000**" and cell(md, "b", "l1") == "**0.01100**"
    assert cell(md, "c", "l1") == "0.01200" and cell(md, "static", "l1") == "0.00500"


def test_columns_measured_on_the_targets_are_never_bold():
    rows = [Entry("a", "measured", {"wer": 70.0, "wer-real": 12.0, "tcd-target": 0.05}),
            Entry("b", "measured", {"wer": 98.0, "wer-real": 12.0, "tcd-target": 0.05}, p_values={"wer": 0.02})]
    md = render_markdown(["wer", "wer-real", "tcd-target"], rows, "synthsign", "test", "reconstruction")
    assert cell(md, "a", "wer") == "**70.0**" and cell(md, "b", "wer") == "98.0"
    for c in ("wer-real", "tcd-target"):
        assert "**" not in cell(md, "a", c) + cell(md, "b", c)


def test_borderline_monte_carlo_decisions_are_marked():
    from slvg_bench.stats import monte_carlo_se

    assert monte_carlo_se(0.05, 20_000) == pytest.approx(math.sqrt(0.05 * 0.95 / 20_000))
    rows = [Entry("a", "measured", {"l1": 0.010}),
            Entry("b", "measured", {"l1": 0.011}, p_values={"l1": 0.0484}, borderline={"l1"}),
            Entry("c", "measured", {"l1": 0.012}, p_values={"l1": 0.001})]
    md = render_markdown(["l1"], rows, "synthsign", "test", "reconstruction",
                         options=BootstrapOptions(resamples=20_000))
    assert cell(md, "b", "l1") == "0.01100‡" and cell(md, "c", "l1") == "0.01200"
    assert "‡: a borderline decision" in md and "0.0015" in md and "uncorrected for multiple comparisons" in md
    plain = render_markdown(["l1"], rows[:1] + rows[2:], "synthsign", "test", "reconstruction")
    assert "‡" not in plain


@pytest.mark.parametrize("p, exact, flagged", [(0.0490, False, True), (0.0400, False, False), (0.0490, True, False)])
def test_compare_flags_monte_carlo_p_values_near_alpha_only(tmp_path, monkeypatch, p, exact, flagged):
    """compare() marks a Monte-Carlo p within 3 SE of alpha (3 x 0.0015 at R = 20 000); an exact p never."""
    from slvg_bench import comparison
    from slvg_bench.stats import RandomisationTest

    monkeypatch.setattr(comparison, "paired_test",
                        lambda a, b, options: RandomisationTest(a.value(), b.value(), p, a.n, exact, 20_000, 0))
    runs = tmp_path / "runs"
    write_run(runs, "m-a", rng_values(1, 0.02), [0.2] * 8)
    write_run(runs, "m-b", rng_values(2, 0.03), [0.2] * 8)
    _, md_path, rows = write_leaderboard("synthsign", "test", "reconstruction", runs, tmp_path / "lb",
                                         include_reported=False, bootstrap=BootstrapOptions(resamples=20_000))
    b = next(e for e in rows if e.method == "m-b")
    assert b.p_values["l1"] == p and ("l1" in b.borderline) == flagged
    assert ("‡" in md_path.read_text()) == flagged


def test_signatures_are_printed_under_the_table_and_mixed_ones_get_a_footnote(tmp_path):
    runs = tmp_path / "runs"
    tcd = [0.2, 0.21, 0.22, 0.19, 0.22, 0.2, 0.18, 0.21]
    write_run(runs, "m-a", rng_values(4, 0.02), tcd)
    write_run(runs, "m-b", rng_values(5, 0.02), [v + 0.1 for v in tcd], MetricOptions(tcd=TCDOptions(threshold=1.0)))
    csv_path, md_path, _ = write_leaderboard("synthsign", "test", "reconstruction", runs, tmp_path / "lb",
                                             include_reported=False, bootstrap=B)
    md = md_path.read_text()
    assert "- l1: `l1|v:1|frames|range:[0,1]|rgb|n:8`" in md
    assert "- tcd: 2 signatures[^" in md
    tcd_head = next(h for h in header_cells(md) if h.startswith("tcd ↓"))
    ref = tcd_head.split("[^")[1].rstrip("]")
    footnote = next(line for line in md.splitlines() if line.startswith(f"[^{ref}]:"))
    assert "different protocols" in footnote and "thr:0.5" in footnote and "thr:1" in footnote
    assert "**" not in cell(md, "m-a", "tcd") + cell(md, "m-b", "tcd")  # not the same measurement: no best
    assert pd.isna(pd.read_csv(csv_path).set_index("method").loc["m-b", "tcd:p"])


def test_rows_that_do_not_reproduce_the_aggregate_are_not_used(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs, "m-a", rng_values(6, 0.02), [0.2] * 8)
    write_run(runs, "m-b", rng_values(7, 0.02), [0.2] * 8)
    agg = runs / "m-b" / "aggregate.json"
    data = json.loads(agg.read_text())
    next(r for r in data["aggregate"] if r["name"] == "l1")["value"] = 0.5  # edited by hand: rows disagree
    agg.write_text(json.dumps(data))
    _, md_path, rows = write_leaderboard("synthsign", "test", "reconstruction", runs, tmp_path / "lb",
                                         include_reported=False, bootstrap=B)
    md = md_path.read_text()
    assert "do not reproduce its aggregate" in md
    assert "l1" not in next(e for e in rows if e.method == "m-b").p_values


def test_leaderboard_command_takes_resamples_and_seed(tmp_path):
    from slvg_bench.cli import cli

    runs = tmp_path / "runs"
    write_run(runs, "m-a", rng_values(8, 0.02), [0.2] * 8)
    r = CliRunner().invoke(cli, ["leaderboard", "-d", "synthsign", "--runs", str(runs), "--out", str(tmp_path / "lb"),
                                 "--no-reported", "--resamples", "500", "--seed", "3"])
    assert r.exit_code == 0, r.output
    assert "B = 500, seed 3" in r.stdout and "±" in r.stdout
    r = CliRunner().invoke(cli, ["leaderboard", "-d", "synthsign", "--runs", str(runs), "--out", str(tmp_path / "lb"),
                                 "--no-reported", "--resamples", "0"])
    assert r.exit_code == 0 and "±" not in r.stdout.split("Bold:")[0]


def test_bootstrap_settings_are_not_part_of_a_runs_identity():
    from slvg_bench.config import config_hash
    from slvg_bench.harness.config import RunConfig, hashed_fields

    a, b = RunConfig(method="static", dataset="synthsign"), RunConfig(method="static", dataset="synthsign")
    b.bootstrap = BootstrapOptions(resamples=50, seed=9)
    assert "bootstrap" not in hashed_fields(a) and config_hash(hashed_fields(a)) == config_hash(hashed_fields(b))
    assert math.isclose(a.bootstrap.level, 0.95)
