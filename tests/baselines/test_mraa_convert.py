"""Official-layout MRAA checkpoints: convert -> strict load -> the same forward as the raw tensors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from baselines.mraa.animator import MRAAAnimator
from baselines.mraa.checkpoint import load_any
from baselines.mraa.convert import KEY_TABLE, infer_model_config, load_official, main as convert_main
from baselines.mraa.generator import Generator
from baselines.mraa.model import MRAA, build_networks
from slvg_bench.errors import CheckpointError, UsageError, WeightsUnavailableError
from tests.baselines import helpers
from tests.baselines.mraa_helpers import smooth_frames, tiny_model_config


def _perturb(net: torch.nn.Module, seed: int) -> None:
    """Non-default norms, running stats and background head, so a swapped or dropped tensor shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(torch.exp(0.2 * torch.randn(m.running_var.shape, generator=g)))
                m.num_batches_tracked.fill_(7)
        if hasattr(net, "fc"):
            net.fc.weight.normal_(0, 0.02, generator=g)
            net.fc.bias.add_(0.03 * torch.randn(net.fc.bias.shape, generator=g))


@pytest.fixture(scope="module")
def official_ckpt():
    """A random tiny MRAA in the official top-level layout, as the official Logger writes it after the AVD stage."""
    torch.manual_seed(0)
    ckpt = helpers.official_state_dicts(build_networks(tiny_model_config(), with_avd=True), _perturb)
    # the fixtures store the AVD in float16 (the official files are float32; both must load)
    ckpt["avd_network"] = {k: (v.half() if v.is_floating_point() and "running" not in k else v)
                           for k, v in ckpt["avd_network"].items()}
    ckpt["optimizer_reconstruction"] = {"state": {}, "param_groups": [{"lr": 1e-3, "params": [0, 1]}]}
    ckpt["optimizer_avd"] = ckpt["optimizer_reconstruction"]
    ckpt["epoch_reconstruction"] = 99
    ckpt["epoch_avd"] = 29
    return ckpt


def _bn(x, sd, p):
    return F.batch_norm(x, sd[p + "running_mean"], sd[p + "running_var"], sd[p + "weight"], sd[p + "bias"],
                        False, 0.0, 1e-5)


def _down_ref(x, sd, p):
    x = F.conv2d(x, sd[p + "conv.weight"], sd[p + "conv.bias"], padding=1)
    return F.avg_pool2d(F.relu(_bn(x, sd, p + "norm.")), 2)


def _hourglass_ref(x, sd, p, n):
    """The FOMM hourglass written directly on the raw tensors (BatchNorm in eval mode)."""
    feats = [x]
    for i in range(n):
        feats.append(_down_ref(feats[-1], sd, f"{p}encoder.down_blocks.{i}."))
    out = feats.pop()
    for i in range(n):
        q = f"{p}decoder.up_blocks.{i}."
        out = F.conv2d(F.interpolate(out, scale_factor=2), sd[q + "conv.weight"], sd[q + "conv.bias"], padding=1)
        out = torch.cat([F.relu(_bn(out, sd, q + "norm.")), feats.pop()], dim=1)
    return out


def _region_ref(sd, x):
    """Region centres and heatmaps straight from the official tensors (pad 3, temperature 0.1, scale 1/4)."""
    x = F.conv2d(F.pad(x, (6, 6, 6, 6)), sd["down.weight"], groups=3)[:, :, ::4, ::4]
    logits = F.conv2d(_hourglass_ref(x, sd, "predictor.", 3), sd["regions.weight"], sd["regions.bias"], padding=3)
    b, k, h, w = logits.shape
    heat = torch.softmax(logits.view(b, k, -1) / 0.1, dim=-1).view(b, k, h, w)
    xs, ys = torch.linspace(-1, 1, w), torch.linspace(-1, 1, h)
    shift = torch.stack([torch.einsum("bkhw,w->bk", heat, xs), torch.einsum("bkhw,h->bk", heat, ys)], -1)
    return heat, shift


