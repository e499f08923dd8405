"""Parity with the official TPSMM code (fixtures in ../shared/fixtures/tpsmm, produced by the official modules).

The fixture checkpoint (official top-level layout) goes through our converter and loads strictly; every
stored intermediate and output is reproduced in float32 on the CPU to the fixture's per-key tolerance
(tolerances.json, ten times the official code's own float32-vs-float64 deviation; ``ATOL`` for keys it does
not list), and the float64 re-run to ``ATOL64``.
"""

from __future__ import annotations

import pytest
import torch

from baselines.common.downsample import ImagePyramid
from baselines.common.random_tps import RandomTPS
from baselines.tpsmm.convert import infer_model_config, load_official
from baselines.tpsmm.dense_motion import dropout_softmax
from baselines.tpsmm.losses import background_loss, equivariance_loss, warp_loss
from baselines.tpsmm.relative import adapt_movement_scale, relative_keypoints
from baselines.tpsmm.tps import KeypointTPS
from tests.baselines.helpers import load_parity_fixture

ATOL = 1e-5
ATOL64 = 1e-9


@pytest.fixture(scope="module")
def fx():
    return load_parity_fixture("tpsmm", load_official)


FLOAT32_ATOL: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _float32_tolerances(fx):
    FLOAT32_ATOL.update(fx["atol"])


def close(got, ref, key, atol=None):
    """``got`` equals ``ref[key]`` within ``atol`` (default: the fixture's float32 tolerance of ``key``)."""
    if atol is None:
        atol = FLOAT32_ATOL.get(key, ATOL)
    exp = ref[key]
    assert got.shape == exp.shape, key
    err = (got.to(exp.dtype) - exp).abs().max().item() if exp.numel() else 0.0
    assert err <= atol, f"{key}: max abs error {err:.3g} > {atol}"


def test_converter_infers_the_fixture_architecture_and_loads_strictly(fx):
    kw = fx["config"]["constructor_kwargs"]
    cfg = infer_model_config(fx["ckpt"])
    dm = kw["dense_motion_network"]["kwargs"]
    gen = kw["inpainting_network"]["kwargs"]
    assert cfg.num_tps == dm["num_tps"] and cfg.bg and cfg.multi_mask
    assert (cfg.dense_motion.block_expansion, cfg.dense_motion.max_features, cfg.dense_motion.num_blocks,
            cfg.dense_motion.scale_factor) == (dm["block_expansion"], dm["max_features"], dm["num_blocks"],
                                               dm["scale_factor"])
    assert (cfg.generator.block_expansion, cfg.generator.max_features, cfg.generator.num_down_blocks) == (
        gen["block_expansion"], gen["max_features"], gen["num_down_blocks"])
    assert (cfg.avd.id_bottle_size, cfg.avd.pose_bottle_size) == (16, 16)
    rep = fx["report"]
    assert rep.tensors == {k: len(v) for k, v in fx["ckpt"].items() if isinstance(v, dict)}
    assert rep.ignored == ["epoch"] and rep.absent == {}


def _standard(model, src, drv, ref, prefix, atol=None):
    with torch.no_grad():
        kp_s = model.kp_detector(src)
        kp_d = model.kp_detector(drv)
        bg = model.bg_predictor(src, drv)
        out = model.generate(src, kp_s, kp_d, bg, warped_maps=True)
    close(kp_d, ref, f"{prefix}kp_driving/fg_kp", atol)
    close(bg, ref, f"{prefix}bg_param", atol)
    dm = out["dense_motion"]
    for k in ("heatmap_representation", "transformations", "contribution_logits", "deformed_source",
              "contribution_maps", "deformation"):
        if f"{prefix}dense_motion/{k}" in ref:
            close(dm[k], ref, f"{prefix}dense_motion/{k}", atol)
    for i in range(4):
        if f"{prefix}dense_motion/occlusion_map/{i}" in ref:
            close(dm["occlusion_map"][i], ref, f"{prefix}dense_motion/occlusion_map/{i}", atol)
    close(out["deformed"], ref, f"{prefix}inpainting/deformed", atol)
    close(out["prediction"], ref, f"{prefix}inpainting/prediction", atol)
    for i in range(4):
        if f"{prefix}inpainting/warped_encoder_maps/{i}" in ref:
            close(out["warped_encoder_maps"][i], ref, f"{prefix}inpainting/warped_encoder_maps/{i}", atol)
    if f"{prefix}l1_prediction_vs_driving" in ref:
        close(torch.abs(out["prediction"] - drv).mean(), ref, f"{prefix}l1_prediction_vs_driving", atol)


@pytest.mark.parametrize("t", [0, 1, 2])
def test_standard_mode_every_intermediate(fx, t):
    model, inp, ref = fx["model"], fx["inp"], fx["ref"]
    with torch.no_grad():
        close(model.kp_detector(inp["source"]), ref, "kp_source/fg_kp")
        close(model.dense_motion_network.downsample(inp["source"]), ref, "dense_motion/source_down")
    _standard(model, inp["source"], inp["driving"][t], ref, f"t{t}/")


