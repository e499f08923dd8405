"""TPSMM through the shared trainer: exact resume (the model draws random TPS warps and dropout masks)."""

from __future__ import annotations

import pytest
import torch
import yaml

from slvg_bench.config import to_dict
from slvg_bench.training import read_checkpoint, runner, train
from tests.baselines.tpsmm_helpers import tiny_config
from tests.training import toys


@pytest.mark.slow
def test_tpsmm_resumed_run_equals_uninterrupted(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "load_pair_dataset", toys.load_pair_dataset)  # 5 in-memory videos, 'toyset'
    cfg = to_dict(tiny_config())
    cfg["train"].update(epochs=1, batch_size=2, pairs_per_video=1, num_workers=0, checkpoint_every=2,
                        log_every=1, resolution=64, max_steps=None, milestones=[5])
    cfg["schedule"].update(dropout_epoch=5)  # TPS dropout on: the model consumes the global RNG
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    kw = dict(config_file=path, progress=False, tensorboard=False, device="cpu")
    full = train("tpsmm", "toyset", out_dir=tmp_path / "full", **kw)
    train("tpsmm", "toyset", out_dir=tmp_path / "part", max_steps=1, **kw)
    part = train("tpsmm", "toyset", out_dir=tmp_path / "part", resume=True, **kw)
    assert full.step == part.step == 2
    a, b = read_checkpoint(full.checkpoint), read_checkpoint(part.checkpoint)
    assert a["model"].keys() == b["model"].keys()
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    assert a["provenance"]["perceptual_weights_used"] == "random"
