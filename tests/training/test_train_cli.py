"""``slvg-bench train`` end to end with a method and dataset registered inside the test."""

from __future__ import annotations

import json

import pytest
import torch
import yaml

from slvg_bench import cli
from slvg_bench.training import FINAL, LATEST, find_trained_checkpoint, load_trained_model, read_checkpoint
from tests.training import toys


def run(capsys, *args):
    with pytest.raises(SystemExit) as e:
        cli.main(list(args))
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_train_resume_and_find(toy, tmp_path, capsys, monkeypatch):
    (toy / "toyset-quick.yaml").write_text("train: {epochs: 2}\n")
    out = tmp_path / "run"
    code, stdout, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--preset", "quick", "--max-steps", "4",
                            "--set", "channels=3", "--no-progress", "--device", "cpu", "--out", str(out), "--json")
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["step"] == 4 and not summary["finished"] and summary["checkpoint"] == str(out / FINAL)
    ck = read_checkpoint(out / FINAL)
    assert ck["config"]["channels"] == 3 and ck["config"]["train"]["epochs"] == 2 and ck["preset"] == "quick"

    code, _, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--preset", "quick", "--set", "channels=3",
                       "--no-progress", "--out", str(out))
    assert code == 1 and "--resume" in err and "another --out" in err and "Traceback" not in err

    code, _, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--preset", "quick", "--no-progress",
                       "--resume", "--out", str(out))
    assert code == 1 and "channels" in err and "start fresh" in err

    code, _, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--preset", "quick", "--set", "channels=3",
                       "--no-progress", "--resume", "--out", str(out))
    assert code == 0, err
    assert read_checkpoint(out / LATEST)["step"] == 6 and read_checkpoint(out / FINAL)["finished"]

    model, config = load_trained_model(out / FINAL)
    assert config.channels == 3 and not model.training

    # without --out the run goes to $SLVG_BENCH_HOME/training/<method>/<dataset>-<preset>, where run() finds it
    code, _, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--preset", "quick", "--no-progress",
                       "--max-steps", "1")
    assert code == 0, err
    found = find_trained_checkpoint("toy", "toyset")
    assert found.parent.name == "toyset-quick" and found.name == FINAL


def test_train_cli_errors(toy, capsys):
    code, _, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--preset", "nope")
    assert code == 2 and "unknown preset 'nope'" in err
    code, _, err = run(capsys, "train", "-m", "toy", "-d", "nosuchset", "--no-progress")
    assert code == 2 and "unknown dataset 'nosuchset'" in err
    code, _, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--set", "train.batch_size=100",
                       "--no-progress", "--device", "cpu")
    assert code == 1 and "fewer than one batch" in err


def test_print_config(toy, capsys):
    code, stdout, _ = run(capsys, "train", "-m", "toy", "-d", "toyset", "--set", "train.lr=0.25", "--print-config")
    assert code == 0
    assert yaml.safe_load(stdout)["train"]["lr"] == 0.25


@pytest.mark.filterwarnings("ignore::slvg_bench.data.adapters.base.DatasetCountWarning")
def test_train_on_the_real_pair_dataset_resumes_exactly(toy_method, tmp_path, capsys, monkeypatch):
    from slvg_bench.data.pairs import PairDataset
    from tests.data.fakes import small_synthsign

    small_synthsign(tmp_path / "data" / "synthsign")  # 3 train videos -> 6 pairs, 2 steps per epoch
    epochs_read = set()
    orig = PairDataset.set_epoch
    monkeypatch.setattr(PairDataset, "set_epoch", lambda self, e: (epochs_read.add(e), orig(self, e)))
    args = ["train", "-m", "toy", "-d", "synthsign", "--data-root", str(tmp_path / "data"), "--no-progress",
            "--set", "train.resolution=32", "--set", "train.checkpoint_every=1", "--set", "train.epochs=2"]
    code, _, err = run(capsys, *args, "--out", str(tmp_path / "full"))
    assert code == 0, err
    assert epochs_read == {0, 1}  # the dataset draws new pairs every epoch

    monkeypatch.setitem(toys.SWITCHES, "interrupt_at_call", 4)
    code, _, err = run(capsys, *args, "--out", str(tmp_path / "part"))
    assert code == 130 and "--resume" in err
    monkeypatch.setitem(toys.SWITCHES, "interrupt_at_call", None)
    code, _, err = run(capsys, *args, "--out", str(tmp_path / "part"), "--resume")
    assert code == 0, err
    a, b = read_checkpoint(tmp_path / "full" / FINAL), read_checkpoint(tmp_path / "part" / FINAL)
    assert a["step"] == b["step"] == 4 and a["dataset"] == "synthsign"
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


def test_init_from_starts_from_another_run_and_refuses_a_foreign_checkpoint(toy, tmp_path, capsys):
    first = tmp_path / "first"
    code, _, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--max-steps", "3", "--no-progress",
                       "--device", "cpu", "--out", str(first))
    assert code == 0, err
    start = read_checkpoint(first / FINAL)["model"]
    tuned = tmp_path / "tuned"
    code, _, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--max-steps", "1", "--no-progress",
                       "--device", "cpu", "--out", str(tuned), "--set", f"train.init_from={first / FINAL}",
                       "--set", "train.lr=1e-30")
    assert code == 0, err
    after = read_checkpoint(tuned / FINAL)["model"]
    for k, v in start.items():  # lr 1e-30: one step leaves the initial weights, which are the first run's
        torch.testing.assert_close(after[k], v)
    code, _, err = run(capsys, "train", "-m", "toy", "-d", "toyset", "--max-steps", "1", "--no-progress",
                       "--device", "cpu", "--out", str(tmp_path / "bad"), "--set", "channels=5",
                       "--set", f"train.init_from={first / FINAL}")
    assert code == 1 and "does not fit" in err and "Traceback" not in err
