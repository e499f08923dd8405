"""Config resolution: defaults <- <dataset>.yaml <- <dataset>-<preset>.yaml <- --config <- --set <- --max-steps."""

from __future__ import annotations

import pytest

from slvg_bench.errors import UnknownNameError, UsageError
from slvg_bench.methods import METHODS
from slvg_bench.training.resolve import (
    available_presets,
    config_diff,
    identity_hash,
    resolve_config,
)


def write(path, text):
    path.write_text(text)
    return path


def test_layers_apply_in_order(toy, tmp_path):
    write(toy / "toyset.yaml", "channels: 5\ntrain: {lr: 0.1, epochs: 7, seed: 1}\n")
    write(toy / "toyset-quick.yaml", "train: {lr: 0.2, epochs: 2}\n")
    user = write(tmp_path / "mine.yaml", "train: {lr: 0.3}\n")

    r = resolve_config("toy", "toyset")
    assert (r.config.channels, r.config.train.lr, r.config.train.epochs) == (5, 0.1, 7)
    assert r.config.train.batch_size == 3  # dataclass default kept where no layer sets it
    r = resolve_config("toy", "toyset", preset="quick")
    assert (r.config.channels, r.config.train.lr, r.config.train.epochs, r.config.train.seed) == (5, 0.2, 2, 1)
    r = resolve_config("toy", "toyset", preset="quick", config_file=user)
    assert r.config.train.lr == 0.3 and r.config.train.epochs == 2
    r = resolve_config("toy", "toyset", preset="quick", config_file=user,
                       overrides=["train.lr=0.4", "train.max_steps=3"], max_steps=9)
    assert r.config.train.lr == 0.4 and r.config.train.max_steps == 9
    assert [p.name for p in r.layers] == ["toyset.yaml", "toyset-quick.yaml", "mine.yaml"]


def test_missing_dataset_yaml_means_defaults(toy):
    r = resolve_config("toy", "otherset")
    assert r.layers == [] and r.config.channels == 4


def test_unknown_preset_lists_available_ones(toy):
    write(toy / "toyset-quick.yaml", "train: {epochs: 1}\n")
    write(toy / "toyset-full.yaml", "train: {epochs: 9}\n")
    write(toy / "other-tiny.yaml", "train: {epochs: 9}\n")
    assert available_presets(METHODS.get("toy"), "toyset") == ["full", "quick"]
    with pytest.raises(UsageError, match=r"unknown preset 'qick'.*available presets: full, quick"):
        resolve_config("toy", "toyset", preset="qick")
    with pytest.raises(UsageError, match="no presets"):
        resolve_config("toy", "nodata", preset="quick")


def test_errors_name_the_problem(toy, tmp_path):
    with pytest.raises(UsageError, match=r"unknown config key.*'train\.lrr'"):
        resolve_config("toy", "toyset", overrides=["train.lrr=1"])
    with pytest.raises(UsageError, match="does not exist"):
        resolve_config("toy", "toyset", config_file=tmp_path / "nope.yaml")
    with pytest.raises(UsageError, match=r"'train\.batch_size' must be >= 1"):
        resolve_config("toy", "toyset", overrides=["train.batch_size=0"])
    with pytest.raises(UsageError, match="--max-steps must be >= 1"):
        resolve_config("toy", "toyset", max_steps=0)
    with pytest.raises(UsageError, match="method 'static' is not trainable"):
        resolve_config("static", "toyset")
    with pytest.raises(UnknownNameError, match="Did you mean 'toy'"):
        resolve_config("tyo", "toyset")


def test_identity_hash_ignores_run_control_keys(toy):
    base = resolve_config("toy", "toyset")
    steered = resolve_config("toy", "toyset", overrides=["train.num_workers=3", "train.log_every=7"], max_steps=2)
    changed = resolve_config("toy", "toyset", overrides=["train.lr=0.5"])
    assert base.hash == steered.hash == identity_hash(base.as_dict)
    assert changed.hash != base.hash
    assert config_diff(base.as_dict, changed.as_dict) == ["train.lr"]
