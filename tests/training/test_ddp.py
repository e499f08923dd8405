"""2-process DDP (gloo on CPU) equals 1 process with the same global batch."""

from __future__ import annotations

import pytest
import torch
import torch.multiprocessing as mp

from slvg_bench.config import load_config
from slvg_bench.training import FINAL, read_checkpoint
from slvg_bench.training.loop import Trainer
from slvg_bench.training.checkpoint import seed_everything
from tests.training import toys

# Deterministic model (no dropout) so both runs see the same function; global batch 4.
OVERRIDES = ["dropout=0.0", "train.batch_size=4", "train.epochs=2", "train.pairs_per_video=4",
             "train.checkpoint_every=3", "train.milestones=[1]"]


@pytest.mark.slow
def test_two_process_ddp_matches_single_process(tmp_path):
    mp.spawn(toys.ddp_worker, args=(2, toys.free_port(), str(tmp_path / "ddp"), OVERRIDES), nprocs=2, join=True)

    config = load_config(toys.ToyConfig, overrides=OVERRIDES)
    seed_everything(config.train.seed)
    data = toys.ToyPairs(pairs_per_video=config.train.pairs_per_video, resolution=config.train.resolution)
    model = toys.build(config)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    single = Trainer(model, data, config, method="toy", out_dir=tmp_path / "one",
                     progress=False, tensorboard=False).fit()

    a, b = read_checkpoint(tmp_path / "ddp" / FINAL), read_checkpoint(single.checkpoint)
    assert a["world_size"] == 2 and b["world_size"] == 1
    assert a["step"] == b["step"] == 10  # 20 items / global batch 4 = 5 steps per epoch, 2 epochs
    assert len(a["rng"]) == 2  # every rank's RNG state is kept for an exact DDP resume
    for k in b["model"]:
        torch.testing.assert_close(a["model"][k], b["model"][k], rtol=1e-5, atol=1e-6)
    assert max((b["model"][k] - initial[k]).abs().max() for k in initial) > 1e-3  # training moved the weights


@pytest.mark.slow
def test_two_process_ddp_resume_is_exact(tmp_path):
    # dropout on: each rank's model-side RNG must be saved and restored per rank
    overrides = [o for o in OVERRIDES if not o.startswith("dropout")]
    mp.spawn(toys.ddp_worker, args=(2, toys.free_port(), str(tmp_path / "full"), overrides), nprocs=2)
    mp.spawn(toys.ddp_worker, args=(2, toys.free_port(), str(tmp_path / "part"), overrides + ["train.max_steps=7"]),
             nprocs=2)
    mp.spawn(toys.ddp_worker, args=(2, toys.free_port(), str(tmp_path / "part"), overrides, True), nprocs=2)
    a, b = read_checkpoint(tmp_path / "full" / FINAL), read_checkpoint(tmp_path / "part" / FINAL)
    assert a["step"] == b["step"] == 10
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
