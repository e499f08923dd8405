"""Official-layout TPSMM checkpoints: convert -> strict load -> the same forward as the raw tensors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import torchvision

from baselines.tpsmm.checkpoint import load_any
from baselines.tpsmm.convert import KEY_TABLE, infer_model_config, load_official, main as convert_main
from baselines.tpsmm.model import TPSMM, build_networks
from slvg_bench.errors import CheckpointError
from tests.baselines import helpers
from tests.baselines.tpsmm_helpers import smooth_frames, tiny_model_config


def _perturb(net: torch.nn.Module, seed: int) -> None:
    """Non-default norms/biases/running stats so a swapped or dropped tensor changes the output."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.InstanceNorm2d)) and m.affine:
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(torch.exp(0.2 * torch.randn(m.running_var.shape, generator=g)))
                m.num_batches_tracked.fill_(7)
    if hasattr(net, "bg_encoder"):
        with torch.no_grad():
            net.bg_encoder.fc.weight.normal_(0, 0.004, generator=g)
            net.bg_encoder.fc.bias.add_(0.03 * torch.randn(6, generator=g))


@pytest.fixture(scope="module")
def official_ckpt():
    """A random tiny TPSMM in the official top-level layout, as the official Logger writes it."""
    torch.manual_seed(0)
    ckpt = helpers.official_state_dicts(build_networks(tiny_model_config(), with_avd=True), _perturb)
    ckpt["kp_detector"] = {k: (v.half() if v.is_floating_point() else v) for k, v in ckpt["kp_detector"].items()}
    ckpt["optimizer"] = {"state": {}, "param_groups": [{"lr": 2e-4, "params": [0, 1]}]}
    ckpt["epoch"] = 99
    return ckpt


def _resnet_reference(sd: dict, prefix: str, in_ch: int, out: int) -> torch.nn.Module:
    net = torchvision.models.resnet18(weights=None, num_classes=out)
    if in_ch != 3:
        net.conv1 = torch.nn.Conv2d(in_ch, 64, 7, 2, 3, bias=False)
    net.load_state_dict({k[len(prefix):]: v.float() if v.is_floating_point() else v
                         for k, v in sd.items()}, strict=True)
    return net.eval()


def _avd_reference(sd: dict, kp_s: torch.Tensor, kp_d: torch.Tensor) -> torch.Tensor:
    def mlp(name, x):
        for i in (0, 3, 6):
            x = F.linear(x, sd[f"{name}.{i}.weight"], sd[f"{name}.{i}.bias"])
            x = F.batch_norm(x, sd[f"{name}.{i + 1}.running_mean"], sd[f"{name}.{i + 1}.running_var"],
                             sd[f"{name}.{i + 1}.weight"], sd[f"{name}.{i + 1}.bias"], False, 0.0, 1e-5)
            x = F.relu(x)
        return F.linear(x, sd[f"{name}.9.weight"], sd[f"{name}.9.bias"])

    b = kp_s.shape[0]
    pose, ident = mlp("pose_encoder", kp_d.reshape(b, -1)), mlp("id_encoder", kp_s.reshape(b, -1))
    rec = mlp("decoder", torch.cat([pose, ident], 1))
    return rec.view(b, -1, 2)


def test_convert_file_loads_strictly_and_matches_raw_tensors(official_ckpt, tmp_path):
    path = tmp_path / "vox.pth.tar"
    torch.save(official_ckpt, path)
    model, cfg, info = load_any(path)
    assert info["format"] == "official" and info["conversion"]["ignored"] == ["epoch", "optimizer"]
    assert cfg.model.num_tps == 3 and cfg.model.bg and model.avd_network is not None
    assert info["conversion"]["tensors"] == {k: len(official_ckpt[k]) for k in KEY_TABLE}
    src, drv = smooth_frames(2), smooth_frames(2, seed=1)
    with torch.no_grad():
        kp_ref = _resnet_reference(official_ckpt["kp_detector"], "fg_encoder.", 3, 30)
        kp_s = model.kp_detector(src)
        assert torch.allclose(kp_s, (torch.sigmoid(kp_ref(src)) * 2 - 1).view(2, 15, 2), atol=1e-6)
        bg_ref = _resnet_reference(official_ckpt["bg_predictor"], "bg_encoder.", 6, 6)
        bg = model.bg_predictor(src, drv)
        assert torch.allclose(bg[:, :2], bg_ref(torch.cat([src, drv], 1)).view(2, 2, 3), atol=1e-6)
        kp_d = model.kp_detector(drv)
        assert torch.allclose(model.avd_network(kp_s, kp_d), _avd_reference(official_ckpt["avd_network"], kp_s, kp_d),
                              atol=1e-5)
        # the motion/inpainting path equals the same modules loaded directly from the sub-dicts
        direct = build_networks(tiny_model_config())
        for name in ("dense_motion_network", "inpainting_network"):
            direct[name].load_state_dict(official_ckpt[name], strict=True)
            direct[name].eval()
        motion = direct["dense_motion_network"](src, kp_d, kp_s, bg)
        expect = direct["inpainting_network"](src, motion)["prediction"]
        got = model.generate(src, kp_s, kp_d, bg)["prediction"]
    assert torch.equal(got, expect)


