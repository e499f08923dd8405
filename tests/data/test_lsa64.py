import warnings

import pytest

from slvg_bench.data import get_adapter
from slvg_bench.data.adapters.base import DatasetCountWarning
from slvg_bench.data.adapters.lsa64 import LSA64Adapter, split_of_sign
from slvg_bench.errors import DatasetError
from tests.data.fakes import frame_value, frame_values, lsa64_tree

IDS = [(1, 1, 1), (56, 2, 5), (57, 3, 1), (64, 10, 5), (57, 1, 2)]


def test_split_rule_gives_the_papers_counts():
    per_sign = 10 * 5
    train = sum(per_sign for s in range(1, 65) if split_of_sign(s) == "train")
    test = sum(per_sign for s in range(1, 65) if split_of_sign(s) == "test")
    assert (train, test) == (2800, 400)
    assert split_of_sign(56) == "train" and split_of_sign(57) == "test"
    with pytest.raises(ValueError):
        split_of_sign(65)


def test_scan_ids_splits_signers_glosses(tmp_path):
    lsa64_tree(tmp_path, IDS)
    (tmp_path / "lsa64" / "all_cut" / "readme.txt").write_text("x")
    adapter = get_adapter("lsa64", tmp_path)
    assert isinstance(adapter, LSA64Adapter) and adapter.root == tmp_path / "lsa64"
    scan = adapter.scan()
    got = [(s.id, s.split, s.signer, s.glosses, s.meta["gloss_name"]) for s in scan.samples]
    assert got == [
        ("001_001_001", "train", "001", ("001",), "Sign1"),
        ("056_002_005", "train", "002", ("056",), "Sign56"),
        ("057_001_002", "test", "001", ("057",), "Sign57"),
        ("057_003_001", "test", "003", ("057",), "Sign57"),
        ("064_010_005", "test", "010", ("064",), "Sign64"),
    ]
    assert len(scan.missing) == 3200 - 5
    assert any("readme.txt" in n for n in scan.notes)


def test_frame_order_is_preserved(tmp_path):
    lsa64_tree(tmp_path, [(57, 3, 1)], n_frames=5)
    sample = get_adapter("lsa64", tmp_path).scan().samples[0]
    frames = sample.frames_uint8()
    assert frames.shape == (5, 36, 64, 3)
    assert frame_values(frames) == [frame_value(t, 57) for t in range(5)]
    assert tuple(sample.frames().shape) == (5, 3, 36, 64)


def test_count_check_warns_listing_missing(tmp_path):
    lsa64_tree(tmp_path, IDS)
    adapter = get_adapter("lsa64", tmp_path)
    with pytest.warns(DatasetCountWarning, match=r"train: found 2 of 2800.*missing: train/001_001_002"):
        report = adapter.check_counts(adapter.scan())
    rows = {r.split: (r.expected, r.annotated, r.found) for r in report.rows}
    assert rows == {"train": (2800, 2800, 2), "test": (400, 400, 3)}
    assert not report.ok


def test_complete_download_verifies_without_warning(tmp_path, monkeypatch):
    # a complete tree: patch the published numbers down to the tiny tree's size
    lsa64_tree(tmp_path, [(1, 1, 1)])
    monkeypatch.setattr("slvg_bench.data.adapters.lsa64.N_SIGNS", 1)
    monkeypatch.setattr("slvg_bench.data.adapters.lsa64.N_SIGNERS", 1)
    monkeypatch.setattr("slvg_bench.data.adapters.lsa64.N_REPS", 1)
    monkeypatch.setattr(LSA64Adapter, "expected_counts", {"train": 1, "test": 0})
    adapter = get_adapter("lsa64", tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert adapter.check_counts(adapter.scan()).ok


def test_empty_file_is_missing_and_missing_root_is_clear(tmp_path):
    ds = lsa64_tree(tmp_path, [(1, 1, 1)], classes=False)
    (ds / "all_cut" / "002_001_001.mp4").write_bytes(b"")
    scan = get_adapter("lsa64", tmp_path).scan()
    assert [s.id for s in scan.samples] == ["001_001_001"] and "gloss_name" not in scan.samples[0].meta
    assert [m.reason for m in scan.missing if m.id == "002_001_001"] == ["empty file"]
    with pytest.raises(DatasetError, match=r"LSA64 not found under .*all_cut"):
        get_adapter("lsa64", tmp_path / "nowhere")


def test_bad_class_list_is_a_clear_error(tmp_path):
    ds = lsa64_tree(tmp_path, [(1, 1, 1)], classes=False)
    (ds / "LSA64-Classes.csv").write_text("Id;Nombre\n1;Opaco\n")
    with pytest.raises(DatasetError, match="needs a 'Name' column"):
        get_adapter("lsa64", tmp_path).scan()
