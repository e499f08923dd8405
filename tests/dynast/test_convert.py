"""Official checkpoint layout <-> our generator: key table, strict loads, parameter count."""

import json

import pytest
import torch

from baselines.dynast.convert import (
    generator_from_official,
    infer_config,
    key_table,
    load_official_state,
    main,
    official_to_ours,
    ours_to_official,
    unused_embed_1,
)
from baselines.dynast.generator import DynaSTGenerator, GeneratorConfig
from slvg_bench.errors import CheckpointError
from tests.conftest import parity_fixtures_dir

# top_k and smooth are runtime options, not in the file: conversion assumes the official 4 and 0.01
TINY = GeneratorConfig(crop_size=32, ngf=4, n_layers=2, pos_dim=4, prune_dim=4)


def _randomised(model: torch.nn.Module, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in list(model.parameters()) + [b for b in model.buffers() if b.is_floating_point()]:
            t.copy_(torch.randn(t.shape, generator=g) * 0.1 + (1.0 if t.ndim == 1 and t.shape[0] == 1 else 0.0))


@pytest.fixture
def official_file(tmp_path):
    """A random generator saved in the official latest_net_G.pth layout."""
    model = DynaSTGenerator(TINY, 20)
    _randomised(model)
    path = tmp_path / "latest_net_G.pth"
    torch.save(ours_to_official(model.state_dict(), model), path)
    return model, path


def test_official_layout_has_the_official_key_patterns(official_file):
    model, path = official_file
    state = torch.load(path, weights_only=True)
    assert "encoder_q.layer1.0.weight_orig" in state and "encoder_q.layer1.0.weight_u" in state
    assert "encoder_q.layer1.2.relu.weight" in state and "encoder_q.layer1.2.model.2.weight" in state
    assert any(k.startswith("embed_1.") for k in state)
    assert not any("parametrizations" in k for k in state)


def test_random_model_in_official_layout_loads_strictly_and_round_trips(official_file):
    model, path = official_file
    loaded = generator_from_official(load_official_state(path))
    assert loaded.cfg == TINY and loaded.semantic_nc == 20
    for (k, a), (k2, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(a, b), k
    again = ours_to_official(loaded.state_dict(), loaded)
    original = torch.load(path, weights_only=True)
    assert list(again) == list(original)
    assert all(torch.equal(again[k], original[k]) for k in original)


def test_conversion_rejects_wrong_layouts(official_file):
    model, path = official_file
    state = torch.load(path, weights_only=True)
    tied = dict(state)
    tied["encoder_q.layer1.2.relu.weight"] = tied["encoder_q.layer1.2.relu.weight"] + 1
    with pytest.raises(CheckpointError, match="tied PReLU"):
        official_to_ours(tied, model)
    missing = {k: v for k, v in state.items() if not k.startswith("embed_1.")}
    with pytest.raises(CheckpointError, match="21 missing"):
        official_to_ours(missing, model)
    wrong = dict(state)
    wrong["decoder_10.0.bias"] = torch.zeros(4)
    with pytest.raises(CheckpointError, match="decoder_10.0.bias"):
        official_to_ours(wrong, model)


def test_converter_command_writes_a_loadable_file(official_file, tmp_path, capsys):
    _, path = official_file
    out = tmp_path / "converted.pth"
    assert main([str(path), str(out)]) == 0
    blob = torch.load(out, weights_only=True)
    assert blob["format"] == "slvg-dynast-generator" and blob["semantic_nc"] == 20
    assert "crop 32" in capsys.readouterr().out


@pytest.mark.slow
def test_official_configuration_keys_shapes_and_parameter_count():
    keys_file = parity_fixtures_dir() / "dynast" / "keys_full_config.json"
    with torch.device("meta"):
        model = DynaSTGenerator(GeneratorConfig(crop_size=256), 20)
    table = key_table(model)
    ours = dict(model.state_dict())
    assert len(table) == 674
    n_ours = sum(p.numel() for p in model.parameters())
    unused = unused_embed_1(model.cfg, 20)
    n_embed_1 = sum(v.numel() for k, v in unused.items() if not k.endswith(("weight_u", "weight_v")))
    assert n_ours + n_embed_1 == 92_459_470  # 92.46 M, the documented count of the official generator
    if keys_file.is_file():
        ref = json.loads(keys_file.read_text())
        official_shapes = {}
        for official_key, our_key, rule in table:
            if our_key is not None:
                official_shapes[official_key] = list(ours[our_key].shape)
        ref_shapes = {e["key"]: e["shape"] for e in ref["keys"]}
        assert set(ref_shapes) == {row[0] for row in table}
        assert all(ref_shapes[k] == s for k, s in official_shapes.items())
        assert ref["num_unique_parameters"] == 92_459_470


def test_config_is_inferred_from_shapes(official_file):
    _, path = official_file
    cfg, nc = infer_config(torch.load(path, weights_only=True))
    assert cfg == TINY and nc == 20
    with pytest.raises(CheckpointError, match="not a DynaST generator"):
        infer_config({"pos_embed": torch.zeros(1)})
