"""leaderboards/reported.csv holds every number of the paper's Tables 1–4, nothing else."""

import csv
from collections import Counter
from pathlib import Path

REPORTED = Path(__file__).resolve().parents[2] / "leaderboards" / "reported.csv"


def rows():
    with open(REPORTED, newline="") as f:
        return list(csv.DictReader(f))


def test_every_cell_of_tables_1_to_4():
    r = rows()
    cells = Counter((x["table"], x["method"], x["variant"], x["dataset"], x["split"]) for x in r)
    # Table 1: MRAA/TPSMM/PGMM × LSA64, WLASL test × 5 metrics (no WER)
    for m in ("mraa", "tpsmm", "pgmm"):
        for d in ("lsa64", "wlasl"):
            assert cells[("1", m, "full" if m == "pgmm" else "", d, "test")] == 5
    # Tables 2, 3: 4 methods × dev/test × 6 metrics
    for t, d in (("2", "phoenix"), ("3", "csl")):
        for m in ("dynast", "mraa", "tpsmm", "pgmm"):
            for s in ("dev", "test"):
                assert cells[(t, m, "full" if m == "pgmm" else "", d, s)] == 6
    # Table 4: 6 ablation rows × dev/test × 6 metrics
    for v in ("baseline", "+pose", "+pfm", "+pfm+lpd", "+pfm+lalign", "full"):
        for s in ("dev", "test"):
            assert cells[("4", "pgmm", v, "phoenix", s)] == 6
    assert len(r) == 30 + 48 + 48 + 72
    assert all(x["source"] == f"PGMM paper, Table {x['table']}" for x in r)


def test_values_are_numbers_in_plausible_ranges():
    for x in rows():
        v = float(x["value"])
        lo, hi = {"l1": (0, 0.1), "ssim": (0.5, 1), "lpips": (0, 0.3), "fvd": (50, 700), "tcd": (0, 1), "wer": (30, 100)}[x["metric"]]
        assert lo <= v <= hi, x


def test_tables_agree_where_they_repeat():
    """Table 4's baseline is TPSMM and its full model is PGMM of Table 2."""
    r = rows()
    val = {(x["table"], x["method"], x["variant"], x["split"], x["metric"]): x["value"] for x in r}
    for s in ("dev", "test"):
        for m in ("l1", "ssim", "lpips", "fvd", "tcd", "wer"):
            assert val[("4", "pgmm", "baseline", s, m)] == val[("2", "tpsmm", "", s, m)]
            assert val[("4", "pgmm", "full", s, m)] == val[("2", "pgmm", "full", s, m)]
