"""Golden regression values: any change to a metric's numbers fails here until expected.json is
deliberately regenerated (tests/data/golden/make_golden.py says how and records the code version)."""

import json
from pathlib import Path

import pytest

from tests.data.golden import make_golden
from tests.metrics.tolerances import TOLERANCES

GOLDEN = Path(make_golden.__file__).resolve().parent
EXPECTED = json.loads((GOLDEN / "expected.json").read_text())


def test_golden_set_is_complete():
    assert sorted(EXPECTED["per_video"]) == [f"clip{i}" for i in range(make_golden.N_VIDEOS)]
    for i in range(make_golden.N_VIDEOS):
        for side in ("pred", "target"):
            assert (GOLDEN / side / f"clip{i}.mp4").is_file()


def test_metrics_reproduce_the_golden_values(tmp_path):
    res = make_golden.compute(EXPECTED["metrics"], tmp_path / "golden.parquet")
    rows = res.rows.set_index("video_id")
    assert (rows["status"] == "ok").all()
    for vid, values in EXPECTED["per_video"].items():
        for col, value in values.items():
            assert rows.loc[vid, col] == pytest.approx(value, abs=TOLERANCES["golden"]), (vid, col)
    got = {e.name: e.value for e in res.aggregate}
    assert got.keys() == EXPECTED["aggregate"].keys()
    for name, value in EXPECTED["aggregate"].items():
        assert got[name] == pytest.approx(value, abs=TOLERANCES["golden"]), name


@pytest.mark.slow
def test_fvd_pipeline_reproduces_its_golden_value_with_the_fixture_network(parity_fixture, tmp_path):
    parity_fixture("i3d")  # skips when the fixtures are absent
    extractor = make_golden.fvd_fixture_extractor()
    expected = EXPECTED["fvd_with_fixture_i3d"]["value"]
    res = make_golden.compute([make_golden.FVD_METRIC], tmp_path / "fvd.parquet",
                              {make_golden.FVD_METRIC: {"extractor": extractor, "cache_root": tmp_path / "cache"}})
    # float32 I3D with a machine-dependent thread count (fixture README: ~1e-5 relative on logits)
    assert res.aggregate[0].value == pytest.approx(expected, rel=TOLERANCES["golden_fvd_relative"])
