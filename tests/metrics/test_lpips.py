import types
import warnings

import lpips
import lpips.pretrained_networks as pn
import pytest
import torch
import torchvision

from slvg_bench.errors import CheckpointError
from slvg_bench.metrics import lpips_metric
from slvg_bench.metrics.base import VideoPair
from slvg_bench.metrics.lpips_metric import LPIPSAlex, LPIPSVgg, build_lpips
from tests.metrics.helpers import noisy, random_video, structured_video
from tests.metrics.tolerances import TOLERANCES


def random_torchvision_trunk(net: str, seed: int) -> torch.nn.Module:
    """A torchvision model with random weights whose state dict has the official file's key layout."""
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if net == "alex":
            return torchvision.models.alexnet(weights=None)
        # vgg16 without its 120M-parameter classifier: same features.* keys as vgg16-397923af.pth
        return types.SimpleNamespace(
            features=torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs["D"]),
            state_dict=None,
        )


def trunk_file(tmp_path, net, seed=0):
    model = random_torchvision_trunk(net, seed)
    state = model.state_dict() if net == "alex" else {f"features.{k}": v for k, v in model.features.state_dict().items()}
    path = tmp_path / f"{net}.pth"
    torch.save(state, path)
    return model, path


def reference_lpips(monkeypatch, net, model):
    """The lpips package exactly as users call it, its "pretrained" trunk being our random model."""
    factory = {"alex": "alexnet", "vgg": "vgg16"}[net]
    monkeypatch.setattr(pn.tv, factory, lambda *a, **k: model)
    return lpips.LPIPS(net=net, version="0.1", verbose=False).eval()


@pytest.mark.parametrize("net", ["alex", pytest.param("vgg", marks=pytest.mark.slow)])
def test_batched_metric_equals_the_lpips_package_with_the_same_weights(tmp_path, monkeypatch, net):
    model, path = trunk_file(tmp_path, net)
    ref = reference_lpips(monkeypatch, net, model)
    metric = (LPIPSAlex if net == "alex" else LPIPSVgg)(backbone_path=path, batch_frames=3)
    cases = [(random_video(4, 32, 32, 0), random_video(4, 32, 32, 1)),
             (structured_video(5, 48, 40), noisy(structured_video(5, 48, 40), 0.05))]
    for a, b in cases:
        with torch.no_grad():
            expected = torch.tensor([float(ref(x[None] * 2 - 1, y[None] * 2 - 1)) for x, y in zip(a, b)])
        got = metric.per_frame(a, b)
        torch.testing.assert_close(got.float(), expected, rtol=0, atol=TOLERANCES["lpips_vs_package"])
        video = metric.score(VideoPair("v", a, b))[metric.info.id]
        assert video == pytest.approx(float(expected.double().mean()), abs=TOLERANCES["lpips_vs_package"])
        assert metric.per_frame(a, a).abs().max() < 1e-6


def test_backbone_comes_from_the_weights_manager(tmp_path, monkeypatch):
    _, path = trunk_file(tmp_path, "alex", seed=1)
    asked = []
    monkeypatch.setattr(lpips_metric.weights, "require", lambda wid: asked.append(wid) or path)
    metric = LPIPSAlex()
    assert metric.unavailable_reason() is None
    metric.score(VideoPair("v", random_video(2, 32, 32), random_video(2, 32, 32, 1)))
    assert asked[-1] == "alexnet.imagenet-torchvision"
    assert set(metric.weight_digests()) == {"alexnet.imagenet-torchvision", "lpips-0.1.4:weights/v0.1/alex.pth"}


def test_missing_backbone_makes_lpips_unavailable_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    reason = LPIPSAlex().unavailable_reason()
    assert reason and "slvg-bench weights add alexnet.imagenet-torchvision" in reason
    assert "vgg16.imagenet-torchvision" in LPIPSVgg().unavailable_reason()
    assert LPIPSAlex(random_backbone=True).unavailable_reason() is None


def test_wrong_backbone_file_is_rejected(tmp_path):
    _, vgg_path = trunk_file(tmp_path, "vgg")
    with pytest.raises(CheckpointError, match="features"):
        build_lpips("alex", backbone_path=vgg_path)


def test_lin_layers_are_the_published_ones():
    from slvg_bench import weights
    from slvg_bench.metrics.lpips_metric import LIN_SHA256, lin_layers_path

    for net, digest in LIN_SHA256.items():
        assert weights.sha256_file(lin_layers_path(net)) == digest
