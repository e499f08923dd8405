"""`slvg-bench weights pack`: the compact shippable form of a training checkpoint."""

import pytest
import torch

from slvg_bench.errors import CheckpointError, UsageError
from slvg_bench.shipping import pack_checkpoint
from slvg_bench.weights import sha256_file


def test_pack_keeps_inference_parts_in_float16_with_provenance(tmp_path, monkeypatch):
    import slvg_bench.shipping as shipping

    # a stand-in checkpoint of no real model: skip the strict-load check (tests/reliability covers it)
    monkeypatch.setattr(shipping, "_check_loads", lambda ckpt, src: None)
    src = tmp_path / "final.pt"
    w = torch.randn(4, 3)
    torch.save({"method": "pgmm", "config": {"a": 1}, "step": 7, "finished": True, "dataset": "synthsign",
                "model": {"w": w, "bn.num_batches_tracked": torch.tensor(5)},
                "optimizer": {"state": {}}, "rng": torch.zeros(3)}, src)
    info = pack_checkpoint(src, tmp_path / "packed.pt")
    out = torch.load(tmp_path / "packed.pt", weights_only=True)
    assert set(out) == {"method", "config", "model", "provenance"}
    assert out["model"]["w"].dtype == torch.float16 and torch.equal(out["model"]["w"], w.half())
    assert out["model"]["bn.num_batches_tracked"].dtype == torch.int64
    assert info["source_sha256"] == sha256_file(src) and info["step"] == 7 and info["storage_dtype"] == "float16"


def test_pack_refuses_what_is_not_a_training_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        pack_checkpoint(tmp_path / "absent.pt", tmp_path / "o.pt")
    (tmp_path / "junk.pt").write_text("hello")
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        pack_checkpoint(tmp_path / "junk.pt", tmp_path / "o.pt")
    torch.save({"model": {}}, tmp_path / "bare.pt")
    with pytest.raises(CheckpointError, match="method, config, model"):
        pack_checkpoint(tmp_path / "bare.pt", tmp_path / "o.pt")
    with pytest.raises(UsageError, match="dtype"):
        pack_checkpoint(tmp_path / "bare.pt", tmp_path / "o.pt", dtype="int8")
    assert not (tmp_path / "o.pt").exists()
