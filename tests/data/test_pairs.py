import numpy as np
import pytest
import torch

from slvg_bench.data import build_pair_dataset
from slvg_bench.data.pairs import draw_pair
from slvg_bench.data.prepare import prepare
from slvg_bench.errors import DatasetError, UsageError
from tests.data.fakes import frame_value, lsa64_tree, small_synthsign, synth_keypoints

pytestmark = pytest.mark.filterwarnings("ignore::slvg_bench.data.adapters.base.DatasetCountWarning")


@pytest.fixture
def synth(tmp_path):
    small_synthsign(tmp_path / "data" / "synthsign")
    return tmp_path / "data"


def _frame_index(img: torch.Tensor, offset: int) -> int:
    value = int(round(float(img.median()) * 255))
    return next(t for t in range(20) if frame_value(t, offset) == value)


def test_items_are_pairs_of_one_video_prepared_on_first_use(synth):
    ds = build_pair_dataset("synthsign", "train", data_root=synth, resolution=32, pairs_per_video=5, seed=0)
    assert len(ds) == 3 * 5
    item = ds[4]
    assert set(item) == {"source", "driving", "source_kp", "driving_kp", "id"}
    assert item["source"].shape == (3, 32, 32) and item["source"].dtype == torch.float32
    assert item["source_kp"].shape == (133, 3) and item["id"] == "tr1"  # item 4 -> video 4 mod 3
    s, d = _frame_index(item["source"], 3), _frame_index(item["driving"], 3)
    assert s < d  # two distinct frames, source first
    assert torch.allclose(item["source_kp"], torch.from_numpy(synth_keypoints(6, 32, shift=1)[s]))
    assert torch.allclose(item["driving_kp"], torch.from_numpy(synth_keypoints(6, 32, shift=1)[d]))


def test_deterministic_under_seed_and_with_dataloader_workers(synth):
    ds = build_pair_dataset("synthsign", data_root=synth, resolution=32, pairs_per_video=4, seed=7)

    def collect(workers):
        loader = torch.utils.data.DataLoader(ds, batch_size=4, shuffle=False, num_workers=workers)
        return [(b["id"], b["source"], b["driving"], b["driving_kp"]) for b in loader]

    a, b = collect(0), collect(2)
    assert len(a) == len(b) == 3
    for (ia, sa, da, ka), (ib, sb, db, kb) in zip(a, b):
        assert ia == ib and torch.equal(sa, sb) and torch.equal(da, db) and torch.equal(ka, kb)
    again = build_pair_dataset("synthsign", data_root=synth, resolution=32, pairs_per_video=4, seed=7)
    assert all(torch.equal(ds[i]["driving"], again[i]["driving"]) for i in range(len(ds)))


def test_seed_and_epoch_change_the_pairs():
    draws = {draw_pair(50, 0, 0, i) for i in range(20)}
    assert len(draws) > 15
    assert [draw_pair(50, 0, 0, i) for i in range(20)] != [draw_pair(50, 1, 0, i) for i in range(20)]
    assert [draw_pair(50, 0, 0, i) for i in range(20)] != [draw_pair(50, 0, 1, i) for i in range(20)]
    assert all(a < b for a, b in draws)
    assert draw_pair(1, 0, 0, 3) == (0, 0)


def test_set_epoch_draws_new_pairs(synth):
    ds = build_pair_dataset("synthsign", data_root=synth, resolution=32, pairs_per_video=8)
    first = [(_frame_index(ds[i]["source"], 3 * (i % 3)), _frame_index(ds[i]["driving"], 3 * (i % 3))) for i in range(len(ds))]
    ds.set_epoch(1)
    second = [(_frame_index(ds[i]["source"], 3 * (i % 3)), _frame_index(ds[i]["driving"], 3 * (i % 3))) for i in range(len(ds))]
    assert first != second


def test_zero_keypoints_when_dataset_has_none(tmp_path):
    lsa64_tree(tmp_path, [(1, 1, 1), (2, 3, 1)], n_frames=4)
    with pytest.raises(DatasetError, match="datasets prepare lsa64"):
        build_pair_dataset("lsa64", resolution=16)
    prepare("lsa64", data_root=tmp_path, resolution=16, workers=1, progress=False)
    ds = build_pair_dataset("lsa64", resolution=16, pairs_per_video=2)
    assert len(ds) == 4
    assert torch.equal(ds[0]["source_kp"], torch.zeros(133, 3))
    with pytest.raises(DatasetError, match="no usable videos in split 'test'"):
        build_pair_dataset("lsa64", "test", resolution=16)


def test_bad_arguments(synth):
    with pytest.raises(UsageError, match="has no split 'validation'"):
        build_pair_dataset("synthsign", "validation", data_root=synth)
    with pytest.raises(UsageError, match="unknown dataset 'lsa46'. Did you mean 'lsa64'"):
        build_pair_dataset("lsa46")
    ds = build_pair_dataset("synthsign", data_root=synth, resolution=32, pairs_per_video=1)
    with pytest.raises(IndexError):
        ds[len(ds)]
    assert np.isscalar(len(ds))


def test_max_frame_gap_limits_the_distance_and_covers_every_gap():
    draws = [draw_pair(40, 0, 0, i, max_gap=3) for i in range(400)]
    assert all(0 <= a < b <= a + 3 and b < 40 for a, b in draws)
    gaps = [b - a for a, b in draws]
    assert set(gaps) == {1, 2, 3}
    # uniform over the (a, a + d) pairs: d = 1 has 39 of the 114, d = 3 has 37
    assert abs(gaps.count(1) / 400 - 39 / 114) < 0.08
    assert draw_pair(40, 0, 0, 5, max_gap=100) == draw_pair(40, 0, 0, 5)  # a gap beyond the video: unchanged
    assert draw_pair(2, 0, 0, 5, max_gap=1) == (0, 1)


def test_frame_gap_curriculum_ends_after_its_epochs(tmp_path):
    small_synthsign(tmp_path / "data" / "synthsign")
    ds = build_pair_dataset("synthsign", data_root=tmp_path / "data", resolution=32, pairs_per_video=4, seed=1,
                            max_frame_gap=1, max_frame_gap_epochs=2)
    assert ds.frame_gap() == 1
    ds.set_epoch(1)
    assert ds.frame_gap() == 1
    ds.set_epoch(2)
    assert ds.frame_gap() is None
