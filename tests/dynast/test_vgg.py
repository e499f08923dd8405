"""VGG-19 features for the DynaST losses: weight choices and torchvision layer order."""

import pytest
import torch
import torchvision

from baselines.dynast import vgg as V
from slvg_bench.errors import UsageError, WeightsUnavailableError


def test_imagenet_weights_are_the_torchvision_features(tmp_path, monkeypatch):
    torch.manual_seed(0)
    reference = torchvision.models.vgg19().features.eval()
    path = tmp_path / "vgg19.pth"
    torch.save({f"features.{k}": v for k, v in reference.state_dict().items()}, path)
    monkeypatch.setattr(V.weight_store, "require", lambda wid: path)
    monkeypatch.setattr(V.weight_store, "status", lambda wid: "present")
    for choice in ("imagenet", "auto"):
        feats = V.VGG19Features(choice)
        assert feats.weights_used == "imagenet"
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    ours = feats(x)
    normed = ((x + 1) / 2 - torch.tensor(V._MEAN).view(1, 3, 1, 1)) / torch.tensor(V._STD).view(1, 3, 1, 1)
    expected, h = [], normed
    with torch.no_grad():
        for i, layer in enumerate(reference):
            h = layer(h)
            if i in (3, 8, 13, 22, 31):  # relu1_2, relu2_2, relu3_2, relu4_2, relu5_2
                expected.append(h)
            if i == 31:
                break
    for a, b in zip(ours, expected):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_random_and_missing_weights():
    a, b = V.VGG19Features("random"), V.VGG19Features("random")
    assert a.weights_used == "random" and torch.equal(a.w0, b.w0)  # fixed seed
    with pytest.raises(WeightsUnavailableError):
        V.VGG19Features("imagenet")
    with pytest.raises(UsageError, match="imagenet, random or auto"):
        V.VGG19Features("caffe")
    assert list(a.state_dict()) == []