def _bg_ref(sd, src, drv):
    x = torch.cat([src, drv], 1)
    for i in range(3):
        x = _down_ref(x, sd, f"encoder.down_blocks.{i}.")
    return F.linear(x.mean(dim=(2, 3)), sd["fc.weight"], sd["fc.bias"]).view(-1, 2, 3)


def _avd_ref(sd, rs, rd):
    sd = {k: v.float() for k, v in sd.items() if v.is_floating_point()}

    def mlp(name, x):
        for i in (0, 3, 6):
            x = F.relu(_bn(F.linear(x, sd[f"{name}.{i}.weight"], sd[f"{name}.{i}.bias"]), sd, f"{name}.{i + 1}."))
        return F.linear(x, sd[f"{name}.9.weight"], sd[f"{name}.9.bias"])

    def emb(p, sign=1):
        return torch.cat([p["shift"], (p["affine"] * sign).flatten(2)], -1).flatten(1)

    sign = torch.sign((rs["affine"] @ torch.inverse(rd["affine"]))[..., :1, :1])
    out = mlp("decoder", torch.cat([mlp("pose_encoder", emb(rd)), mlp("id_encoder", emb(rs, sign))], 1))
    return out.view(rs["shift"].shape[0], -1, 6)


def test_convert_file_loads_strictly_and_matches_raw_tensors(official_ckpt, tmp_path):
    path = tmp_path / "vox256.pth"
    torch.save(official_ckpt, path)
    model, cfg, info = load_any(path)
    conv = info["conversion"]
    assert info["format"] == "official" and conv["absent"] == {}
    assert conv["ignored"] == ["epoch_avd", "epoch_reconstruction", "optimizer_avd", "optimizer_reconstruction"]
    assert conv["tensors"] == {k: len(official_ckpt[k]) for k in KEY_TABLE}
    assert cfg.model.num_regions == 4 and model.avd_network is not None
    src, drv = smooth_frames(2), smooth_frames(2, seed=1)
    with torch.no_grad():
        rs, rd = model.region_predictor(src), model.region_predictor(drv)
        heat, shift = _region_ref(official_ckpt["region_predictor"], src)
        assert torch.allclose(rs["heatmap"], heat, atol=1e-6) and torch.allclose(rs["shift"], shift, atol=1e-6)
        bg = model.bg_predictor(src, drv)
        assert torch.allclose(bg[:, :2], _bg_ref(official_ckpt["bg_predictor"], src, drv), atol=1e-6)
        assert torch.equal(bg[:, 2], torch.tensor([[0.0, 0.0, 1.0]] * 2))
        avd = model.avd_network(rs, rd)
        ref = _avd_ref(official_ckpt["avd_network"], rs, rd)
        assert torch.allclose(avd["shift"], ref[..., :2], atol=1e-5)
        assert torch.allclose(avd["affine"], ref[..., 2:].reshape(2, 4, 2, 2), atol=1e-5)
        # the generator (with its flow predictor) equals a Generator loaded directly from the sub-dict
        direct = build_networks(tiny_model_config())["generator"]
        direct.load_state_dict(official_ckpt["generator"], strict=True)
        expect = direct.eval()(src, rd, rs, bg)["prediction"]
        assert torch.equal(model.generate(src, rs, rd, bg)["prediction"], expect)


def test_dataparallel_prefixes_are_stripped(official_ckpt):
    model, _, _ = load_official(helpers.with_module_prefix(official_ckpt, "generator"))
    assert torch.equal(model.generator.final.weight, official_ckpt["generator"]["final.weight"])


