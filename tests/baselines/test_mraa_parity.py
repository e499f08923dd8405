"""Parity with the official MRAA code (fixtures in ../shared/fixtures/mraa, produced by the official modules).

The fixture checkpoint (official top-level layout, fp16 AVD) goes through our converter and loads strictly.
Every stored intermediate and output — region parameters (incl. the pad-0 variant and the SVD factors),
background, every flow-predictor stage, generator outputs, the relative and AVD modes, the random
transform with its Jacobian, the loss pyramid and the equivariance losses — is recomputed by our code
and compared: float32 to the fixture's per-key tolerance (tolerances.json; ``ATOL`` for keys it does not
list), the float64 re-run to ``ATOL64``.
"""

from __future__ import annotations

import pytest
import torch

from baselines.common.downsample import ImagePyramid
from baselines.common.movement import movement_scale
from baselines.common.random_tps import RandomTPS
from baselines.mraa.convert import infer_model_config, load_official
from baselines.mraa.losses import equivariance_losses
from baselines.mraa.region_predictor import RegionPredictor
from baselines.mraa.regions import relative_region_params
from tests.baselines.helpers import load_parity_fixture

ATOL = 1e-5
ATOL64 = 1e-9
REGION_KEYS = ("shift", "covar", "affine", "heatmap", "u", "d")
FLOW_KEYS = ("heatmap_representation", "sparse_motion", "sparse_deformed", "mask_logits", "mask", "optical_flow",
             "occlusion_map")


@pytest.fixture(scope="module")
def fx():
    return load_parity_fixture("mraa", load_official)


def _pad0(model, dtype):
    kw = dict(model.model_config.region_predictor.__dict__)
    rp = RegionPredictor(kw["block_expansion"], model.model_config.num_regions, 3, kw["max_features"],
                         kw["num_blocks"], kw["temperature"], estimate_affine=True, scale_factor=kw["scale_factor"],
                         pca_based=True, pad=0)
    rp.load_state_dict(model.region_predictor.state_dict(), strict=True)
    return rp.to(dtype).eval()


def official_outputs(model, inp: dict, dtype=torch.float32) -> dict:
    """Every quantity of outputs.pth, computed by our code, under the fixture's key names."""
    model = model.to(dtype).eval()
    cast = {k: v.to(dtype) for k, v in inp.items()}
    src = cast["source"]
    got: dict = {}

    def put_region(prefix, params):
        for k in REGION_KEYS:
            got[f"{prefix}/{k}"] = params[k]

    def standard(prefix, source, driving, rs):
        rd = model.region_predictor(driving)
        bg = model.bg_predictor(source, driving)
        out = model.generate(source, rs, rd, bg)
        put_region(f"{prefix}driving_region_params", rd)
        got[f"{prefix}bg_params"] = bg
        for k in FLOW_KEYS:
            got[f"{prefix}flow/{k}"] = out["motion"][k]
        got[f"{prefix}generator/deformed"] = out["deformed"]
        got[f"{prefix}generator/prediction"] = out["prediction"]
        got[f"{prefix}l1_prediction_vs_driving"] = torch.abs(out["prediction"] - driving).mean()

    with torch.no_grad():
        rs = model.region_predictor(src)
        put_region("source_region_params", rs)
        got["flow/source_down"] = model.generator.pixelwise_flow_predictor.downsample(src)
        pad0 = _pad0(model, dtype)
        put_region("pad0/source_region_params", pad0(src))
        initial = model.region_predictor(cast["driving"][0])
        scale = movement_scale(rs["shift"], initial["shift"])
        for t in range(3):
            drv = cast["driving"][t]
            standard(f"t{t}/", src, drv, rs)
            put_region(f"pad0/t{t}/driving_region_params", pad0(drv))
            rd = model.region_predictor(drv)
            for mode, params in (("relative", relative_region_params(rs, rd, initial, scale)),
                                 ("avd", model.avd_network(rs, rd))):
                out = model.generate(src, rs, params, None)
                for k in ("shift", "affine", "covar"):
                    got[f"{mode}/t{t}/{k}"] = params[k]
                got[f"{mode}/t{t}/prediction"] = out["prediction"]
                got[f"{mode}/t{t}/optical_flow"] = out["motion"]["optical_flow"]
        ns_s, ns_d = cast["nonsquare/source"], cast["nonsquare/driving"]
        ns_rs = model.region_predictor(ns_s)
        put_region("nonsquare/source_region_params", ns_rs)
        standard("nonsquare/", ns_s, ns_d, ns_rs)
        for key, value in ImagePyramid([1, 0.5, 0.25, 0.125], subsample="slice")(cast["driving"][0]).items():
            got[f"pyramid/t0/{key}"] = value

    for t in range(3):
        transform = RandomTPS(cast[f"random_transform/t{t}/theta"], cast[f"random_transform/t{t}/control_params"],
                              5, kernel="fomm")
        coords = cast["transform/coordinates"]
        p = f"random_transform/t{t}/"
        got[p + "grid"] = transform.grid(64, 64)
        got[p + "warped_coordinates"] = transform.warp_coordinates(coords)
        got[p + "jacobian"] = transform.jacobian(coords.clone().requires_grad_(True)).detach()
        got[p + "transformed_frame"] = transform.transform_frame(cast["driving"][t], align_corners=False)
        with torch.no_grad():
            drv = cast["driving"][t]
            losses, extras = equivariance_losses(model.region_predictor, drv, model.region_predictor(drv), transform,
                                                 10.0, 10.0, revert_axis_swap=True)
        p = f"losses/t{t}/"
        got[p + "equivariance_shift"] = losses["equivariance_shift"].detach()
        got[p + "equivariance_affine"] = losses["equivariance_affine"].detach()
        got[p + "transformed_frame"] = extras["transformed_frame"]
        for k in REGION_KEYS:
            got[f"{p}transformed_region_params/{k}"] = extras["transformed_region_params"][k].detach()
    return got


