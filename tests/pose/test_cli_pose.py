import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from slvg_bench import weights
from slvg_bench.cli import cli
from slvg_bench.pose.estimators.posenet import PoseNet, PoseNetConfig, posenet_checkpoint
from slvg_bench.video import write_mp4

from .keypoint_tree import make_keypoint_tree


def invoke(*args):
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


@pytest.fixture
def installed_posenet():
    torch.manual_seed(0)
    path = weights.cache_path("posenet.synthsign")  # the user's cache, never the shipped copy
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(posenet_checkpoint(PoseNet(PoseNetConfig(input_size=64, widths=(8, 8, 16, 16))), {}), path)
    yield path
    path.unlink()


def test_list_estimate_and_eval(tmp_path, installed_posenet):
    out = invoke("pose", "list").output
    assert "hrnet-w32-wholebody" in out and "missing" in out and "weights download hrnet-w32" in out
    assert "posenet-synthsign" in out and "unverified" in out  # the user's own (cache) copy, no published checksum
    write_mp4(tmp_path / "v.mp4", np.random.default_rng(0).integers(0, 255, (4, 48, 64, 3), dtype=np.uint8), lossless=True)
    invoke("pose", "estimate", str(tmp_path / "v.mp4"), "--estimator", "posenet-synthsign", "--out", str(tmp_path / "kp.npy"),
           "--overlay", str(tmp_path / "ov.gif"), "--device", "cpu")  # fmt: skip
    kp = np.load(tmp_path / "kp.npy")
    assert kp.shape == (4, 133, 3) and kp.dtype == np.float32 and (tmp_path / "ov.gif").is_file()
    root = make_keypoint_tree(tmp_path / "tree", videos={"train": 2, "test": 1}, n_frames=4)
    result = json.loads(invoke("pose", "eval", "--estimator", "posenet-synthsign", "--data-root", str(root), "--json",
                               "--device", "cpu").output)  # fmt: skip
    assert result["frames"] == 4 and 0 <= result["pck_person_box"]["hands"]["pck"] <= 1
    table = invoke("pose", "eval", "--estimator", "posenet-synthsign", "--data-root", str(root), "--device", "cpu",
                   "--preview", str(tmp_path / "preview.png")).output  # fmt: skip
    assert "PCK@0.1" in table and "hands" in table
    from PIL import Image

    assert Image.open(tmp_path / "preview.png").size == (64 * 2, 64 * 2 * 3)  # 1 test video; frame, truth, prediction


@pytest.mark.slow
def test_train_command(tmp_path):
    root = make_keypoint_tree(tmp_path / "tree", videos={"train": 2, "test": 1}, n_frames=4)
    out = tmp_path / "p.pt"
    invoke("pose", "train", "--data-root", str(root), "--out", str(out), "--device", "cpu", "--set", "steps=3",
           "--set", "batch_size=2", "--set", "model.input_size=64", "--set", "model.widths=[8,8,8,8]")  # fmt: skip
    assert out.is_file() and json.loads(out.with_suffix(".json").read_text())["steps"] == 3


def test_errors_are_one_line(tmp_path):
    code = (
        "import sys; from slvg_bench.cli import main;"
        f"main(['pose', 'estimate', {str(tmp_path / 'none.mp4')!r}, '--estimator', 'hrnet-w23-wholebody', '--out', 'k.npy'])"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "Did you mean 'hrnet-w32-wholebody'" in r.stderr and "Traceback" not in r.stderr
    code = f"from slvg_bench.cli import main; main(['pose', 'train', '--data-root', {str(tmp_path)!r}])"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "index.csv" in r.stderr and "Traceback" not in r.stderr
