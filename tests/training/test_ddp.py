"""2-process DDP (gloo on CPU): equals 1 process with the same global batch; resumes exactly.

Both tests share one spawn (starting two torch processes dominates the time on a busy machine).
"""

from __future__ import annotations

import pytest
import torch
import torch.multiprocessing as mp

from slvg_bench.config import load_config
from slvg_bench.training import FINAL, read_checkpoint
from slvg_bench.training.checkpoint import seed_everything
from slvg_bench.training.loop import Trainer
from tests.training import toys

pytestmark = pytest.mark.slow

# Global batch 4 over 20 items = 5 steps per epoch, 2 epochs.
COMMON = ["train.batch_size=4", "train.epochs=2", "train.pairs_per_video=4", "train.checkpoint_every=3",
          "train.milestones=[1]"]
DETERMINISTIC = COMMON + ["dropout=0.0"]  # same function in 1 and 2 processes
RANDOM = COMMON  # dropout on: each rank's model-side RNG must be saved and restored


@pytest.fixture(scope="module")
def ddp_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    jobs = [
        (str(root / "det"), DETERMINISTIC, False),
        (str(root / "full"), RANDOM, False),
        (str(root / "part"), RANDOM + ["train.max_steps=7"], False),  # stops mid-epoch 1
        (str(root / "part"), RANDOM, True),
    ]
    mp.spawn(toys.ddp_worker, args=(2, toys.free_port(), jobs), nprocs=2)
    return root


def test_two_process_ddp_matches_single_process(ddp_runs, tmp_path):
    config = load_config(toys.ToyConfig, overrides=DETERMINISTIC)
    seed_everything(config.train.seed)
    model = toys.build(config)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    data = toys.ToyPairs(pairs_per_video=config.train.pairs_per_video, resolution=config.train.resolution)
    single = Trainer(model, data, config, method="toy", out_dir=tmp_path / "one",
                     progress=False, tensorboard=False).fit()

    a, b = read_checkpoint(ddp_runs / "det" / FINAL), read_checkpoint(single.checkpoint)
    assert a["world_size"] == 2 and b["world_size"] == 1
    assert a["step"] == b["step"] == 10
    assert len(a["rng"]) == 2  # every rank's RNG state is kept for an exact DDP resume
    for k in b["model"]:
        torch.testing.assert_close(a["model"][k], b["model"][k], rtol=1e-5, atol=1e-6)
    assert max((b["model"][k] - initial[k]).abs().max() for k in initial) > 1e-3  # training moved the weights


def test_two_process_ddp_resume_is_exact(ddp_runs):
    a, b = read_checkpoint(ddp_runs / "full" / FINAL), read_checkpoint(ddp_runs / "part" / FINAL)
    assert a["step"] == b["step"] == 10
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    assert not all(torch.equal(a["model"][k], read_checkpoint(ddp_runs / "det" / FINAL)["model"][k])
                   for k in a["model"])  # dropout really changed the run
