"""The trainer's loop: exact resume, NaN stop, LR milestones, checkpoint layout, refusals."""

from __future__ import annotations

import csv

import pytest
import torch

from slvg_bench.errors import CheckpointError, TrainingDivergedError, TrainingInterruptedError
from slvg_bench.training import FINAL, LATEST, read_checkpoint, train
from tests.training import toys


def rows(run_dir):
    with open(run_dir / "log.csv", newline="") as f:
        return list(csv.DictReader(f))


def assert_same_state(a: dict, b: dict) -> None:
    assert a["model"].keys() == b["model"].keys()
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k]), k
    sa, sb = a["optimizer"]["state"], b["optimizer"]["state"]
    assert sa.keys() == sb.keys()
    for i in sa:
        for name in sa[i]:
            assert torch.equal(sa[i][name], sb[i][name]), (i, name)
    assert a["scheduler"] == b["scheduler"]
    assert (a["step"], a["epoch"], a["epoch_step"]) == (b["step"], b["epoch"], b["epoch_step"])
    assert torch.equal(a["rng"][0]["torch"], b["rng"][0]["torch"])


@pytest.mark.parametrize("workers", [0, pytest.param(2, marks=pytest.mark.slow)])
def test_interrupted_then_resumed_equals_uninterrupted(toy, tmp_path, monkeypatch, workers):
    # 10 items, global batch 3 -> 3 steps/epoch, 3 epochs = 9 steps; checkpoints at 2, 4, 6, 8.
    full = train("toy", "toyset", out_dir=tmp_path / "full", progress=False, tensorboard=False)
    assert full.finished and full.step == 9

    monkeypatch.setitem(toys.SWITCHES, "interrupt_at_call", 6)  # during step 6: latest.pt is step 4 (mid-epoch)
    part = tmp_path / "part"
    with pytest.raises(TrainingInterruptedError, match="step 4"):
        train("toy", "toyset", out_dir=part, progress=False, tensorboard=False,
              overrides=[f"train.num_workers={workers}"])
    assert read_checkpoint(part / LATEST)["step"] == 4 and not (part / FINAL).exists()
    monkeypatch.setitem(toys.SWITCHES, "interrupt_at_call", None)
    resumed = train("toy", "toyset", out_dir=part, resume=True, progress=False, tensorboard=False,
                    overrides=[f"train.num_workers={workers}"])
    assert resumed.step == 9

    assert_same_state(read_checkpoint(full.checkpoint), read_checkpoint(resumed.checkpoint))
    # the log holds every step once, with the same losses as the uninterrupted run
    a, b = rows(tmp_path / "full"), rows(part)
    assert [r["step"] for r in b] == [str(s) for s in range(1, 10)]
    assert [(r["loss"], r["l1"], r["l2"], r["lr"]) for r in a] == [(r["loss"], r["l1"], r["l2"], r["lr"]) for r in b]


def test_resume_calls_set_epoch_for_the_epoch_in_progress(toy, tmp_path, monkeypatch):
    seen = []
    orig = toys.ToyNet.set_epoch
    monkeypatch.setattr(toys.ToyNet, "set_epoch", lambda self, e: (seen.append(e), orig(self, e)))
    monkeypatch.setitem(toys.SWITCHES, "interrupt_at_call", 6)
    with pytest.raises(TrainingInterruptedError):
        train("toy", "toyset", out_dir=tmp_path / "r", progress=False, tensorboard=False)
    assert seen == [0, 1]
    monkeypatch.setitem(toys.SWITCHES, "interrupt_at_call", None)
    seen.clear()
    train("toy", "toyset", out_dir=tmp_path / "r", resume=True, progress=False, tensorboard=False)
    assert seen == [1, 2]  # resumed inside epoch 1 (step 4 = epoch 1, batch 1)


def test_nan_loss_stops_with_step_and_batch_ids_and_keeps_last_good_checkpoint(toy, tmp_path, monkeypatch):
    monkeypatch.setitem(toys.SWITCHES, "nan_at_call", 5)
    out = tmp_path / "nan"
    seen_ids = {}
    orig_forward = toys.ToyNet.forward

    def spy(self, batch):
        result = orig_forward(self, batch)
        seen_ids[self.calls] = list(batch["id"])
        return result

    monkeypatch.setattr(toys.ToyNet, "forward", spy)
    with pytest.raises(TrainingDivergedError) as err:
        train("toy", "toyset", out_dir=out, progress=False, tensorboard=False)
    msg = str(err.value)
    assert "step 5" in msg and "l2=nan" in msg
    assert "batch ids: " + ", ".join(seen_ids[5]) in msg
    assert "step 4" in msg and LATEST in msg
    good = read_checkpoint(out / LATEST)
    assert good["step"] == 4 and not (out / FINAL).exists()
    assert all(torch.isfinite(v).all() for v in good["model"].values())


def test_lr_follows_milestones_per_epoch(toy, tmp_path):
    res = train("toy", "toyset", out_dir=tmp_path / "lr", progress=False, tensorboard=False,
                overrides=["train.epochs=4", "train.milestones=[1,3]", "train.gamma=0.5", "train.lr=0.01"])
    lrs = {}
    for r in rows(tmp_path / "lr"):
        lrs.setdefault(int(r["epoch"]), set()).add(float(r["lr"]))
    assert lrs == {0: {0.01}, 1: {0.005}, 2: {0.005}, 3: {0.0025}}
    ck = read_checkpoint(res.checkpoint)
    assert ck["scheduler"]["last_epoch"] == 4 and ck["epoch"] == 4 and ck["finished"]


