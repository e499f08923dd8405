"""Official checkpoint layout: full-config key lists, strict loading, '.module' stripping, clear errors."""

from __future__ import annotations

import json
from collections import OrderedDict

import pytest
import torch

from slvg_bench.errors import CheckpointError
from slvg_bench.recognition.checkpoint import infer_config, load_corrnet, read_checkpoint, save_checkpoint
from slvg_bench.recognition.corrnet import PRESETS, CorrNet, CorrNetConfig

TINY = dict(num_classes=7, hidden_size=16, base_width=16)


@pytest.mark.parametrize("name, preset", [("PHOENIX-2014-T", "phoenix2014t"), ("CSL-Daily", "csl-daily")])
def test_full_config_keys_shapes_dtypes_and_order(parity_fixture, name, preset):
    """Every key of the official full-size models, in order, with shape and dtype (fixture key lists)."""
    listed = json.loads((parity_fixture("corrnet") / "keys_full_config.json").read_text())[name]
    with torch.device("meta"):
        model = CorrNet(PRESETS[preset])
    ours = [(k, list(v.shape), str(v.dtype).removeprefix("torch.")) for k, v in model.state_dict().items()]
    assert ours == [(e["key"], e["shape"], e["dtype"]) for e in listed["keys"]]
    assert sum(p.numel() for p in model.parameters()) == listed["num_unique_parameters"]
    assert infer_config(model.state_dict()) == PRESETS[preset]


def _official_file(model: CorrNet, path, wrap_module: bool = False) -> None:
    """Save like the official save_model: the state dict plus training state, optionally DataParallel names."""
    sd = model.state_dict()
    if wrap_module:  # VAC-style DataParallel submodules: conv2d.module.conv1.weight
        sd = OrderedDict((k.replace("conv2d.", "conv2d.module.", 1), v) for k, v in sd.items())
    opt = torch.optim.Adam(model.parameters())
    torch.save({"epoch": 3, "model_state_dict": sd, "optimizer_state_dict": opt.state_dict(),
                "scheduler_state_dict": {"milestones": {20: 1}, "last_epoch": 3}}, path)


@pytest.mark.parametrize("stages", [(2, 3, 4), (3, 4)])
@pytest.mark.parametrize("wrap_module", [False, True])
def test_roundtrip_official_layout(tmp_path, stages, wrap_module):
    torch.manual_seed(0)
    model = CorrNet(CorrNetConfig(corr_stages=stages, **TINY))
    with torch.no_grad():  # non-default values everywhere, alpha included
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    path = tmp_path / "ckpt.pt"
    _official_file(model, path, wrap_module)
    loaded, extra = load_corrnet(path)
    assert loaded.config.corr_stages == stages and loaded.conv2d.alpha.shape == (len(stages),)
    assert set(extra) == {"epoch", "optimizer_state_dict", "scheduler_state_dict"}
    want, got = model.state_dict(), loaded.state_dict()
    assert list(want) == list(got)
    for k in want:
        assert want[k].shape == got[k].shape and torch.equal(want[k], got[k]), k
    assert loaded.classifier.weight is loaded.conv1d.fc.weight  # shared classifier stays shared


def test_csl_checkpoint_into_phoenix_structure_lists_keys(tmp_path):
    path = tmp_path / "csl.pt"
    _official_file(CorrNet(CorrNetConfig(corr_stages=(3, 4), **TINY)), path)
    with pytest.raises(CheckpointError) as e:
        load_corrnet(path, config=CorrNetConfig(corr_stages=(2, 3, 4), **TINY))
    msg = str(e.value)
    assert "11 missing keys (conv2d.corr1.weights" in msg
    assert "conv2d.alpha (2,) vs model (3,)" in msg and "corr_stages=(3, 4)" in msg
    assert "\n" not in msg


def test_unexpected_keys_listed(tmp_path):
    model = CorrNet(CorrNetConfig(**TINY))
    sd = dict(model.state_dict(), **{"extra.weight": torch.zeros(2)})
    path = tmp_path / "x.pt"
    torch.save({"model_state_dict": sd}, path)
    with pytest.raises(CheckpointError, match=r"1 unexpected keys \(extra.weight\)"):
        load_corrnet(path)


def test_rejects_pickled_objects_and_non_corrnet(tmp_path):
    path = tmp_path / "obj.pt"
    torch.save({"model_state_dict": {"a": torch.zeros(1)}, "cfg": CorrNetConfig()}, path)  # a class instance
    with pytest.raises(CheckpointError, match="weights_only=True"):
        read_checkpoint(path)
    path2 = tmp_path / "other.pt"
    torch.save({"model_state_dict": {"fc.weight": torch.zeros(2, 2)}}, path2)
    with pytest.raises(CheckpointError, match="not a CorrNet state dict"):
        load_corrnet(path2)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_corrnet(tmp_path / "missing.pt")


def test_save_checkpoint_extra_is_weights_only_readable(tmp_path):
    model = CorrNet(CorrNetConfig(**TINY))
    path = save_checkpoint(model, tmp_path / "m.pt", gloss_dict={"A": [1, 2]}, slvg_config={"input": {"crop": 112}})
    _, extra = read_checkpoint(path)
    assert extra == {"gloss_dict": {"A": [1, 2]}, "slvg_config": {"input": {"crop": 112}}}


def test_pooling_grid_is_inferred_from_the_checkpoint(tmp_path):
    cfg = CorrNetConfig(num_classes=7, hidden_size=16, base_width=8, pool_grid=2)
    model = CorrNet(cfg).eval()
    assert infer_config(model.state_dict()).pool_grid == 2 and infer_config(CorrNet(CorrNetConfig(
        num_classes=7, hidden_size=16, base_width=8)).state_dict()).pool_grid == 1
    save_checkpoint(model, tmp_path / "g.pt")
    loaded, _ = load_corrnet(tmp_path / "g.pt")
    assert loaded.config.pool_grid == 2 and loaded.conv2d.out_channels == 8 * 8 * 4
    x = torch.rand(1, 2, 3, 56, 56)
    with torch.no_grad():
        f = loaded.frame_features(x)
        maps = loaded.conv2d.forward_maps(x.permute(0, 2, 1, 3, 4))  # B×C×T×2×2 at 56²
    assert f.shape == (1, 8 * 8 * 4, 2)
    assert torch.allclose(f[0, :, 0], maps[0, :, 0].flatten(), atol=1e-6)  # the 2×2 cells, kept apart
