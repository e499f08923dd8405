import math

import numpy as np
import pandas as pd
import pytest

from slvg_bench.metrics.l1 import L1
from slvg_bench.metrics.ssim import SSIM
from slvg_bench.results import (
    RowSchema,
    ResultStore,
    RunContext,
    aggregate,
    deduplicate,
    make_row,
    read_provenance,
)

CTX = RunContext("run-1", method="m", dataset="d", task="t", code_version="0.1.0", config_hash="abc")
SCHEMA = RowSchema(("l1", "ssim"))


def row(vid, n, l1, ssim=0.5, status="ok", **kw):
    return make_row(CTX, SCHEMA, vid, n, status, values={"l1": l1, "ssim": ssim}, **kw)


def test_rows_have_every_column_and_never_a_nan_without_reason():
    r = make_row(CTX, SCHEMA, "v", 3, values={"l1": 0.1}, reasons={"ssim": "too small"})
    assert tuple(r) == SCHEMA.columns
    assert r["ssim"] != r["ssim"] and r["ssim_reason"] == "too small" and r["l1_reason"] is None
    failed = make_row(CTX, SCHEMA, "w", 0, "failed", "unreadable")
    assert math.isnan(failed["l1"]) and failed["l1_reason"] == "unreadable"
    inf = make_row(CTX, SCHEMA, "x", 1, values={"l1": float("inf"), "ssim": 1.0})
    assert math.isnan(inf["l1"]) and "non-finite" in inf["l1_reason"]
    with pytest.raises(ValueError):
        make_row(CTX, SCHEMA, "v", 1, status="done")


def test_store_flushes_shards_resumes_and_consolidates(tmp_path):
    out = tmp_path / "res.parquet"
    store = ResultStore(out, flush_every=2)
    for i in range(5):
        store.add(row(f"v{i}", 10, 0.1 * i))
    assert len(store.shard_paths()) == 2  # 4 rows flushed, one pending
    reopened = ResultStore(out)
    assert {k[1] for k in reopened.finished_keys()} == {"v0", "v1", "v2", "v3"}  # pending row not on disk yet
    store.flush()
    df = store.finalize({"config_hash": "abc"})
    assert list(df["video_id"]) == [f"v{i}" for i in range(5)]
    assert not (tmp_path / "res.parquet.shards").exists()
    assert read_provenance(out) == {"config_hash": "abc"}
    assert len(ResultStore(out).load()) == 5


def test_failed_rows_are_retried_and_replaced_never_duplicated(tmp_path):
    out = tmp_path / "res.parquet"
    s1 = ResultStore(out, flush_every=1)
    s1.add(row("a", 5, 0.1))
    s1.add(row("b", 0, None, status="failed", message="unreadable"))
    s1.finalize()
    s2 = ResultStore(out)
    assert s2.finished_keys() == {("run-1", "a")}
    s2.add(row("b", 5, 0.2))
    df = s2.finalize()
    assert len(df) == 2 and df.set_index("video_id").loc["b", "status"] == "ok"
    # a late failed duplicate does not replace a finished row
    s3 = ResultStore(out)
    s3.add(row("b", 0, None, status="failed", message="again"))
    df = s3.finalize()
    assert df.set_index("video_id").loc["b", "status"] == "ok" and len(df) == 2


def test_two_writers_share_a_store_without_losing_rows(tmp_path):
    out = tmp_path / "res.parquet"
    a, b = ResultStore(out, flush_every=1), ResultStore(out, flush_every=1)
    for i in range(6):
        (a if i % 2 else b).add(row(f"v{i}", 4, i / 10))
    df = a.finalize()
    assert sorted(df["video_id"]) == [f"v{i}" for i in range(6)]


def test_aggregate_frame_weighted_and_video_mean_by_hand():
    rows = pd.DataFrame([row("a", 10, 0.1, 0.9), row("b", 30, 0.3, 0.5),
                         row("c", 0, None, status="failed", message="bad")])
    entries = {e.name: e for e in aggregate(rows, [L1, SSIM])}
    assert entries["l1"].value == pytest.approx((10 * 0.1 + 30 * 0.3) / 40, abs=1e-15)
    assert entries["l1"].reducer == "frame-weighted mean" and entries["l1"].n_frames == 40
    assert entries["l1 [video mean]"].value == pytest.approx(0.2, abs=1e-15)
    assert entries["ssim"].value == pytest.approx(0.7, abs=1e-15) and entries["ssim"].n_videos == 2


def test_missing_values_are_counted_with_their_reason_not_averaged_as_zero():
    rows = pd.DataFrame([row("a", 10, 0.1), make_row(CTX, SCHEMA, "b", 10, values={"ssim": 0.4},
                                                      reasons={"l1": "no keypoints"})])
    l1 = next(e for e in aggregate(rows, [L1]) if e.primary)
    assert l1.value == pytest.approx(0.1) and l1.n_missing == 1 and l1.reason == "no keypoints"


def test_aggregate_is_identical_for_any_row_order_and_sharding(tmp_path):
    rng = np.random.default_rng(0)
    rows = [row(f"v{i}", int(rng.integers(3, 300)), float(rng.random()), float(rng.random())) for i in range(200)]
    one = ResultStore(tmp_path / "one.parquet", flush_every=1000)
    for r in rows:
        one.add(r)
    two_a, two_b = ResultStore(tmp_path / "two.parquet", flush_every=7), ResultStore(tmp_path / "two.parquet", flush_every=5)
    for i in rng.permutation(len(rows)):
        (two_a if i % 3 else two_b).add(rows[i])
    two_b.flush()
    df1, df2 = one.finalize(), two_a.finalize()
    agg1 = [(e.name, e.value) for e in aggregate(df1, [L1, SSIM])]
    agg2 = [(e.name, e.value) for e in aggregate(df2.sample(frac=1, random_state=1), [L1, SSIM])]
    assert agg1 == agg2  # exactly equal, not approximately


def test_deduplicate_keeps_one_row_per_key():
    df = pd.DataFrame([row("a", 1, 0.1), row("a", 1, 0.2), row("b", 1, 0.3)])
    assert list(deduplicate(df)["l1"]) == [0.2, 0.3]