def test_checkpoint_layout_and_weights_only(toy, tmp_path):
    res = train("toy", "toyset", out_dir=tmp_path / "c", progress=False, tensorboard=False, max_steps=5)
    assert not res.finished and res.step == 5
    ck = torch.load(tmp_path / "c" / FINAL, weights_only=True)
    for key in ("method", "config", "config_hash", "model", "optimizer", "scheduler", "rng", "epoch", "step",
                "code_version"):
        assert key in ck
    assert ck["method"] == "toy" and ck["step"] == 5 and (ck["epoch"], ck["epoch_step"]) == (1, 2)
    assert ck["config"]["train"]["max_steps"] == 5 and ck["config"]["channels"] == 4
    assert (tmp_path / "c" / "config.yaml").is_file()
    assert not list((tmp_path / "c").glob(".*tmp*"))  # no temp files left by the atomic writes


def test_max_steps_run_can_be_extended_with_resume(toy, tmp_path):
    train("toy", "toyset", out_dir=tmp_path / "m", progress=False, tensorboard=False, max_steps=5)
    res = train("toy", "toyset", out_dir=tmp_path / "m", resume=True, progress=False, tensorboard=False)
    assert res.finished and res.step == 9
    full = train("toy", "toyset", out_dir=tmp_path / "f", progress=False, tensorboard=False)
    assert_same_state(read_checkpoint(full.checkpoint), read_checkpoint(res.checkpoint))


def test_refuses_to_overwrite_and_to_resume_another_config(toy, tmp_path):
    out = tmp_path / "x"
    train("toy", "toyset", out_dir=out, progress=False, tensorboard=False, max_steps=2)
    with pytest.raises(CheckpointError, match="--resume"):
        train("toy", "toyset", out_dir=out, progress=False, tensorboard=False, max_steps=2)
    with pytest.raises(CheckpointError, match=r"differs in: train\.lr.*start fresh with another --out"):
        train("toy", "toyset", out_dir=out, resume=True, progress=False, tensorboard=False,
              overrides=["train.lr=0.5"])
    # run-control keys may change on resume
    res = train("toy", "toyset", out_dir=out, resume=True, progress=False, tensorboard=False,
                overrides=["train.log_every=3", "train.checkpoint_every=5"], max_steps=4)
    assert res.step == 4


def test_non_finite_gradient_stops(toy, tmp_path, monkeypatch):
    orig_forward = toys.ToyNet.forward

    def inf_grad(self, batch):
        generated, losses = orig_forward(self, batch)
        if self.calls == 3:  # finite loss, infinite gradient: sqrt at 0
            losses["l1"] = losses["l1"] + torch.sqrt((generated - generated.detach()).abs().sum())
        return generated, losses

    monkeypatch.setattr(toys.ToyNet, "forward", inf_grad)
    with pytest.raises(TrainingDivergedError, match="non-finite gradient norm at step 3"):
        train("toy", "toyset", out_dir=tmp_path / "g", progress=False, tensorboard=False)
    assert read_checkpoint(tmp_path / "g" / LATEST)["step"] == 2


def test_tensorboard_scalars_when_installed(toy, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train("toy", "toyset", out_dir=tmp_path / "tb", progress=False, tensorboard=True, max_steps=3)
    acc = EventAccumulator(str(tmp_path / "tb" / "tensorboard"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"loss/loss", "loss/l1", "loss/l2", "train/lr", "train/data_wait_frac"} <= tags
    assert [e.step for e in acc.Scalars("loss/l1")] == [1, 2, 3]
    logged = [float(r["l1"]) for r in rows(tmp_path / "tb")]
    assert [e.value for e in acc.Scalars("loss/l1")] == pytest.approx(logged, rel=1e-6)


def test_optional_model_hooks(toy, tmp_path, monkeypatch):
    calls = []

    def param_groups(self, tc):
        return [{"params": list(self.body[0].parameters()), "name": "first"},
                {"params": list(self.body[3].parameters()), "name": "last", "lr": tc.lr / 10}]

    def before_optimizer_step(self):  # freeze the first conv by zeroing its gradients
        calls.append(self.calls)
        for p in self.body[0].parameters():
            p.grad.zero_()

    monkeypatch.setattr(toys.ToyNet, "param_groups", param_groups, raising=False)
    monkeypatch.setattr(toys.ToyNet, "before_optimizer_step", before_optimizer_step, raising=False)
    monkeypatch.setattr(toys.ToyNet, "provenance", lambda self: {"weights": "random"}, raising=False)
    res = train("toy", "toyset", out_dir=tmp_path / "h", progress=False, tensorboard=False, max_steps=4)
    ck = read_checkpoint(res.checkpoint)
    assert calls == [1, 2, 3, 4]
    assert ck["provenance"] == {"weights": "random"}
    assert [g["name"] for g in ck["optimizer"]["param_groups"]] == ["first", "last"]
    assert [g["lr"] for g in ck["optimizer"]["param_groups"]] == [0.01, 0.001]
    from slvg_bench.training.checkpoint import seed_everything

    seed_everything(0)
    initial = toys.ToyNet(toys.ToyConfig()).state_dict()
    assert torch.equal(ck["model"]["body.0.weight"], initial["body.0.weight"])
    assert not torch.equal(ck["model"]["body.3.weight"], initial["body.3.weight"])