def test_missing_optional_parts_behave_as_the_official_code(official_ckpt):
    stage1 = {k: v for k, v in official_ckpt.items() if k not in ("avd_network", "optimizer_avd", "epoch_avd")}
    model, cfg, report = load_official(stage1)
    assert model.avd_network is None and model.bg_predictor is not None
    assert report.absent == {"avd_network": "avd mode unavailable"}
    animator = MRAAAnimator(model, cfg)
    src, drv = smooth_frames(1)[0], smooth_frames(3, seed=2)
    with pytest.raises(UsageError, match="avd_network"):
        animator.animate(src, drv, mode="avd")
    # no bg_predictor (the official demo never loads one): identity background
    demo_only = {k: v for k, v in stage1.items() if k != "bg_predictor"}
    model2, cfg2, report2 = load_official(demo_only, image_size=(64, 64))  # no resizing in the animator
    assert model2.bg_predictor is None and report2.absent["bg_predictor"] == "identity background"
    with torch.no_grad():
        a = MRAAAnimator(model2, cfg2).animate(src, drv)
        s = model.region_predictor(src[None])
        b = model.generate(src[None], s, model.region_predictor(drv), None)["prediction"]
    assert torch.allclose(a, b, atol=1e-6)
    # bg_type 'zero' (mgif) is stored as an empty state dict
    zero = dict(stage1, bg_predictor={})
    model3, cfg3, report3 = load_official(zero)
    assert cfg3.model.bg_predictor.bg_type == "zero" and report3.tensors["bg_predictor"] == 0
    assert torch.equal(model3.bg_predictor(src[None], src[None]), torch.eye(3)[None])


def test_bad_checkpoints_raise_clear_errors(official_ckpt, tmp_path):
    with pytest.raises(CheckpointError, match="missing generator"):
        load_official({k: v for k, v in official_ckpt.items() if k != "generator"})
    bad = dict(official_ckpt)
    bad["generator"] = dict(official_ckpt["generator"])
    bad["generator"]["bottleneck.r0.conv1.bias"] = torch.zeros(5)
    with pytest.raises(CheckpointError, match=r"bottleneck\.r0\.conv1\.bias has shape \(5,\)"):
        load_official(bad)
    extra = dict(official_ckpt)
    extra["avd_network"] = dict(official_ckpt["avd_network"], **{"decoder.99.weight": torch.zeros(1)})
    with pytest.raises(CheckpointError, match="tensors"):
        load_official(extra)
    odd_bg = dict(official_ckpt)
    odd_bg["bg_predictor"] = dict(official_ckpt["bg_predictor"], **{"fc.weight": torch.zeros(5, 32),
                                                                    "fc.bias": torch.zeros(5)})
    with pytest.raises(CheckpointError, match="2, 6 or 8"):
        load_official(odd_bg)
    helpers.assert_load_any_refuses_bad_files(load_any, tmp_path, "generator", other_method="tpsmm")
    with pytest.raises(WeightsUnavailableError, match="vox256.pth"):
        load_any("mraa.vox256-official")


def test_infer_config_setups_and_convert_command(official_ckpt, tmp_path):
    cfg = infer_model_config(official_ckpt, image_size=(64, 64))
    assert cfg == tiny_model_config()
    src_path, out_path = tmp_path / "ted384.pth", tmp_path / "ours.pth"
    torch.save(official_ckpt, src_path)
    convert_main([str(src_path), str(out_path), "--setup", "ted"])
    saved = torch.load(out_path, weights_only=True)
    assert saved["method"] == "mraa" and saved["config"]["model"]["image_size"] == [384, 384]
    assert saved["config"]["model"]["region_predictor"]["pad"] == 0  # not stored in the file: from the setup
    assert saved["config"]["train"]["batch_size"] == 6  # the ted384 recipe travels with it
    ours, cfg2, info = load_any(out_path)
    official, _, _ = load_official(official_ckpt, setup="ted")
    assert info["format"] == "slvg-bench" and isinstance(ours, MRAA) and ours.region_predictor.regions.padding == (0, 0)
    helpers.assert_same_state(ours, official)
    # a weight id resolves through the cache once the file is installed (here: added from a local copy)
    from slvg_bench import weights

    weights.add("mraa.ted384-official", src_path)
    model, cfg3, info3 = load_any("mraa.ted384-official")
    assert info3["setup"] == "ted" and cfg3.model.image_size == (384, 384)
    assert isinstance(model.generator, Generator)