def test_nonsquare_standard_mode(fx):
    model, inp, ref = fx["model"], fx["inp"], fx["ref"]
    with torch.no_grad():
        close(model.kp_detector(inp["nonsquare/source"]), ref, "nonsquare/kp_source/fg_kp")
    _standard(model, inp["nonsquare/source"], inp["nonsquare/driving"], ref, "nonsquare/")


@pytest.mark.parametrize("t", [0, 1, 2])
def test_relative_and_avd_modes(fx, t):
    model, inp, ref = fx["model"], fx["inp"], fx["ref"]
    src = inp["source"]
    with torch.no_grad():
        kp_s = model.kp_detector(src)
        kp_d0 = model.kp_detector(inp["driving"][0])
        kp_d = model.kp_detector(inp["driving"][t])
        scale = adapt_movement_scale(kp_s, kp_d0)
        close(scale, ref, f"relative/t{t}/adapt_movement_scale")
        kp_rel = relative_keypoints(kp_s, kp_d, kp_d0, scale)
        close(kp_rel, ref, f"relative/t{t}/fg_kp")
        out = model.generate(src, kp_s, kp_rel, None)
        close(out["dense_motion"]["deformation"], ref, f"relative/t{t}/deformation")
        close(out["prediction"], ref, f"relative/t{t}/prediction")
        kp_avd = model.avd_network(kp_s, kp_d)
        close(kp_avd, ref, f"avd/t{t}/fg_kp")
        out = model.generate(src, kp_s, kp_avd, None)
        close(out["dense_motion"]["deformation"], ref, f"avd/t{t}/deformation")
        close(out["prediction"], ref, f"avd/t{t}/prediction")


def test_tps_random_tps_dropout_and_pyramid(fx):
    inp, ref = fx["inp"], fx["ref"]
    tps = KeypointTPS(inp["tps_kp/kp_1"], inp["tps_kp/kp_2"])
    close(tps.theta, ref, "tps_kp/theta")
    close(tps.control_params, ref, "tps_kp/control_params")
    h, w = inp["tps_kp/frame_hw"].tolist()
    close(tps.grid(h, w), ref, "tps_kp/grid")
    close(tps.warp_coordinates(inp["tps_kp/coordinates"]), ref, "tps_kp/warped_coordinates")
    coords = inp["tps_kp/coordinates"].expand(2, -1, -1)
    for t in range(3):
        rt = RandomTPS(inp[f"random_tps/t{t}/theta"], inp[f"random_tps/t{t}/control_params"], 5, kernel="tpsmm")
        close(rt.grid(64, 64), ref, f"random_tps/t{t}/grid")
        close(rt.warp_coordinates(coords), ref, f"random_tps/t{t}/warped_coordinates")
        torch.manual_seed(1000 + t)  # our sampler draws exactly what the official constructor draws
        drawn = RandomTPS.sample(2)
        assert torch.equal(drawn.theta, rt.theta) and torch.equal(drawn.control_params, rt.control_params)
    torch.manual_seed(2000)
    out = dropout_softmax(inp["dropout/logits"], 0.5)
    close(out, ref, "dropout/output")
    assert torch.equal((out.sum(dim=(2, 3)) > 0).float(), inp["dropout/keep_mask"])
    pyr = ImagePyramid([1, 0.5, 0.25, 0.125])(inp["driving"][0])
    for key, value in pyr.items():
        close(value, ref, f"pyramid/t0/{key}")


@pytest.mark.parametrize("t", [0, 1, 2])
def test_losses_on_fixed_transforms(fx, t):
    model, inp, ref = fx["model"], fx["inp"], fx["ref"]
    src, drv = inp["source"], inp["driving"][t]
    transform = RandomTPS(inp[f"random_tps/t{t}/theta"], inp[f"random_tps/t{t}/control_params"], 5)
    with torch.no_grad():
        kp_s, kp_d = model.kp_detector(src), model.kp_detector(drv)
        bg = model.bg_predictor(src, drv)
        out = model.generate(src, kp_s, kp_d, bg, warped_maps=True)
        eq, frame, kp_t = equivariance_loss(model.kp_detector, drv, kp_d, transform, 10.0)
        encode = model.inpainting_network.get_encode(drv, out["occlusion_map"])
        wl = warp_loss(encode, out["warped_encoder_maps"], 10.0)
        bl = background_loss(bg, model.bg_predictor(drv, src), 10.0)
    close(frame, ref, f"losses/t{t}/transformed_frame")
    close(kp_t, ref, f"losses/t{t}/transformed_kp/fg_kp")
    close(eq, ref, f"losses/t{t}/equivariance_value")
    close(wl, ref, f"losses/t{t}/warp_loss")
    close(bl, ref, f"losses/t{t}/bg")
    if t == 0:
        for i in range(4):
            close(encode[i], ref, f"losses/t0/driving_encode_maps/{i}")


