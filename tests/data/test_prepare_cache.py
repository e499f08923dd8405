import dataclasses
import json

import numpy as np
import pytest

from slvg_bench.data.cache import PreparedCache, open_cache, spec_for
from slvg_bench.data.clipstore import ClipReader
from slvg_bench.data.crop import CropConfig
from slvg_bench.data.prepare import prepare
from slvg_bench.errors import DatasetError
from tests.data.fakes import (
    frame_value, frame_values, lsa64_tree, phoenix_tree, small_synthsign, synth_keypoints, wlasl_instance, wlasl_tree,
)  # fmt: skip

# tiny trees are far from the published counts; the warning itself is tested in the adapter tests
pytestmark = pytest.mark.filterwarnings("ignore::slvg_bench.data.adapters.base.DatasetCountWarning")


@pytest.fixture
def synth(tmp_path):
    small_synthsign(tmp_path / "data" / "synthsign")
    return tmp_path / "data"


def test_prepare_synthsign_stores_exact_frames_and_keypoints(synth):
    report = prepare("synthsign", data_root=synth, resolution=32, workers=1, progress=False)
    assert (report.total, report.prepared, report.reused, report.failed) == (8, 8, 0, [])
    cache = PreparedCache(report.folder)
    assert cache.has_keypoints and cache.resolution == 32
    idx = cache.rows()
    assert list(idx["id"]) == ["tr0", "tr1", "tr2", "dv0", "dv1", "te0", "te1", "te2"]
    assert list(idx["n_frames"]) == [5, 6, 4, 4, 3, 5, 4, 3]
    clip = cache.clip("tr1")
    assert frame_values(clip.frames()) == [frame_value(t, 3) for t in range(6)]
    assert np.allclose(clip.keypoints(), synth_keypoints(6, 32, shift=1))  # 32 -> 32: identity
    assert json.loads((report.folder / "meta.json").read_text())["counts"] == {"train": 3, "dev": 2, "test": 3}


def test_resize_scales_keypoints(synth):
    report = prepare("synthsign", data_root=synth, resolution=16, workers=1, progress=False)
    kp = PreparedCache(report.folder).clip("tr0").keypoints()
    src = synth_keypoints(5, 32)
    assert np.allclose(kp[..., 0], (src[..., 0] + 0.5) * 0.5 - 0.5)
    assert np.allclose(kp[..., 2], 1.0)


def test_cache_key_changes_with_crop_config(synth):
    def key(**crop):
        return spec_for("synthsign", data_root=synth, crop=CropConfig(**{"mode": "frame", **crop}), keypoints="dataset").key()

    base = key()
    assert key() == base
    assert len({base, key(margin=0.2), key(resolution=64), key(overflow="pad"), key(resample="area")}) == 5
    assert key(resolution=64).startswith("r64-")
    assert spec_for("synthsign", data_root=synth, keypoints="none").key() != spec_for("synthsign", data_root=synth, keypoints="dataset").key()
    # a different crop never serves the old clips: it is another folder
    a = prepare("synthsign", data_root=synth, resolution=32, workers=1, progress=False)
    b = prepare("synthsign", data_root=synth, crop=CropConfig(resolution=32, margin=0.3), workers=1, progress=False)
    assert a.folder != b.folder and b.prepared == 8


def test_resume_after_interruption(synth):
    first = prepare("synthsign", data_root=synth, resolution=32, workers=1, progress=False)
    (first.folder / "clips" / "test" / "te1.sclip").unlink()
    meta = json.loads((first.folder / "meta.json").read_text())
    meta["complete"] = False  # as left by an interrupted run
    (first.folder / "meta.json").write_text(json.dumps(meta))
    (first.folder / "index.parquet").unlink()
    with pytest.raises(DatasetError, match="incomplete .* rerun 'slvg-bench datasets prepare synthsign'"):
        PreparedCache(first.folder)
    again = prepare("synthsign", data_root=synth, resolution=32, workers=1, progress=False)
    assert (again.prepared, again.reused) == (1, 7)
    assert len(PreparedCache(again.folder).rows()) == 8
    # nothing to do the third time
    third = prepare("synthsign", data_root=synth, resolution=32, workers=1, progress=False)
    assert (third.prepared, third.reused) == (0, 8)


