"""Shared test helpers: parity-fixture location, small deterministic videos."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def parity_fixtures_dir() -> Path:
    """``$SLVG_PARITY_FIXTURES`` or ``<repo>/../shared/fixtures`` (official-code parity data)."""
    env = os.environ.get("SLVG_PARITY_FIXTURES")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "fixtures"


@pytest.fixture
def parity_fixture():
    """``parity_fixture("tpsmm")`` -> folder, or skip with a message when absent."""

    def get(name: str) -> Path:
        folder = parity_fixtures_dir() / name
        if not (folder / "checkpoint.pth").is_file():
            pytest.skip(f"parity fixtures for {name!r} not found at {folder} (set SLVG_PARITY_FIXTURES)")
        return folder

    return get


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Tests never touch the user's cache: SLVG_BENCH_HOME points to a temp dir."""
    if "SLVG_BENCH_HOME_FOR_TESTS" in os.environ:
        monkeypatch.setenv("SLVG_BENCH_HOME", os.environ["SLVG_BENCH_HOME_FOR_TESTS"])
    else:
        monkeypatch.setenv("SLVG_BENCH_HOME", str(tmp_path_factory.getbasetemp() / "slvg_home"))


@pytest.fixture
def no_shipped_weights(tmp_path, monkeypatch):
    """As if the package shipped no trained models (posenet.synthsign, corrnet.synthsign-slvg, the
    synthsign generators): for tests of what happens when a weight is missing."""
    from slvg_bench import weights

    monkeypatch.setattr(weights, "SHIPPED_DIR", tmp_path / "no-shipped-files")


def _shipped_listing() -> dict:
    from slvg_bench import weights

    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(weights.SHIPPED_DIR.glob("*"))}


@pytest.fixture(scope="session", autouse=True)
def _shipped_files_untouched():
    """No test may write, replace or delete a file shipped inside the package (a fixture that installed
    a weight at ``weight_path`` once overwrote and then deleted the shipped copy)."""
    before = _shipped_listing()
    yield
    after = _shipped_listing()
    assert after == before, f"a test changed slvg_bench/shipped/: before {before}, after {after}"


@pytest.fixture(scope="module")
def synthsign_home(tmp_path_factory):
    """A private ``SLVG_BENCH_HOME`` holding the tiny synthsign (seed 0); one per test module."""
    from slvg_bench.data.synthsign import generate

    root = tmp_path_factory.mktemp("synthsign_home")
    generate(root / "data" / "synthsign", seed=0, size="tiny", workers=1, progress=False)
    return root


@pytest.fixture
def synthsign_env(synthsign_home, monkeypatch):
    """``synthsign_home`` set as ``SLVG_BENCH_HOME`` for one test."""
    monkeypatch.setenv("SLVG_BENCH_HOME", str(synthsign_home))
    return synthsign_home
