"""The dynast Animator: registry, checkpoint forms, frame batching, keypoint handling."""

import pytest
import torch

from baselines.dynast.animator import DynaSTAnimator, load
from baselines.dynast.config import PoseConfig
from baselines.dynast.convert import ours_to_official, save_converted
from baselines.dynast.generator import DynaSTGenerator, GeneratorConfig
from slvg_bench import weights
from slvg_bench.config import to_dict
from slvg_bench.errors import CheckpointError, UsageError, WeightsUnavailableError
from slvg_bench.methods import METHODS, get_method
from tests.dynast.test_training import pair_batch, tiny_config

GEN = GeneratorConfig(crop_size=32, ngf=4, n_layers=1, pos_dim=4, prune_dim=4)


def _video(t=5, size=48, seed=0):
    batch = pair_batch(b=t, size=size, seed=seed)
    return batch["driving"], batch["driving_kp"]


def test_registered_lazily_with_its_facts():
    assert "dynast" in METHODS and METHODS.path("dynast") == "baselines.dynast.animator:SPEC"
    spec = get_method("dynast")
    assert spec.uses_keypoints and spec.trainable and spec.needs_checkpoint
    assert spec.config_cls == "baselines.dynast.config:DynaSTConfig"


def test_animate_is_batched_over_frames_and_keeps_the_frame_size():
    torch.manual_seed(0)
    anim = DynaSTAnimator(DynaSTGenerator(GEN, 133), PoseConfig(), batch_size=2)
    driving, kp = _video()
    out = anim.animate(driving[0], driving, kp)  # source = first frame: its keypoints are kp[0]
    assert out.shape == driving.shape and out.min() >= 0 and out.max() <= 1
    anim.batch_size = 5
    torch.testing.assert_close(anim.animate(driving[0], driving, kp, source_keypoints=kp[0]), out, rtol=1e-5, atol=1e-5)
    assert not anim.generator.training


def test_keypoints_are_required():
    anim = DynaSTAnimator(DynaSTGenerator(GEN, 133), PoseConfig())
    driving, kp = _video()
    with pytest.raises(UsageError, match="driving_keypoints"):
        anim.animate(driving[0], driving)
    with pytest.raises(UsageError, match="source_keypoints"):
        anim.animate(driving[0] * 0.5, driving, kp)
    with pytest.raises(UsageError, match="frames"):
        anim.animate(driving[0], driving, kp[:2])


def test_loads_a_trainer_checkpoint(tmp_path):
    torch.manual_seed(1)
    cfg = tiny_config()
    from baselines.dynast.model import build

    model = build(cfg)
    path = tmp_path / "final.pt"
    torch.save({"method": "dynast", "config": to_dict(cfg), "model": model.state_dict(), "step": 3}, path)
    anim = load(str(path))
    for k, v in model.generator.state_dict().items():
        assert torch.equal(anim.generator.state_dict()[k], v)
    driving, kp = _video(t=2, size=32)
    assert anim.animate(driving[0], driving, kp).shape == (2, 3, 32, 32)
    torch.save({"method": "tpsmm", "config": {}, "model": {}}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="tpsmm"):
        load(str(tmp_path / "other.pt"))


def test_loads_official_and_converted_generators(tmp_path):
    torch.manual_seed(2)
    gen = DynaSTGenerator(GEN, 20)
    official = tmp_path / "latest_net_G.pth"
    torch.save(ours_to_official(gen.state_dict(), gen), official)
    converted = save_converted(gen, tmp_path / "converted.pth")
    driving, kp = _video(t=3, size=64, seed=3)
    outs = []
    for path in (official, converted):
        anim = load(str(path))
        assert anim.cfg.pose.encoding == "deepfashion20" and anim.generator.cfg.crop_size == 32
        outs.append(anim.animate(driving[0], driving, kp))  # 64-px frames through a 32-px model
    assert outs[0].shape == (3, 3, 64, 64)
    torch.testing.assert_close(outs[0], outs[1])


def test_catalog_id_and_missing_checkpoints():
    with pytest.raises(UsageError, match="needs a checkpoint"):
        load(None)
    with pytest.raises(WeightsUnavailableError, match="dynast.deepfashion-official"):
        load("dynast.deepfashion-official")
    assert "latest_net_G" in weights.get_spec("dynast.deepfashion-official").manual
    with pytest.raises(CheckpointError, match="does not exist"):
        load("/nonexistent/latest_net_G.pth")
    with pytest.raises(CheckpointError, match="does not exist"):
        load("latest_net_G.pth")
