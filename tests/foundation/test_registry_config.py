from dataclasses import dataclass, field

import pytest

from slvg_bench.config import config_hash, load_config, parse_overrides
from slvg_bench.errors import UnknownNameError, UsageError
from slvg_bench.registry import Registry


def test_registry_lazy_import_and_did_you_mean():
    reg = Registry("thing", {"sqrt": "math:sqrt"})
    assert reg.names() == ["sqrt"]
    assert reg.get("sqrt")(9) == 3
    with pytest.raises(UnknownNameError, match=r"Did you mean 'sqrt'.*Valid things: sqrt"):
        reg.get("sqtr")


def test_registry_rejects_duplicates_and_uppercase():
    reg = Registry("thing", {"a": "math:pi"})
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a", 1)
    with pytest.raises(ValueError, match="lowercase"):
        reg.register("B", 1)
    reg.register("b", 2)
    assert reg.get("b") == 2 and "b" in reg


def test_registry_missing_optional_dependency_is_a_usage_error():
    reg = Registry("thing", {"x": "no_such_module_xyz:thing"})
    with pytest.raises(UsageError, match="cannot be loaded"):
        reg.get("x")


@dataclass
class Inner:
    lr: float = 2e-4
    milestones: tuple = (60, 90)


@dataclass
class Outer:
    name: str = "x"
    epochs: int = 100
    optim: Inner = field(default_factory=Inner)


def test_load_config_layers_and_overrides(tmp_path):
    y = tmp_path / "c.yaml"
    y.write_text("epochs: 5\noptim:\n  lr: 1\n")
    cfg = load_config(Outer, y, overrides=["optim.milestones=[1,2]", "name=abc"])
    assert cfg.epochs == 5 and cfg.optim.lr == 1.0 and isinstance(cfg.optim.lr, float)
    assert cfg.optim.milestones == (1, 2) and cfg.name == "abc"


def test_load_config_rejects_unknown_and_wrong_types(tmp_path):
    with pytest.raises(UsageError, match="unknown config key.*'optim.lrr'.*valid keys under 'optim': lr, milestones"):
        load_config(Outer, overrides=["optim.lrr=3"])
    with pytest.raises(UsageError, match="expects int"):
        load_config(Outer, overrides=["epochs=abc"])
    with pytest.raises(UsageError, match="does not exist"):
        load_config(Outer, tmp_path / "missing.yaml")
    with pytest.raises(UsageError, match="key=value"):
        parse_overrides(["novalue"])


def test_config_hash_changes_with_values():
    a, b = Outer(), Outer(epochs=3)
    assert config_hash(a) == config_hash(Outer()) != config_hash(b)
    assert len(config_hash(a)) == 12