def compare(got: dict, ref: dict, atol: float | dict) -> dict:
    """Max abs error per reference key; every reference tensor must have been computed.

    ``atol``: one tolerance, or ``{key: tolerance}`` with ``ATOL`` for keys it does not hold."""
    keys = [k for k in ref if not k.startswith("meta/")]
    missing = sorted(set(keys) - set(got))
    assert not missing, f"reference keys not reproduced: {missing[:8]}"
    errors = {}
    for key in keys:
        exp, val = ref[key], got[key]
        assert tuple(val.shape) == tuple(exp.shape), f"{key}: shape {tuple(val.shape)} != {tuple(exp.shape)}"
        errors[key] = (val.to(exp.dtype) - exp).abs().max().item() if exp.numel() else 0.0
    tol = atol if isinstance(atol, dict) else {}
    limit = {k: tol.get(k, ATOL) if tol else atol for k in keys}
    bad = {k: e for k, e in errors.items() if not e <= limit[k]}
    assert not bad, f"{len(bad)} keys above tolerance: " + ", ".join(
        f"{k}={e:.3g} > {limit[k]:.3g}" for k, e in list(bad.items())[:8])
    return errors


def test_converter_infers_the_fixture_architecture_and_loads_strictly(fx):
    kw = fx["config"]["constructor_kwargs"]
    cfg = infer_model_config(fx["ckpt"])
    rp, gen = kw["region_predictor"]["kwargs"], kw["generator"]["kwargs"]
    fp = gen["pixelwise_flow_predictor_params"]
    assert cfg.num_regions == rp["num_regions"] == 4
    r = cfg.region_predictor
    assert (r.block_expansion, r.max_features, r.num_blocks, r.scale_factor, r.pca_based) == (
        rp["block_expansion"], rp["max_features"], rp["num_blocks"], rp["scale_factor"], rp["pca_based"])
    g, f = cfg.generator, cfg.generator.pixelwise_flow_predictor
    assert (g.block_expansion, g.max_features, g.num_down_blocks, g.num_bottleneck_blocks) == (
        gen["block_expansion"], gen["max_features"], gen["num_down_blocks"], gen["num_bottleneck_blocks"])
    assert (f.block_expansion, f.max_features, f.num_blocks, f.scale_factor, f.use_deformed_source,
            f.estimate_occlusion_map) == (fp["block_expansion"], fp["max_features"], fp["num_blocks"],
                                          fp["scale_factor"], True, True)
    b = kw["bg_predictor"]["kwargs"]
    assert (cfg.bg_predictor.block_expansion, cfg.bg_predictor.max_features, cfg.bg_predictor.num_blocks,
            cfg.bg_predictor.bg_type) == (b["block_expansion"], b["max_features"], b["num_blocks"], b["bg_type"])
    assert (cfg.avd.id_bottle_size, cfg.avd.pose_bottle_size) == (16, 16)
    rep = fx["report"]
    assert rep.tensors == {k: len(v) for k, v in fx["ckpt"].items() if isinstance(v, dict)}
    assert rep.ignored == ["epoch_avd", "epoch_reconstruction"] and rep.absent == {}


def test_every_float32_output_and_intermediate(fx):
    errors = compare(official_outputs(fx["model"], fx["inp"]), fx["ref"], fx["atol"])
    assert len(errors) == len([k for k in fx["ref"] if not k.startswith("meta/")])


def test_the_random_transform_sampler_draws_the_official_parameters(fx):
    inp = fx["inp"]
    for t in range(3):
        torch.manual_seed(1000 + t)
        drawn = RandomTPS.sample(2, 0.05, 0.005, 5, kernel="fomm")
        assert torch.equal(drawn.theta, inp[f"random_transform/t{t}/theta"])
        assert torch.equal(drawn.control_params, inp[f"random_transform/t{t}/control_params"])


def test_float64_rerun(fx):
    model = fx["model"]
    model64 = type(model)(model.model_config, with_avd=True)
    model64.load_state_dict(model.state_dict())
    compare(official_outputs(model64, fx["inp"], torch.float64), fx["ref64"], ATOL64)
