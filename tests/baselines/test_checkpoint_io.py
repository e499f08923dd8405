"""The shared checkpoint helpers (baselines/common/checkpoint_io.py, official_checkpoint.py)."""

from __future__ import annotations

import pytest
import torch

from baselines.common import checkpoint_io
from baselines.common.downsample import AntiAliasInterpolation2d
from baselines.common.official_checkpoint import (
    check_official,
    convert_state_dict,
    count_indexed,
    scale_from_kernel,
    strip_module_prefix,
)
from slvg_bench.errors import CheckpointError


@pytest.mark.parametrize("inv", [2, 3, 4, 8])
def test_scale_from_kernel_inverts_the_anti_alias_kernel_size(inv):
    k = AntiAliasInterpolation2d(3, 1 / inv).weight.shape[-1]
    assert scale_from_kernel(k, "x.down.weight", "mraa") == pytest.approx(1 / inv)


def test_scale_from_kernel_restricted_inverses_and_error_names_method_and_tensor():
    k3 = AntiAliasInterpolation2d(3, 1 / 3).weight.shape[-1]
    with pytest.raises(CheckpointError, match=r"^tpsmm: dm\.down\.weight has an unknown anti-aliasing kernel size"):
        scale_from_kernel(k3, "dm.down.weight", "tpsmm", (2, 4, 8))


def test_key_helpers():
    sd = {"module.a.0.w": 1, "a.1.w": 2, "a.3.w": 3}
    assert strip_module_prefix(sd) == {"a.0.w": 1, "a.1.w": 2, "a.3.w": 3}
    assert count_indexed(strip_module_prefix(sd), "a.", ".w") == 2
    with pytest.raises(CheckpointError, match=r"^mraa: not an official MRAA checkpoint: missing generator "):
        check_official({"region_predictor": {}, "epoch": 3}, ("generator", "region_predictor"), "mraa", "MRAA")


class _Two(torch.nn.Module):
    def __init__(self, with_b: bool):
        super().__init__()
        self.a = torch.nn.Linear(2, 3)
        self.b = torch.nn.Linear(3, 1) if with_b else None


def test_convert_state_dict_maps_prefixes_casts_and_reports():
    model = _Two(with_b=False)
    src = {"module.weight": torch.ones(3, 2, dtype=torch.float16), "module.bias": torch.zeros(3)}
    out, report = convert_state_dict({"A": src, "epoch": 1}, model, {"A": "a", "B": "b"}, "tpsmm", {"B": "gone"})
    assert set(out) == {"a.weight", "a.bias"} and out["a.weight"].dtype == torch.float32
    model.load_state_dict(out, strict=True)
    assert report.tensors == {"A": 2} and report.parameters == {"A": 9}
    assert report.absent == {"B": "gone"} and report.ignored == ["epoch"]
    with pytest.raises(CheckpointError, match=r"^tpsmm: A\.weight has shape \(2, 2\)"):
        convert_state_dict({"A": {"weight": torch.ones(2, 2), "bias": torch.zeros(3)}}, model, {"A": "a"}, "tpsmm", {})
    with pytest.raises(CheckpointError, match=r"^tpsmm: checkpoint has 'B' but the model was built without it"):
        convert_state_dict({"A": src, "B": {}}, model, {"A": "a", "B": "b"}, "tpsmm", {"B": "gone"})


def test_read_checkpoint_errors_name_the_method(tmp_path):
    with pytest.raises(CheckpointError, match=r"^pgmm: checkpoint .* does not exist"):
        checkpoint_io.read_checkpoint(tmp_path / "none.pt", "pgmm")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(CheckpointError, match=r"^mraa: checkpoint .* holds a list, expected a dict"):
        checkpoint_io.read_checkpoint(tmp_path / "list.pt", "mraa")
    (tmp_path / "junk.pt").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match=r"^tpsmm: cannot read checkpoint .* with weights_only=True"):
        checkpoint_io.read_checkpoint(tmp_path / "junk.pt", "tpsmm")


def test_own_format_round_trip_and_strict_load(tmp_path):
    from baselines.tpsmm.config import TPSMMConfig, validate

    cfg = TPSMMConfig()
    model = torch.nn.Linear(2, 2)
    path = checkpoint_io.save_own(tmp_path / "sub" / "m.pt", "tpsmm", model, cfg, step=7)
    assert [p.name for p in path.parent.iterdir()] == ["m.pt"]  # no temp file left behind
    ckpt = checkpoint_io.read_checkpoint(path, "tpsmm")
    assert checkpoint_io.is_own(ckpt, "tpsmm") and not checkpoint_io.is_own(ckpt, "mraa") and ckpt["step"] == 7
    loaded, loaded_cfg = checkpoint_io.load_own(ckpt, "tpsmm", TPSMMConfig, validate,
                                                lambda c, s: torch.nn.Linear(2, 2))
    assert loaded_cfg == cfg and not loaded.training
    assert torch.equal(loaded.weight, model.weight)
    with pytest.raises(CheckpointError, match=r"^tpsmm: m\.pt does not match its own config: missing keys \[\], "
                                              r"unexpected keys \['weight', 'bias'\]"):
        checkpoint_io.load_own(ckpt, "tpsmm", TPSMMConfig, validate, lambda c, s: torch.nn.Identity(), where="m.pt")
    assert checkpoint_io.other_method_hint(ckpt) == " (it belongs to method 'tpsmm')"
    assert "belongs to method 'tpsmm'" in str(checkpoint_io.unknown_format_error(ckpt, "mraa", "MRAA", "m.pt"))


def test_resolve_path_files_catalog_ids_and_missing(tmp_path):
    from slvg_bench.errors import WeightsUnavailableError

    f = tmp_path / "x.pth"
    f.write_bytes(b"")
    assert checkpoint_io.resolve_path(f, "tpsmm") == f
    with pytest.raises(WeightsUnavailableError):
        checkpoint_io.resolve_path("tpsmm.vox256-official", "tpsmm")
    with pytest.raises(CheckpointError, match=r"^tpsmm: checkpoint 'nowhere\.pth' does not exist"):
        checkpoint_io.resolve_path("nowhere.pth", "tpsmm")
