"""Gloss dictionaries: official .npy form (safe unpickling), JSON form, official numbering."""

from __future__ import annotations

import os

import numpy as np
import pytest

from slvg_bench.recognition.gloss_dict import GlossDict, GlossDictError


def test_from_sentences_follows_official_recipe():
    gd = GlossDict.from_sentences([["REGEN", "SONNE", "REGEN"], ["ABER", "__ON__", "a-b"]])
    # Python string order (upper case before '_' before lower case), numbered from 1, with counts
    assert gd.to_plain() == {"ABER": [1, 1], "REGEN": [2, 2], "SONNE": [3, 1], "__ON__": [4, 1], "a-b": [5, 1]}
    assert gd.num_classes == 6 and len(gd) == 5
    assert gd.encode(["SONNE", "UNKNOWN", "ABER"]) == [3, 1]  # unknown glosses dropped like the official loader
    assert gd.decode([3, 1]) == ["SONNE", "ABER"]
    with pytest.raises(GlossDictError, match="class index 0"):
        gd.decode([0])


@pytest.mark.parametrize("suffix", [".npy", ".json"])
def test_roundtrip(tmp_path, suffix):
    gd = GlossDict({"你好": [2, 5], "ZEIGEN-BILDSCHIRM": [1, 3]})
    loaded = GlossDict.load(gd.save(tmp_path / f"g{suffix}"))
    assert loaded.to_plain() == gd.to_plain()


def test_npy_is_the_official_form(tmp_path):
    """What we write is read by the official np.load(..., allow_pickle=True).item(), and vice versa."""
    data = {"A": [1, 8], "AB": [2, 76], "__ON__": [3, 1]}
    GlossDict(data).save(tmp_path / "ours.npy")
    assert np.load(tmp_path / "ours.npy", allow_pickle=True).item() == data
    np.save(tmp_path / "theirs.npy", {"A": [np.int64(1), np.int64(8)], "B": [2, 1]})  # numpy ints also occur
    assert GlossDict.load(tmp_path / "theirs.npy").to_plain() == {"A": [1, 8], "B": [2, 1]}


class _Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


def test_malicious_npy_is_refused_without_running_anything(tmp_path):
    target = str(tmp_path / "pwned")
    np.save(tmp_path / "evil.npy", np.array({"A": [1, 1], "B": _Exploit(target)}, dtype=object), allow_pickle=True)
    with pytest.raises(GlossDictError, match="not allowed"):
        GlossDict.load(tmp_path / "evil.npy")
    assert not os.path.exists(target)


@pytest.mark.parametrize("content, match", [
    ({"A": [0, 1]}, "reserved for the CTC blank"),
    ({"A": [1, 1], "B": [1, 2]}, "several glosses"),
    ({"A": "1"}, "not gloss -> \\[index, count\\]"),
])
def test_invalid_contents(content, match):
    with pytest.raises(GlossDictError, match=match):
        GlossDict(content)


def test_bad_files(tmp_path):
    np.save(tmp_path / "arr.npy", np.zeros(3))
    with pytest.raises(GlossDictError, match="0-d object array"):
        GlossDict.load(tmp_path / "arr.npy")
    (tmp_path / "g.txt").write_text("A 1")
    with pytest.raises(GlossDictError, match=".npy \\(official\\) or .json"):
        GlossDict.load(tmp_path / "g.txt")
    with pytest.raises(GlossDictError, match="does not exist"):
        GlossDict.load(tmp_path / "nope.npy")
