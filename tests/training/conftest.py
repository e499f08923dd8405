from __future__ import annotations

import pytest

from slvg_bench.methods import METHODS
from slvg_bench.training import runner
from tests.training import toys


@pytest.fixture
def toy(monkeypatch, tmp_path):
    """Registers method 'toy' (configs in tmp_path/configs) and dataset 'toyset' for one test."""
    config_dir = tmp_path / "configs"
    config_dir.mkdir()
    monkeypatch.setitem(METHODS._objects, "toy", toys.make_spec(config_dir))
    monkeypatch.setattr(runner, "load_pair_dataset", toys.load_pair_dataset)
    monkeypatch.setitem(toys.SWITCHES, "interrupt_at_call", None)
    monkeypatch.setitem(toys.SWITCHES, "nan_at_call", None)
    return config_dir
