"""``slvg-bench train`` end to end with a method and dataset registered inside the test."""

from __future__ import annotations

import json

import pytest
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
