"""The ``tpsmm`` Animator: registry entry, loading, modes, batching, devices, resizing."""

from __future__ import annotations

import pytest
import torch

from baselines.tpsmm.animator import TPSMMAnimator, load
from baselines.tpsmm.checkpoint import save_checkpoint
from baselines.tpsmm.model import TPSMM
from baselines.tpsmm.relative import adapt_movement_scale
from slvg_bench.errors import UsageError
from slvg_bench.methods import Animator, get_method
from tests.baselines.tpsmm_helpers import smooth_frames, tiny_config


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    cfg = tiny_config()
    model = TPSMM(cfg.model, with_avd=True)
    with torch.no_grad():  # a non-identity background so that using it or not is visible
        model.bg_predictor.bg_encoder.fc.weight.normal_(0, 0.01)
    return save_checkpoint(tmp_path_factory.mktemp("ckpt") / "tpsmm.pth", model, cfg)


def test_registry_entry():
    spec = get_method("tpsmm")
    assert spec.trainable and spec.needs_checkpoint and not spec.uses_keypoints
    assert spec.config_cls == "baselines.tpsmm.config:TPSMMConfig"
    assert spec.extra["cross_person_mode"] == "relative" and spec.extra["reconstruction_mode"] == "standard"
    with pytest.raises(UsageError, match="needs a checkpoint"):
        spec.load(None, "cpu")
    model = spec.build(tiny_config())
    assert hasattr(model, "set_epoch") and hasattr(model, "param_groups")


def test_standard_mode_shapes_batching_and_source_reuse(checkpoint):
    anim = load(str(checkpoint), "cpu", batch_size=2)
    assert isinstance(anim, Animator) and anim.info["format"] == "slvg-bench"
    source, driving = smooth_frames(1)[0], smooth_frames(5, seed=1, shift=0.05)
    out = anim.animate(source, driving)
    assert out.shape == (5, 3, 64, 64) and out.dtype == torch.float32 and 0 <= out.min() and out.max() <= 1
    assert not anim.model.training
    single = load(str(checkpoint), "cpu", batch_size=1).animate(source, driving)
    assert torch.allclose(out, single, atol=1e-4)  # batch size does not change results (float noise only)
    m = anim.model
    with torch.no_grad():  # frame 3 equals a plain per-frame forward (source features are only reused)
        src, drv = source[None], driving[3:4]
        ref = m.generate(src, m.kp_detector(src), m.kp_detector(drv), m.bg_predictor(src, drv))["prediction"]
    assert torch.allclose(out[3:4], ref, atol=1e-4)
    no_bg = load(str(checkpoint), "cpu", use_bg=False).animate(source, driving)
    assert not torch.allclose(no_bg, out, atol=1e-4)


def test_relative_and_avd_modes(checkpoint):
    anim = load(str(checkpoint), "cpu", mode="relative")
    source, other = smooth_frames(1)[0], smooth_frames(1, seed=7)[0]
    still = other[None].expand(3, -1, -1, -1)
    rel = anim.animate(source, still)  # a motionless driving video: every frame = the source's own pose
    std = anim.animate(source, source[None].expand(3, -1, -1, -1), mode="standard")
    with torch.no_grad():
        no_bg = anim.model.generate(source[None], *[anim.model.kp_detector(source[None])] * 2, None)["prediction"]
    # 1e-4: oneDNN picks its fp32 convolution kernels by batch size (3 frames vs 1): 1.8e-5 measured on an AVX-512 CPU
    assert torch.allclose(rel, no_bg.expand(3, -1, -1, -1), atol=1e-4)
    assert std.shape == rel.shape
    avd = anim.animate(source, smooth_frames(2, seed=3), mode="avd")
    assert avd.shape == (2, 3, 64, 64)
    with pytest.raises(UsageError, match="mode must be"):
        anim.animate(source, still, mode="sideways")


def test_relative_scale_uses_hull_area_ratio():
    square = torch.tensor([[[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [0.0, 0.0]]])
    assert torch.allclose(adapt_movement_scale(square * 0.5, square), torch.tensor([0.5], dtype=torch.float64))
    assert adapt_movement_scale(torch.zeros(1, 5, 2), square).item() == 1.0  # degenerate hull -> 1


def test_resizing_and_input_checks(checkpoint):
    anim = load(str(checkpoint), "cpu")
    out = anim.animate(smooth_frames(1, 128)[0], smooth_frames(2, 128, seed=1))  # model runs at 64
    assert out.shape == (2, 3, 128, 128)
    with pytest.raises(UsageError, match="sizes differ"):
        anim.animate(smooth_frames(1)[0], smooth_frames(2, 128))
    with pytest.raises(UsageError, match="T×3×H×W"):
        anim.animate(smooth_frames(1)[0], smooth_frames(1)[0])
    model = TPSMM(tiny_config().model)  # without an AVD network
    with pytest.raises(UsageError, match="avd_network"):
        TPSMMAnimator(model, tiny_config(), mode="avd").animate(smooth_frames(1)[0], smooth_frames(1))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu(checkpoint):
    source, driving = smooth_frames(1)[0], smooth_frames(3, seed=1)
    cpu = load(str(checkpoint), "cpu").animate(source, driving)
    gpu = load(str(checkpoint), "cuda").animate(source.cuda(), driving.cuda())
    assert gpu.device.type == "cuda" and torch.allclose(gpu.cpu(), cpu, atol=1e-3)
