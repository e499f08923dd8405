"""An FVD from an I3D file that is not the official one (installed with `weights add`, status
'unverified', git blob SHA-1 differs from upstream's) is flagged on the console, in the run's
aggregate table/files, by `slvg-bench fvd`, and as a leaderboard footnote — never an ordinary number."""

import dataclasses
import io
import json

import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from rich.console import Console

from slvg_bench import weights
from slvg_bench.evaluate import evaluate
from slvg_bench.metrics.fvd import STATE_UPSTREAM, FVD, upstream_check
from slvg_bench.metrics.i3d import InceptionI3d
from slvg_bench.metrics.i3d_loading import load_extractor
from tests.metrics.test_evaluate import cfg, make_folders
from tests.metrics.test_fvd import tiny_extractor

WARNING = "NOT THE OFFICIAL I3D"


@pytest.fixture
def unofficial_extractor(tmp_path):
    """A state dict in the official i3d_pretrained_400.pt layout (random weights), installed with
    `weights add`, loaded the normal way; its forward swapped for a cheap stand-in (the check under
    test is the file's, the network's numbers do not matter here)."""
    path = tmp_path / "i3d_pretrained_400.pt"
    torch.save(InceptionI3d(400, in_channels=3).state_dict(), path)
    weights.add("i3d.k400-tats", path)
    assert weights.status("i3d.k400-tats") == "unverified"
    ext = load_extractor("tats")
    assert ext.matches_upstream is False
    return dataclasses.replace(ext, forward=tiny_extractor().forward)


def scored(tmp_path, extractor, name="a"):
    pred, target, _ = make_folders(tmp_path / name, n=3, t=16)
    kwargs = {"fvd-i3d-k400": {"extractor": extractor, "cache_root": tmp_path / "cache"}}
    return evaluate(cfg(pred, target, metrics=("fvd", "l1")), tmp_path / name / "r.parquet", progress=False,
                    metric_kwargs=kwargs)


def test_unofficial_file_is_stored_per_row_and_flagged_in_the_aggregate(tmp_path, unofficial_extractor):
    res = scored(tmp_path, unofficial_extractor)
    assert set(res.rows[STATE_UPSTREAM]) == {"unofficial"}
    fvd = next(e for e in res.aggregate if e.metric == "fvd-i3d-k400")
    assert fvd.value == fvd.value and fvd.details["matches_upstream_git_blob"] is False
    assert WARNING in fvd.warning and unofficial_extractor.tag in fvd.warning
    assert all(e.warning is None for e in res.aggregate if e.metric != "fvd-i3d-k400")
    table = pd.read_csv(res.csv_path).set_index("name")
    assert WARNING in table.loc["fvd-i3d-k400", "warning"] and pd.isna(table.loc["l1", "warning"])
    record = next(a for a in json.loads(res.json_path.read_text())["aggregate"] if a["name"] == "fvd-i3d-k400")
    assert WARNING in record["warning"]
    # recomputed from the stored rows alone (what `slvg-bench check` and a re-aggregation see)
    again = FVD.compute_corpus(pd.read_parquet(tmp_path / "a" / "r.parquet"))
    assert WARNING in again.warning


def test_official_and_unknown_files_carry_no_warning(tmp_path, unofficial_extractor):
    official = dataclasses.replace(unofficial_extractor, matches_upstream=True)
    fvd = scored(tmp_path, official, "o").aggregate[0]
    assert fvd.warning is None and fvd.details["matches_upstream_git_blob"] is True
    fvd = scored(tmp_path, tiny_extractor(), "u").aggregate[0]  # no published digest to compare with
    assert fvd.warning is None and fvd.details["matches_upstream_git_blob"] is None
    old = pd.DataFrame({"status": ["ok"]})  # rows written before the check was stored
    assert upstream_check(old) == (None, None)


def test_console_table_marks_the_value_and_repeats_the_warning(tmp_path, unofficial_extractor):
    from slvg_bench.commands.evaluate import print_report

    res = scored(tmp_path, unofficial_extractor)
    buf = io.StringIO()
    print_report(Console(file=buf, width=400, no_color=True), res)
    text = buf.getvalue()
    fvd = next(e for e in res.aggregate if e.metric == "fvd-i3d-k400")
    row = next(line for line in text.splitlines() if line.lstrip("│ ").startswith("fvd-i3d-k400"))
    assert f"{fvd.value:.6g} !" in row and WARNING in row
    assert f"warning: fvd-i3d-k400 {fvd.value:.6g}: {WARNING}" in text


def test_fvd_command_warns_on_stderr(tmp_path, unofficial_extractor):
    from slvg_bench.cli import cli

    scored(tmp_path, unofficial_extractor)
    rows = str(tmp_path / "a" / "r.parquet")
    r = CliRunner().invoke(cli, ["fvd", rows, rows])
    assert r.exit_code == 0, r.output
    assert float(r.stdout) >= 0 and f"warning: {WARNING}" in r.stderr


def test_leaderboard_gives_the_value_a_footnote(tmp_path, unofficial_extractor):
    from slvg_bench.leaderboard import write_leaderboard

    for name, ext in (("official", dataclasses.replace(unofficial_extractor, matches_upstream=True)),
                      ("unofficial", unofficial_extractor)):
        res = scored(tmp_path, ext, name)
        data = json.loads(res.json_path.read_text())
        data["summary"].update(dataset="synthsign", split="test", task="reconstruction", label=f"m-{name}",
                               finished_at="2025-01-01T00:00:00Z")
        (tmp_path / "runs" / name).mkdir(parents=True)
        (tmp_path / "runs" / name / "aggregate.json").write_text(json.dumps(data))
    csv_path, md_path, _ = write_leaderboard("synthsign", "test", "reconstruction", tmp_path / "runs",
                                             tmp_path / "lb", include_reported=False)
    md = md_path.read_text()
    lines = {line.split("|")[1].strip(): line for line in md.splitlines() if line.startswith("| m-")}
    cells = {k: [c.strip() for c in v.split("|")] for k, v in lines.items()}
    column = [c.strip() for c in md.splitlines()[2].split("|")].index("fvd-i3d-k400 ↓")
    assert cells["m-unofficial"][column].endswith("[^1]") and "[^" not in cells["m-official"][column]
    footnote = next(line for line in md.splitlines() if line.startswith("[^1]:"))
    assert WARNING in footnote and "/tmp" not in footnote
    notes = pd.read_csv(csv_path).set_index("method")["note"]
    assert WARNING in notes["m-unofficial"] and pd.isna(notes["m-official"])
