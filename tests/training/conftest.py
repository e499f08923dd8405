from __future__ import annotations

import pytest

from slvg_bench.methods import METHODS
from slvg_bench.training import runner
from tests.training import toys


@pytest.fixture
def toy_method(monkeypatch, tmp_path):
    """Registers method 'toy' (its YAML folder is tmp_path/configs, returned) for one test."""
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    monkeypatch.setitem(METHODS._objects, "toy", toys.make_spec(config_dir))
    monkeypatch.setitem(toys.SWITCHES, "interrupt_at_call", None)
    monkeypatch.setitem(toys.SWITCHES, "nan_at_call", None)
    return config_dir


@pytest.fixture
def toy(toy_method, monkeypatch):
    """'toy' method plus the in-memory dataset 'toyset' (RNG-hungry, for the exactness tests)."""
    from slvg_bench.data.registry import DATASETS

    monkeypatch.setattr(runner, "load_pair_dataset", toys.load_pair_dataset)
    monkeypatch.setitem(DATASETS._objects, "toyset", object())  # known to the CLI's dataset check
    return toy_method
