import pickle

import numpy as np
import pytest

from slvg_bench.data import get_adapter
from slvg_bench.data.adapters.base import DatasetCountWarning
from slvg_bench.errors import DatasetError
from tests.data.fakes import csl_tree, frame_value, frame_values

ROWS = [
    ("S000000_P0000_T00", "train", "你 好"),
    ("S000000_P0004_T00", "train", "你 好"),
    ("S000001_P0008_T00", "dev", "谢谢"),
    ("S000002_P0003_T00", "test", "我 爱 你"),
]


def test_scan_split_file_and_video_map(tmp_path):
    csl_tree(tmp_path, ROWS)
    scan = get_adapter("csl", tmp_path).scan()
    got = [(s.id, s.split, s.signer, s.glosses) for s in scan.samples]
    assert got == [
        ("S000000_P0000_T00", "train", "P0000", ("你", "好")),
        ("S000000_P0004_T00", "train", "P0004", ("你", "好")),
        ("S000001_P0008_T00", "dev", "P0008", ("谢谢",)),
        ("S000002_P0003_T00", "test", "P0003", ("我", "爱", "你")),
    ]
    assert scan.missing == []


def test_frame_order_jpeg(tmp_path):
    csl_tree(tmp_path, ROWS[:1], n_frames=11)
    frames = get_adapter("csl", tmp_path).scan().samples[0].frames_uint8()
    assert frames.shape == (11, 64, 64, 3)
    assert np.allclose(frame_values(frames), [frame_value(t) for t in range(11)], atol=3)


def test_labels_from_pickle_when_video_map_absent(tmp_path):
    csl_tree(tmp_path, ROWS, video_map=False, pickle_labels=True)
    scan = get_adapter("csl", tmp_path).scan()
    assert scan.samples[3].glosses == ("我", "爱", "你")


def test_pickle_with_objects_is_refused(tmp_path):
    ds = csl_tree(tmp_path, ROWS, video_map=False)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    (ds / "sentence_label" / "csl2020ct_v2.pkl").write_bytes(pickle.dumps({"info": [Evil()]}))
    with pytest.raises(DatasetError, match="refusing to load builtins.print"):
        get_adapter("csl", tmp_path).scan()


def test_missing_frames_and_labels(tmp_path):
    ds = csl_tree(tmp_path, ROWS, skip_frames=("S000001_P0008_T00",))
    with (ds / "sentence_label" / "video_map.txt").open("a") as f:
        f.write("9|S000007_P0003_T00|3|多|多|多|n\n")
    adapter = get_adapter("csl", tmp_path)
    scan = adapter.scan()
    assert [(m.id, m.split, m.signer) for m in scan.missing] == [("S000001_P0008_T00", "dev", "P0008")]
    assert any("S000007_P0003_T00" in n for n in scan.notes)  # labelled but not in split_1: reported, unused
    with pytest.warns(DatasetCountWarning, match="dev: found 0 of 1077.*dev/S000001_P0008_T00"):
        adapter.check_counts(scan)
    (ds / "sentence_label" / "video_map.txt").unlink()
    with pytest.raises(DatasetError, match="CSL-Daily labels not found"):
        adapter.scan()


def test_bad_split_file(tmp_path):
    ds = csl_tree(tmp_path, ROWS)
    (ds / "sentence_label" / "split_1.txt").write_text("name|split\nS000000_P0000_T00|val\n")
    with pytest.raises(DatasetError, match="line 2: split 'val' is not one of"):
        get_adapter("csl", tmp_path).scan()
    (ds / "sentence_label" / "split_1.txt").write_text("name split\nS000000_P0000_T00 train\n")
    with pytest.raises(DatasetError, match="header 'name|split'"):
        get_adapter("csl", tmp_path).scan()
