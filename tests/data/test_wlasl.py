import json

import pytest

from slvg_bench.data import get_adapter
from slvg_bench.data.adapters.base import DatasetCountWarning
from slvg_bench.data.adapters.wlasl import raw_range
from slvg_bench.errors import DatasetError
from tests.data.fakes import frame_value, frame_values, wlasl_instance, wlasl_tree

YT = "https://www.youtube.com/watch?v=ABCDEFGHIJK"


def _glosses():
    return [
        {"gloss": "book", "instances": [
            wlasl_instance("00001", "train", 11, "http://aslbrick.com/book.mp4", bbox=[5, 2, 45, 40]),
            wlasl_instance("00002", "test", 12, YT, fs=3, fe=6),  # only the raw YouTube download exists
            wlasl_instance("00003", "val", 13, "http://dead.link/x.mp4"),  # missing
        ]},
        {"gloss": "drink", "instances": [
            wlasl_instance("00004", "train", 12, "https://youtu.be/ZYXWVUTSRQP", fs=1, fe=-1),  # raw, whole
            wlasl_instance("00005", "test", 14, "http://signingsavvy.com/x.mp4"),  # raw non-YouTube, whole
            wlasl_instance("00006", "test", 11, YT, fs=2, fe=4),  # preprocessed clip present: not trimmed again
        ]},
    ]  # fmt: skip


@pytest.fixture
def tree(tmp_path):
    wlasl_tree(tmp_path, _glosses(), clips={"00001": 4, "00006": 3},
               raws={"ABCDEFGHIJK": 10, "ZYXWVUTSRQP": 5, "00005": 4})  # fmt: skip
    return tmp_path


def test_preprocess_trimming_rule():
    assert raw_range({"frame_start": 3, "frame_end": 6}) == (2, 6)  # 1-based 3..6 inclusive
    assert raw_range({"frame_start": 5, "frame_end": -1}) == (0, None)  # end <= 0: whole video
    assert raw_range({"frame_start": 1, "frame_end": 1}) == (0, None)  # preprocess.py: end_frame 0 -> copy


def test_scan_ids_splits_glosses_boxes(tree):
    scan = get_adapter("wlasl", tree).scan()
    got = [(s.id, s.split, s.signer, s.glosses, s.frame_start, s.frame_end, s.video.parent.name) for s in scan.samples]
    assert got == [
        ("00001", "train", "11", ("book",), 0, None, "videos"),
        ("00004", "train", "12", ("drink",), 0, None, "raw_videos_mp4"),
        ("00002", "test", "12", ("book",), 2, 6, "raw_videos_mp4"),
        ("00005", "test", "14", ("drink",), 0, None, "raw_videos_mp4"),
        ("00006", "test", "11", ("drink",), 0, None, "videos"),
    ]
    assert scan.samples[0].person_box == (5.0, 2.0, 45.0, 40.0)
    assert scan.samples[0].meta["class_index"] == 0 and scan.samples[1].meta["class_index"] == 1


def test_trimming_reads_the_right_frames(tree):
    by_id = {s.id: s for s in get_adapter("wlasl", tree).scan().samples}
    assert frame_values(by_id["00002"].frames_uint8()) == [frame_value(t) for t in range(2, 6)]
    assert len(by_id["00004"].frames_uint8()) == 5
    assert frame_values(by_id["00006"].frames_uint8()) == [frame_value(t) for t in range(3)]


def test_missing_videos_are_counted_and_listed_not_fatal(tree):
    adapter = get_adapter("wlasl", tree)
    scan = adapter.scan()
    assert [(m.id, m.split, m.signer) for m in scan.missing] == [("00003", "val", "13")]
    with pytest.warns(DatasetCountWarning, match=r"val: found 0 of 3916 \(annotated 1\).*val/00003"):
        report = adapter.check_counts(scan)
    assert {r.split: (r.annotated, r.found, r.missing) for r in report.rows} == {
        "train": (2, 2, 0), "val": (1, 0, 1), "test": (3, 3, 0),
    }  # fmt: skip


def test_bad_annotations_are_clear_errors(tmp_path):
    ds = wlasl_tree(tmp_path, [], clips={})
    (ds / "WLASL_v0.3.json").write_text("{not json")
    with pytest.raises(DatasetError, match="is not valid JSON"):
        get_adapter("wlasl", tmp_path).scan()
    inst = wlasl_instance("00001", "train", 1, "x")
    del inst["bbox"]
    (ds / "WLASL_v0.3.json").write_text(json.dumps([{"gloss": "a", "instances": [inst]}]))
    with pytest.raises(DatasetError, match=r"instance '00001' of gloss 'a' lacks \['bbox'\]"):
        get_adapter("wlasl", tmp_path).scan()
    inst = wlasl_instance("00001", "training", 1, "x")
    (ds / "WLASL_v0.3.json").write_text(json.dumps([{"gloss": "a", "instances": [inst]}]))
    with pytest.raises(DatasetError, match="has split 'training'"):
        get_adapter("wlasl", tmp_path).scan()


def test_start_kit_nesting_is_found(tmp_path):
    kit = tmp_path / "wlasl" / "start_kit"
    kit.mkdir(parents=True)
    (kit / "WLASL_v0.3.json").write_text("[]")
    assert get_adapter("wlasl", tmp_path).root == kit