def test_float64_rerun(fx):
    model = fx["model"]
    model64 = type(model)(model.model_config, with_avd=True).double().eval()
    model64.load_state_dict(model.state_dict())
    inp, ref = fx["inp"], fx["ref64"]
    src = inp["source"].double()
    keys = [k for k in ref if not k.startswith("meta/")]
    checked = set()
    with torch.no_grad():
        kp_s = model64.kp_detector(src)
        close(kp_s, ref, "kp_source/fg_kp", ATOL64)
        checked.add("kp_source/fg_kp")
        drv = inp["driving"][0].double()
        kp_d = model64.kp_detector(drv)
        bg = model64.bg_predictor(src, drv)
        out = model64.generate(src, kp_s, kp_d, bg, warped_maps=True)
        got = {"t0/kp_driving/fg_kp": kp_d, "t0/bg_param": bg, "t0/inpainting/prediction": out["prediction"],
               "t0/inpainting/deformed": out["deformed"],
               "dense_motion/source_down": out["dense_motion"]["source_down"],
               "t0/l1_prediction_vs_driving": torch.abs(out["prediction"] - drv).mean()}
        for k in ("heatmap_representation", "transformations", "contribution_logits", "deformed_source",
                  "contribution_maps", "deformation"):
            got[f"t0/dense_motion/{k}"] = out["dense_motion"][k]
        for i in range(4):
            got[f"t0/dense_motion/occlusion_map/{i}"] = out["dense_motion"]["occlusion_map"][i]
        kp_d0, kp_d1 = kp_d, model64.kp_detector(inp["driving"][1].double())
        kp_rel = relative_keypoints(kp_s, kp_d1, kp_d0)
        rel = model64.generate(src, kp_s, kp_rel, None)
        kp_avd = model64.avd_network(kp_s, kp_d1)
        avd = model64.generate(src, kp_s, kp_avd, None)
        got.update({"relative/t1/fg_kp": kp_rel, "relative/t1/deformation": rel["dense_motion"]["deformation"],
                    "relative/t1/prediction": rel["prediction"], "relative/t1/adapt_movement_scale":
                    adapt_movement_scale(kp_s, kp_d0), "avd/t1/fg_kp": kp_avd,
                    "avd/t1/deformation": avd["dense_motion"]["deformation"], "avd/t1/prediction": avd["prediction"]})
        ns_s, ns_d = inp["nonsquare/source"].double(), inp["nonsquare/driving"].double()
        ns = model64.generate(ns_s, model64.kp_detector(ns_s), model64.kp_detector(ns_d),
                              model64.bg_predictor(ns_s, ns_d))
        got["nonsquare/dense_motion/deformation"] = ns["dense_motion"]["deformation"]
        got["nonsquare/inpainting/prediction"] = ns["prediction"]
        tps = KeypointTPS(inp["tps_kp/kp_1"].double(), inp["tps_kp/kp_2"].double())
        h, w = inp["tps_kp/frame_hw"].tolist()
        got.update({"tps_kp/theta": tps.theta, "tps_kp/control_params": tps.control_params,
                    "tps_kp/grid": tps.grid(h, w),
                    "tps_kp/warped_coordinates": tps.warp_coordinates(inp["tps_kp/coordinates"].double())})
        rt = RandomTPS(inp["random_tps/t0/theta"].double(), inp["random_tps/t0/control_params"].double(), 5)
        got["random_tps/t0/grid"] = rt.grid(64, 64)
        coords = inp["tps_kp/coordinates"].double().expand(2, -1, -1)
        got["random_tps/t0/warped_coordinates"] = rt.warp_coordinates(coords)
        torch.manual_seed(2000)
        got["dropout/output"] = dropout_softmax(inp["dropout/logits"].double(), 0.5)
        for t in range(3):
            d = inp["driving"][t].double()
            transform = RandomTPS(inp[f"random_tps/t{t}/theta"].double(),
                                  inp[f"random_tps/t{t}/control_params"].double(), 5)
            kd = model64.kp_detector(d)
            b = model64.bg_predictor(src, d)
            o = model64.generate(src, kp_s, kd, b, warped_maps=True)
            got[f"losses/t{t}/equivariance_value"] = equivariance_loss(model64.kp_detector, d, kd, transform)[0]
            got[f"losses/t{t}/warp_loss"] = warp_loss(model64.inpainting_network.get_encode(d, o["occlusion_map"]),
                                                      o["warped_encoder_maps"])
            got[f"losses/t{t}/bg"] = background_loss(b, model64.bg_predictor(d, src))
    for key, value in got.items():
        close(value, ref, key, ATOL64 if value.dtype == torch.float64 else None)
        checked.add(key)
    assert set(keys) <= checked, f"float64 keys not checked: {sorted(set(keys) - checked)}"
