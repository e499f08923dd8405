import pytest

from slvg_bench.data import get_adapter
from slvg_bench.data.adapters.base import DatasetCountWarning
from slvg_bench.data.crop import SquareBox, signer_box
from slvg_bench.errors import DatasetError
from tests.data.fakes import frame_value, frame_values, phoenix_tree

ROWS = {
    "train": [
        ("01April_2010_Thursday_heute-6694", "Signer04", "JETZT WETTER MORGEN", "und nun die wettervorhersage, für morgen"),
        ("01April_2010_Thursday_heute-6695", "Signer04", "REGEN", "regen"),
    ],
    "dev": [("11August_2010_Wednesday_tagesschau-2", "Signer08", "DRUCK TIEF KOMMEN", "tiefer luftdruck, bestimmt")],
    "test": [("25October_2010_Monday_tagesschau-17", "Signer01", "REGEN SCHNEE", "regen und schnee")],
}  # fmt: skip


def test_scan_reads_bar_separated_corpus(tmp_path):
    ds = phoenix_tree(tmp_path, ROWS)
    adapter = get_adapter("phoenix", tmp_path)
    assert adapter.root == ds  # the release's own nesting is found
    scan = adapter.scan()
    got = [(s.id, s.split, s.signer, s.glosses) for s in scan.samples]
    assert got == [
        ("01April_2010_Thursday_heute-6694", "train", "Signer04", ("JETZT", "WETTER", "MORGEN")),
        ("01April_2010_Thursday_heute-6695", "train", "Signer04", ("REGEN",)),
        ("11August_2010_Wednesday_tagesschau-2", "dev", "Signer08", ("DRUCK", "TIEF", "KOMMEN")),
        ("25October_2010_Monday_tagesschau-17", "test", "Signer01", ("REGEN", "SCHNEE")),
    ]
    # commas inside a field survive: the separator is '|'
    assert scan.samples[0].meta["translation"] == "und nun die wettervorhersage, für morgen"
    # frames sit directly in <name>/ although the corpus says <name>/1/*.png
    assert scan.samples[0].video.name == "01April_2010_Thursday_heute-6694"


def test_frame_order_and_size(tmp_path):
    phoenix_tree(tmp_path, ROWS, n_frames=12)
    sample = get_adapter("phoenix", tmp_path).scan().samples[0]
    assert sorted(p.name for p in sample.video.iterdir())[:2] == ["images0001.png", "images0002.png"]
    frames = sample.frames_uint8()
    assert frames.shape == (12, 260, 210, 3)
    assert frame_values(frames) == [frame_value(t) for t in range(12)]


def test_210x260_is_padded_to_a_square(tmp_path):
    phoenix_tree(tmp_path, ROWS)
    adapter = get_adapter("phoenix", tmp_path)
    assert signer_box(260, 210, adapter.default_crop(128)) == SquareBox(-25, 0, 260)


def test_counts_and_missing_folders(tmp_path):
    phoenix_tree(tmp_path, ROWS, skip_frames=("01April_2010_Thursday_heute-6695",))
    adapter = get_adapter("phoenix", tmp_path)
    scan = adapter.scan()
    assert [(m.id, m.split, m.signer) for m in scan.missing] == [("01April_2010_Thursday_heute-6695", "train", "Signer04")]
    with pytest.warns(DatasetCountWarning, match="train: found 1 of 7096"):
        adapter.check_counts(scan)


def test_comma_separated_or_broken_corpus_is_a_clear_error(tmp_path):
    ds = phoenix_tree(tmp_path, ROWS)
    corpus = ds / "annotations" / "manual" / "PHOENIX-2014-T.dev.corpus.csv"
    corpus.write_text("name,video,start,end,speaker,orth,translation\na,a/1/*.png,-1,-1,Signer01,A,a\n")
    with pytest.raises(DatasetError, match=r"must start with the '\|'-separated header"):
        get_adapter("phoenix", tmp_path).scan()
    corpus.write_text("name|video|start|end|speaker|orth|translation\na|a/1/*.png|-1|Signer01|A|a\n")
    with pytest.raises(DatasetError, match="line 2: 6 '|'-separated fields, expected 7"):
        get_adapter("phoenix", tmp_path).scan()
    corpus.unlink()
    with pytest.raises(DatasetError, match=r"PHOENIX-2014-T\.dev\.corpus\.csv' does not exist"):
        get_adapter("phoenix", tmp_path).scan()
