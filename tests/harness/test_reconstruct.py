"""Intermediate maps (PGMM Fig. 7, TPSMM) and ``slvg-bench reconstruct --save-intermediates``."""

import numpy as np
import pytest
import torch

from pgmm.checkpoint import save_checkpoint
from pgmm.trainable import build
from slvg_bench.errors import CheckpointError, UsageError
from slvg_bench.methods import IntermediatesAnimator, get_method, methods_with_intermediates
from tests.pgmm.test_pgmm import tiny


def keypoints(t, size, seed=0):
    g = torch.Generator().manual_seed(seed)
    kp = torch.rand(t, 133, 3, generator=g) * (size - 1)
    kp[..., 2] = 1
    return kp


@pytest.fixture(scope="module")
def pgmm_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    cfg = tiny("+pfm")
    return str(save_checkpoint(tmp_path_factory.mktemp("pgmm") / "pgmm.pt", build(cfg), cfg))


def test_pgmm_intermediates_shapes_and_ranges(pgmm_checkpoint):
    from pgmm.animator import load

    anim = load(pgmm_checkpoint, batch_size=2)
    assert isinstance(anim, IntermediatesAnimator)
    g = torch.Generator().manual_seed(3)
    src, drv = torch.rand(3, 80, 80, generator=g), torch.rand(5, 3, 80, 80, generator=g)
    kp = keypoints(5, 80)
    frames, maps = anim.intermediates(src, drv, kp)
    torch.testing.assert_close(frames, anim.animate(src, drv, kp))  # same frames as animate
    assert set(maps) == set(get_method("pgmm").intermediates)
    # tiny config: 64×64 model, generator scales 8² … 64² (coarse to fine)
    assert [tuple(m.shape) for m in maps["flow_magnitude"]] == [(5, 1, s, s) for s in (8, 16, 32, 64)]
    assert [tuple(m.shape) for m in maps["occlusion"]] == [(5, 1, s, s) for s in (8, 16, 32, 64)]
    assert [tuple(m.shape) for m in maps["pfm_difference"]] == [(5, 1, 64, 64)]
    for m in maps["occlusion"]:
        assert 0 <= m.min() and m.max() <= 1
    for m in maps["flow_magnitude"]:
        assert m.min() >= 0 and torch.isfinite(m).all() and m.max() > 0
    assert 0 < maps["pfm_difference"][0].max() <= 1
    assert all(m.device.type == "cpu" and m.dtype == torch.float32 for v in maps.values() for m in v)


def test_flow_magnitude_is_in_output_pixels():
    from baselines.common.grids import displacement_pixels, make_coordinate_grid

    flow = make_coordinate_grid((4, 6)).expand(1, 4, 6, 2).clone()
    flow[..., 0] += 2 / (80 - 1) * 3  # 3 px in x at an 80-px-wide frame
    flow[..., 1] += 2 / (40 - 1) * 4  # 4 px in y at a 40-px-high frame
    torch.testing.assert_close(displacement_pixels(flow, (40, 80)), torch.full((1, 1, 4, 6), 5.0))


def test_pfm_difference_is_zero_when_the_value_projection_is_zero(pgmm_checkpoint):
    from pgmm.animator import load

    anim = load(pgmm_checkpoint, batch_size=4)
    with torch.no_grad():
        for pfm in anim.model.generator.fusion.values():
            pfm.value[0].weight.zero_()
            pfm.value[0].bias.zero_()
            pfm.value[1].bias.zero_()
    src, drv = torch.rand(3, 64, 64), torch.rand(3, 3, 64, 64)
    _, maps = anim.intermediates(src, drv, keypoints(3, 64))
    assert maps["pfm_difference"][0].abs().max() == 0


