import pytest


@pytest.fixture(autouse=True)
def _fresh_home(tmp_path, monkeypatch):
    """Each data test gets its own cache home (prepared caches never leak between tests)."""
    monkeypatch.setenv("SLVG_BENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SLVG_BENCH_DATA", raising=False)
