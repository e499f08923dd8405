"""The models that ship inside the package (``slvg_bench/shipped/``): each file is the one its catalog
entry names (sha256, size), loads strictly the way ``run`` loads it, and each shipped generator does
better than copying the source frame on synthsign test videos."""

from pathlib import Path

import pandas as pd
import pytest

from slvg_bench import cli
from slvg_bench import weights as W
from slvg_bench.harness.config import RunConfig
from slvg_bench.harness.runner import run_benchmark

BASELINES = Path(__file__).parent / "baselines"  # `slvg-bench check` baselines of the shipped models' slice
SHIPPED = [s for s in W.all_specs() if s.packaged]
GENERATORS = [s for s in SHIPPED if s.extra.get("method")]
MAX_TOTAL_BYTES = 60 * 1024 * 1024


def test_every_method_and_the_recognizer_ship_for_synthsign():
    assert W.shipped_model("pgmm", "synthsign") == "pgmm.synthsign"
    assert W.shipped_model("tpsmm", "synthsign") == "tpsmm.synthsign"
    assert W.shipped_model("mraa", "synthsign") == "mraa.synthsign"
    assert W.shipped_model("dynast", "synthsign") == "dynast.synthsign"
    assert W.shipped_model("pgmm", "phoenix") is None
    assert W.get_spec("corrnet.synthsign-slvg").packaged
    assert W.get_spec("posenet.synthsign").packaged


def test_shipped_files_fit_the_size_budget():
    assert sum(W.packaged_path(s).stat().st_size for s in SHIPPED) <= MAX_TOTAL_BYTES


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda s: s.id)
def test_shipped_file_is_the_one_its_catalog_entry_names(spec, tmp_path, monkeypatch):
    monkeypatch.setenv("SLVG_BENCH_HOME", str(tmp_path))  # an empty cache: nothing shadows the shipped copy
    path = W.packaged_path(spec)
    assert path.is_file(), f"{spec.id}: {path} is missing"
    assert W.sha256_file(path) == spec.sha256
    assert path.stat().st_size == spec.size_bytes
    assert spec.produced_by and "slvg-bench" in spec.produced_by
    assert W.weight_path(spec) == path and W.status(spec) == "present"


@pytest.mark.parametrize("spec", GENERATORS, ids=lambda s: s.id)
def test_shipped_generator_loads_strictly_with_its_provenance(spec):
    import torch

    from slvg_bench.methods import METHODS

    ckpt = torch.load(W.packaged_path(spec), map_location="cpu", weights_only=True)
    assert ckpt["method"] == spec.extra["method"]
    prov = ckpt["provenance"]
    assert prov["dataset"] == "synthsign" and prov["storage_dtype"] == "float16" and prov["finished"]
    assert len(prov["source_sha256"]) == 64 and prov["code_version"]
    animator = METHODS.get(spec.extra["method"]).load(str(W.packaged_path(spec)), "cpu")  # strict load_state_dict
    src = torch.rand(3, 128, 128)
    kp = torch.rand(2, 133, 3) * 127
    out = animator.animate(src, src[None].repeat(2, 1, 1, 1), driving_keypoints=kp)
    assert out.shape == (2, 3, 128, 128) and torch.isfinite(out).all() and 0 <= out.min() and out.max() <= 1


def test_shipped_pose_estimator_finds_the_keypoints_of_unseen_signers(synthsign_env):
    """posenet.synthsign, used from the package with an empty cache, on the tiny test split (4 videos of
    the two held-out signers; measured PCK@0.1 of the person box: body 0.985, hands 0.988, face 1.0)."""
    import json

    assert not W.cache_path("posenet.synthsign").exists()
    from click.testing import CliRunner

    r = CliRunner().invoke(cli.cli, ["pose", "eval", "--estimator", "posenet-synthsign", "--json", "--device", "cpu"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    pck = {k: v["pck"] for k, v in report["pck_person_box"].items()}
    assert report["videos"] == 4 and pck["body"] > 0.9 and pck["hands"] > 0.9 and pck["face"] > 0.95, pck


# Shipped generators measured not to beat `static` on the tiny test split, with the reason; the test
# below is a strict xfail for them, so it fails the day one of them starts to win.
NOT_YET_BETTER_THAN_STATIC = {
    "tpsmm.synthsign": "TPSMM's keypoints collapsed in the CPU preset (spread ~9 px, motion 1-4 px), so it "
                       "reproduces the source frame: tiny-split L1 0.01037 vs static 0.01032; full test split "
                       "0.01264 vs 0.01265 (docs/methods/tpsmm.md)",
    "dynast.synthsign": "DynaST's cpu-blend model ties static: tiny-split L1 0.01043 vs static 0.01032; dev split "
                        "0.02197 vs 0.02184 (docs/methods/dynast.md)",
}


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """``run(name) -> (out_dir, l1)``: ``name`` on the tiny synthsign test split (4 videos of the two held-out
    signers), L1 only, once per module (the beats-static test and the regression gate read the same run).
    Call it with ``synthsign_env`` active."""
    done: dict[str, tuple[Path, float]] = {}
    root = tmp_path_factory.mktemp("tiny_runs")

    def run(name: str) -> tuple[Path, float]:
        if name not in done:
            out = root / name
            cfg = RunConfig(method=name, dataset="synthsign", split="test", metrics=("l1",))
            res = run_benchmark(cfg, out=out, device="cpu", progress=False, limit=4, save_videos=False)
            rows = pd.read_parquet(out / "results.parquet")
            assert len(rows) == 4 and set(rows["status"]) == {"ok"}
            done[name] = (out, next(e.value for e in res.entries if e.name == "l1"))
        return done[name]

    return run


@pytest.mark.slow
@pytest.mark.parametrize("spec", [
    pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=NOT_YET_BETTER_THAN_STATIC[s.id]))
    if s.id in NOT_YET_BETTER_THAN_STATIC else s for s in GENERATORS], ids=lambda s: s.id)
def test_shipped_generator_beats_copying_the_source(spec, synthsign_env, tiny_runs):
    """On the tiny synthsign test split the shipped model's frame-weighted L1 is below ``static``'s: it
    reproduces motion, not only the source frame. Per video it is not better everywhere: on the full test
    split PGMM wins on all 12 videos of signer11 and loses on all 12 of signer10 (docs/methods/pgmm.md),
    so the check is on both signers together."""
    method = spec.extra["method"]
    static, model = tiny_runs("static")[1], tiny_runs(method)[1]
    assert model < static, f"{method}: L1 {model:.5f} vs static {static:.5f}"


@pytest.mark.slow
@pytest.mark.parametrize("spec", GENERATORS, ids=lambda s: s.id)
def test_shipped_generator_passes_its_regression_gate(spec, synthsign_env, tiny_runs):
    """This project's own regression gate (issue 18): the shipped model on the tiny test split against
    its committed baseline (tests/foundation/baselines/<id>.yaml), through `slvg-bench check`."""
    run_dir, _ = tiny_runs(spec.extra["method"])
    baseline = BASELINES / f"{spec.id}.yaml"
    assert baseline.is_file(), f"no committed baseline {baseline}"
    with pytest.raises(SystemExit) as e:
        cli.main(["check", str(run_dir), "--baseline", str(baseline), "--require", "l1"])
    assert e.value.code == 0