def test_generator_without_fusion_matches_a_model_without_pfm():
    """``use_fusion=False`` is X_out = X_in at every PFM: equal to deleting the PFMs."""
    model = build(tiny("+pfm")).eval()
    torch.manual_seed(1)
    maps = [torch.randn(1, c, 64 // 2**i, 64 // 2**i) for i, c in enumerate(model.encoder.channels)]
    with torch.no_grad():
        plain = model.generator(maps, None, None, use_fusion=False)["prediction"]
        fusion, model.generator.fusion = model.generator.fusion, torch.nn.ModuleDict()
        stripped = model.generator(maps, None, None)["prediction"]
    assert torch.equal(plain, stripped)
    model.generator.fusion = fusion
    with pytest.raises(ValueError, match="pose features are required"):
        model.generator(maps, None, None)


def test_tpsmm_intermediates(tmp_path):
    from baselines.tpsmm.animator import load
    from baselines.tpsmm.checkpoint import save_checkpoint as save_tpsmm
    from baselines.tpsmm.model import TPSMM
    from tests.baselines.tpsmm_helpers import smooth_frames, tiny_config

    torch.manual_seed(0)
    cfg = tiny_config()
    path = save_tpsmm(tmp_path / "t.pth", TPSMM(cfg.model), cfg)
    anim = load(str(path), batch_size=2)
    src, drv = smooth_frames(1)[0], smooth_frames(3, seed=1, shift=0.05)
    frames, maps = anim.intermediates(src, drv)
    torch.testing.assert_close(frames, anim.animate(src, drv))
    assert set(maps) == set(get_method("tpsmm").intermediates)
    assert [tuple(m.shape) for m in maps["flow_magnitude"]] == [(3, 1, 16, 16)]  # dense motion at 0.25×
    assert [m.shape[-1] for m in maps["occlusion"]] == [8, 16, 32, 64]
    assert all(0 <= m.min() and m.max() <= 1 for m in maps["occlusion"])
    assert maps["flow_magnitude"][0].min() >= 0


def test_which_methods_have_intermediates():
    assert methods_with_intermediates() == ["pgmm", "tpsmm"]


def test_write_intermediates_files(tmp_path):
    from PIL import Image

    from slvg_bench.intermediate_maps import write_intermediates

    t = 7
    video = torch.rand(t, 3, 32, 32)
    maps = {"flow_magnitude": [torch.rand(t, 1, 8, 8) * 3, torch.rand(t, 1, 16, 16)],
            "occlusion": [torch.rand(t, 1, 8, 8), torch.rand(t, 1, 16, 16)],
            "pfm_difference": [torch.rand(t, 1, 32, 32) * 0.1]}
    paths = write_intermediates(tmp_path / "m", video, video, maps, n_frames=4)
    assert [p.name for p in paths] == ["m_intermediates.png", "m_scales.png", "m_intermediates.npz"]
    assert all(p.stat().st_size > 0 for p in paths)
    assert Image.open(paths[0]).size[0] > 4 * 32
    data = np.load(paths[2])
    assert data["driving"].shape == (t, 32, 32, 3) and data["driving"].dtype == np.uint8
    assert data["flow_magnitude_s0"].shape == (t, 8, 8) and data["flow_magnitude_s1"].shape == (t, 16, 16)
    np.testing.assert_array_equal(data["occlusion_s1"], maps["occlusion"][1][:, 0].numpy())
    one_scale = write_intermediates(tmp_path / "n", video, video, {"occlusion": [torch.rand(t, 1, 8, 8)]})
    assert [p.name for p in one_scale] == ["n_intermediates.png", "n_intermediates.npz"]


def _cli(args):
    from click.testing import CliRunner

    from slvg_bench.cli import cli

    return CliRunner().invoke(cli, args, catch_exceptions=True)


def _first_test_video():
    from slvg_bench.harness.jobs import reconstruction_jobs

    return next(iter(reconstruction_jobs("synthsign", ["test"], limit=1))).video_id


def test_reconstruct_cli_writes_video_grids_and_arrays(synthsign_home, pgmm_checkpoint, tmp_path, monkeypatch):
    from slvg_bench.video import read_video_uint8

    monkeypatch.setenv("SLVG_BENCH_HOME", str(synthsign_home))
    vid = _first_test_video()
    out = tmp_path / "rec"
    res = _cli(["reconstruct", "-m", "pgmm", "-d", "synthsign", "--video", vid, "--checkpoint", pgmm_checkpoint,
                "--out", str(out), "--save-intermediates", "--frames", "3", "--device", "cpu"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["pgmm.mp4", "pgmm_intermediates.npz", "pgmm_intermediates.png", "pgmm_scales.png"]
    video = read_video_uint8(out / "pgmm.mp4")
    data = np.load(out / "pgmm_intermediates.npz")
    assert video.shape == data["output"].shape == data["driving"].shape
    assert video.shape[1:] == (128, 128, 3)
    assert data["pfm_difference_s0"].shape == (video.shape[0], 64, 64)


def test_reconstruct_cli_errors(synthsign_home, tmp_path, monkeypatch):
    monkeypatch.setenv("SLVG_BENCH_HOME", str(synthsign_home))
    vid = _first_test_video()
    res = _cli(["reconstruct", "-m", "static", "-d", "synthsign", "--video", vid, "--save-intermediates"])
    assert isinstance(res.exception, UsageError) and "pgmm, tpsmm" in str(res.exception)
    from slvg_bench import weights

    with monkeypatch.context() as m:  # as if no model shipped for synthsign: no checkpoint at all
        m.setattr(weights, "SHIPPED_DIR", tmp_path / "no-shipped-files")
        res = _cli(["reconstruct", "-m", "dynast", "-d", "synthsign", "--video", vid])
    assert isinstance(res.exception, CheckpointError)
    assert "slvg-bench train --method dynast --dataset synthsign" in str(res.exception)
    res = _cli(["reconstruct", "-m", "static", "-d", "synthsign", "--video", vid + "x"])
    assert isinstance(res.exception, UsageError) and vid in str(res.exception)
    # sanity methods reconstruct without a checkpoint
    res = _cli(["reconstruct", "-m", "static", "-d", "synthsign", "--video", vid, "--out", str(tmp_path / "s")])
    assert res.exit_code == 0 and (tmp_path / "s" / "static.mp4").is_file()
