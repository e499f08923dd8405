"""Small, valid files of every weight kind that has no published checksum (for `weights add` tests)."""

from __future__ import annotations

from pathlib import Path

import torch


def tpsmm_official(path: Path) -> Path:
    from baselines.tpsmm.model import build_networks
    from tests.baselines.tpsmm_helpers import tiny_model_config

    torch.manual_seed(0)
    ckpt = {k: net.state_dict() for k, net in build_networks(tiny_model_config(), with_avd=True).items()}
    ckpt.update(epoch=99, optimizer={"state": {}, "param_groups": [{"lr": 2e-4, "params": [0]}]})
    torch.save(ckpt, path)
    return path


def mraa_official(path: Path) -> Path:
    from baselines.mraa.model import build_networks
    from tests.baselines.mraa_helpers import tiny_model_config

    torch.manual_seed(0)
    ckpt = {k: net.state_dict() for k, net in build_networks(tiny_model_config(), with_avd=True).items()}
    ckpt.update(epoch_reconstruction=1)
    torch.save(ckpt, path)
    return path


def dynast_official(path: Path) -> Path:
    from baselines.dynast.convert import ours_to_official
    from baselines.dynast.generator import DynaSTGenerator, GeneratorConfig

    torch.manual_seed(0)
    model = DynaSTGenerator(GeneratorConfig(crop_size=32, ngf=4, n_layers=2, pos_dim=4, prune_dim=4), 20)
    torch.save(ours_to_official(model.state_dict(), model), path)
    return path


def posenet(path: Path) -> Path:
    from slvg_bench.pose.estimators.posenet import PoseNet, PoseNetConfig, posenet_checkpoint

    model = PoseNet(PoseNetConfig(input_size=64, widths=(8, 16, 16, 16), heatmap_stride=2))
    torch.save(posenet_checkpoint(model, {"note": "test"}), path)
    return path


def corrnet_official(path: Path, num_classes: int = 1116) -> Path:
    from slvg_bench.recognition.corrnet import CorrNet, CorrNetConfig

    model = CorrNet(CorrNetConfig(num_classes=num_classes, hidden_size=16, base_width=16))
    torch.save({"model_state_dict": model.state_dict()}, path)
    return path


def corrnet_synthsign(path: Path) -> Path:
    from slvg_bench.recognition.checkpoint import save_checkpoint
    from slvg_bench.recognition.corrnet import CorrNet, CorrNetConfig

    model = CorrNet(CorrNetConfig(num_classes=7, hidden_size=16, base_width=16))
    glosses = {g: [i + 1, 1] for i, g in enumerate(["A", "B", "C", "D", "E", "F"])}
    save_checkpoint(model, path, gloss_dict=glosses, slvg_config={"convention": "plain"})
    return path


def i3d_tats(path: Path) -> Path:
    from slvg_bench.metrics.i3d import InceptionI3d

    torch.save(InceptionI3d(400, in_channels=3).state_dict(), path)
    return path


# weight id -> factory of a valid file (ids of the same kind share one)
VALID = {
    "tpsmm.vox256-official": tpsmm_official,
    "mraa.vox256-official": mraa_official,
    "dynast.deepfashion-official": dynast_official,
    "posenet.synthsign": posenet,
    "corrnet.phoenix2014t-official": corrnet_official,
    "corrnet.synthsign-slvg": corrnet_synthsign,
}