def test_corrupt_video_is_skipped_reported_and_retried(synth):
    (synth / "synthsign" / "videos" / "train" / "tr1.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42garbage" * 10)
    report = prepare("synthsign", data_root=synth, resolution=32, workers=1, progress=False)
    assert [(f.id, f.split) for f in report.failed] == [("tr1", "train")]
    assert "VideoReadError" in report.failed[0].error and "tr1.mp4" in report.failed[0].error
    cache = PreparedCache(report.folder)
    assert "tr1" not in set(cache.rows()["id"])
    row = cache.rows(ok_only=False).set_index("id").loc["tr1"]
    assert row["status"] == "failed" and "could not be decoded" in row["error"]
    small_synthsign(synth / "synthsign")  # the user replaces the file
    again = prepare("synthsign", data_root=synth, resolution=32, workers=1, progress=False)
    assert (again.prepared, again.failed) == (1, [])


def test_parallel_workers_give_identical_clips(synth):
    one = prepare("synthsign", data_root=synth, resolution=16, workers=1, progress=False)
    saved = {p.name: p.read_bytes() for p in one.folder.rglob("*.sclip")}
    for p in one.folder.rglob("*.sclip"):
        p.unlink()
    (one.folder / "meta.json").unlink()
    two = prepare("synthsign", data_root=synth, resolution=16, workers=2, progress=False)
    assert two.folder == one.folder and two.prepared == 8
    assert {p.name: p.read_bytes() for p in two.folder.rglob("*.sclip")} == saved


def test_unprepared_real_dataset_names_the_command(tmp_path):
    with pytest.raises(DatasetError, match=r"lsa64 is not prepared at 64px .* run 'slvg-bench datasets prepare lsa64 --resolution 64'"):
        open_cache("lsa64", resolution=64)


def test_lsa64_prepare_center_square_and_use_without_download(tmp_path):
    lsa64_tree(tmp_path, [(1, 1, 1), (57, 2, 1)], n_frames=3)
    report = prepare("lsa64", data_root=tmp_path, resolution=16, workers=1, progress=False)
    cache = PreparedCache(report.folder)
    row = cache.rows().set_index("id").loc["057_002_001"]
    assert (row["box_x0"], row["box_y0"], row["box_side"], row["src_width"], row["src_height"]) == (14, 0, 36, 64, 36)
    assert frame_values(cache.clip("057_002_001").frames()) == [frame_value(t, 57) for t in range(3)]
    assert not cache.has_keypoints
    # the prepared cache is found without the download
    assert open_cache("lsa64", resolution=16).folder == report.folder


def test_wlasl_bbox_is_the_initial_box(tmp_path):
    inst = wlasl_instance("00001", "train", 1, "http://x/y.mp4", bbox=[20, 10, 40, 30])
    wlasl_tree(tmp_path, [{"gloss": "a", "instances": [inst]}], clips={"00001": 2})
    report = prepare("wlasl", data_root=tmp_path, resolution=16, workers=1, progress=False)
    row = PreparedCache(report.folder).rows().iloc[0]
    # 20x20 box, +10 % each side -> 24, centred at (30, 20)
    assert (row["box_x0"], row["box_y0"], row["box_side"]) == (18, 8, 24)


def test_phoenix_is_padded(tmp_path):
    phoenix_tree(tmp_path, {"dev": [("a", "Signer01", "A", "a")]}, n_frames=2)
    report = prepare("phoenix", data_root=tmp_path, resolution=52, workers=1, progress=False)
    frames = PreparedCache(report.folder).clip("a").frames()
    assert frames.shape == (2, 52, 52, 3)
    assert frames[:, :, :4].max() <= 2 and frames[:, :, -4:].max() <= 2  # 25 px of 260 -> 5 px of 52
    assert frame_values(frames[:, :, 6:-6]) == [frame_value(t) for t in range(2)]


def test_crop_config_roundtrip_in_meta(synth):
    crop = CropConfig(resolution=32, mode="frame", margin=0.25)
    report = prepare("synthsign", data_root=synth, crop=crop, workers=1, progress=False)
    meta = json.loads((report.folder / "meta.json").read_text())
    assert meta["key_data"]["crop"] == dataclasses.asdict(crop)
    assert ClipReader(next(report.folder.rglob("*.sclip"))).record()["box"] == [0, 0, 32]
