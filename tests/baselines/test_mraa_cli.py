"""MRAA through ``slvg-bench train`` (the shared trainer): train, interrupt + resume exactly, animate the result."""

from __future__ import annotations

import pytest
import torch
import yaml

from slvg_bench import cli
from slvg_bench.training import FINAL, read_checkpoint

TINY = {
    "model": {
        "num_regions": 4, "image_size": [32, 32],
        "region_predictor": {"block_expansion": 8, "max_features": 32, "num_blocks": 3},
        "bg_predictor": {"block_expansion": 8, "max_features": 32, "num_blocks": 3},
        "generator": {"block_expansion": 8, "max_features": 32, "num_bottleneck_blocks": 2,
                      "pixelwise_flow_predictor": {"block_expansion": 8, "max_features": 32, "num_blocks": 3}},
        "avd": {"id_bottle_size": 16, "pose_bottle_size": 16},
    },
    "loss": {"scales": [1], "perceptual_weights": "random"},
    "train": {"batch_size": 2, "epochs": 2, "checkpoint_every": 1, "num_workers": 0, "resolution": 32},
}


def run(capsys, *args):
    with pytest.raises(SystemExit) as e:
        cli.main(list(args))
    return e.value.code, capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::slvg_bench.data.adapters.base.DatasetCountWarning")
def test_train_resume_exactly_and_animate(tmp_path, capsys):
    from slvg_bench.methods import get_method
    from tests.data.fakes import small_synthsign

    small_synthsign(tmp_path / "data" / "synthsign")
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(yaml.safe_dump(TINY))
    base = ["train", "-m", "mraa", "-d", "synthsign", "--config", str(tiny), "--data-root", str(tmp_path / "data"),
            "--device", "cpu", "--no-progress"]
    code, err = run(capsys, *base, "--max-steps", "3", "--out", str(tmp_path / "straight"))
    assert code == 0, err
    code, err = run(capsys, *base, "--max-steps", "2", "--out", str(tmp_path / "split"))
    assert code == 0, err
    code, err = run(capsys, *base, "--max-steps", "3", "--resume", "--out", str(tmp_path / "split"))
    assert code == 0, err
    a, b = read_checkpoint(tmp_path / "straight" / FINAL), read_checkpoint(tmp_path / "split" / FINAL)
    assert a["method"] == "mraa" and a["step"] == b["step"] == 3
    # random equivariance warps, BatchNorm statistics and Adam state all resume exactly
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])

    animator = get_method("mraa").load(str(tmp_path / "split" / FINAL))
    source, driving = torch.rand(3, 48, 48), torch.rand(4, 3, 48, 48)
    for mode in ("standard", "relative"):
        out = animator.animate(source, driving, mode=mode)
        assert out.shape == (4, 3, 48, 48) and 0 <= out.min() and out.max() <= 1