def test_dataparallel_prefixes_are_stripped(official_ckpt):
    model, _, _ = load_official(helpers.with_module_prefix(official_ckpt, "inpainting_network"))
    assert torch.equal(model.inpainting_network.final.weight, official_ckpt["inpainting_network"]["final.weight"])


def test_missing_optional_parts_behave_as_the_official_code(official_ckpt):
    ckpt = {k: v for k, v in official_ckpt.items() if k not in ("bg_predictor", "avd_network")}
    model, cfg, report = load_official(ckpt)
    assert model.bg_predictor is None and model.avd_network is None and not cfg.model.bg
    assert report.absent == {"bg_predictor": "identity background", "avd_network": "not available"}
    # the official reconstruction would run a freshly initialised bg predictor: exactly the identity
    from baselines.tpsmm.bg_motion_predictor import BGMotionPredictor

    src, drv = smooth_frames(1), smooth_frames(1, seed=4)
    with torch.no_grad():
        fresh = BGMotionPredictor().eval()(src, drv)
        kp_s, kp_d = model.kp_detector(src), model.kp_detector(drv)
        a = model.generate(src, kp_s, kp_d, fresh)["prediction"]
        b = model.generate(src, kp_s, kp_d, None)["prediction"]
    assert torch.equal(fresh, torch.eye(3)[None]) and torch.equal(a, b)


def test_bad_checkpoints_raise_clear_errors(official_ckpt, tmp_path):
    with pytest.raises(CheckpointError, match="missing dense_motion_network"):
        load_official({k: v for k, v in official_ckpt.items() if k != "dense_motion_network"})
    with pytest.raises(CheckpointError, match="generator, region_predictor"):
        load_official({"generator": {}, "region_predictor": {}})
    bad = dict(official_ckpt)
    bad["inpainting_network"] = dict(official_ckpt["inpainting_network"])
    bad["inpainting_network"]["resblock.0.conv1.bias"] = torch.zeros(5)
    with pytest.raises(CheckpointError, match=r"resblock\.0\.conv1\.bias has shape \(5,\)"):
        load_official(bad)
    extra = dict(official_ckpt)
    extra["avd_network"] = dict(official_ckpt["avd_network"], **{"decoder.99.weight": torch.zeros(1)})
    with pytest.raises(CheckpointError, match="tensors"):
        load_official(extra)
    helpers.assert_load_any_refuses_bad_files(load_any, tmp_path, "kp_detector", other_method="mraa")


def test_infer_config_and_convert_command(official_ckpt, tmp_path):
    cfg = infer_model_config(official_ckpt, image_size=(64, 64))
    assert cfg == tiny_model_config()
    src_path, out_path = tmp_path / "official.pth.tar", tmp_path / "ours.pth"
    torch.save(official_ckpt, src_path)
    convert_main([str(src_path), str(out_path), "--setup", "vox"])
    saved = torch.load(out_path, weights_only=True)
    assert saved["method"] == "tpsmm" and saved["config"]["model"]["image_size"] == [256, 256]
    assert saved["config"]["train"]["milestones"] == [70, 90]  # the vox recipe travels with it
    ours, cfg2, info = load_any(out_path)
    official, _, _ = load_official(official_ckpt)
    assert info["format"] == "slvg-bench" and isinstance(ours, TPSMM)
    helpers.assert_same_state(ours, official)


def test_catalog_ids_resolve_through_the_weights_cache(official_ckpt, tmp_path, monkeypatch):
    from slvg_bench import weights
    from slvg_bench.errors import WeightsUnavailableError

    monkeypatch.setenv("SLVG_BENCH_HOME", str(tmp_path / "home"))
    with pytest.raises(WeightsUnavailableError, match="slvg-bench weights add tpsmm.ted384-official"):
        load_any("tpsmm.ted384-official")
    src = tmp_path / "ted.pth.tar"
    torch.save(official_ckpt, src)
    weights.add("tpsmm.ted384-official", src)  # no published checksum: accepted, digest recorded
    model, cfg, info = load_any("tpsmm.ted384-official")
    assert info["format"] == "official" and tuple(cfg.model.image_size) == (384, 384)  # the TED setup
    assert cfg.train.batch_size == 12
