import hashlib

import numpy as np
import pytest
import torch

from slvg_bench.data import cross_person_pairs, iter_cross_person, iter_reconstruction_clips, read_pairs
from slvg_bench.data.cross_person import COLUMNS, make_pairs
from slvg_bench.data.prepare import prepare
from slvg_bench.errors import DatasetError
from tests.data.fakes import frame_value, frame_values, lsa64_tree, phoenix_tree, small_synthsign, synth_keypoints

pytestmark = pytest.mark.filterwarnings("ignore::slvg_bench.data.adapters.base.DatasetCountWarning")


@pytest.fixture
def synth(tmp_path):
    small_synthsign(tmp_path / "data" / "synthsign")
    return tmp_path / "data"


def test_reconstruction_clips_dev_and_test_in_order(synth):
    clips = list(iter_reconstruction_clips("synthsign", data_root=synth, resolution=16))
    assert [(c.split, c.id, c.signer, c.n_frames) for c in clips] == [
        ("dev", "dv0", "s2", 4), ("dev", "dv1", "s3", 3),
        ("test", "te0", "s4", 5), ("test", "te1", "s5", 4), ("test", "te2", "s4", 3),
    ]  # fmt: skip
    c = clips[3]
    assert c.glosses == ("HELLO", "WORLD")
    assert c.frames.shape == (4, 3, 16, 16) and c.frames.dtype == torch.float32
    assert frame_values((c.frames.permute(0, 2, 3, 1) * 255).round().byte().numpy()) == [frame_value(t, 3) for t in range(4)]
    assert torch.equal(c.source, c.frames[0]) and c.driving is c.frames
    fresh = list(iter_reconstruction_clips("synthsign", ["test"], data_root=synth, resolution=16, limit=2))
    assert [x.id for x in fresh] == ["te0", "te1"]
    assert torch.equal(fresh[1].source, c.frames[0])  # first frame read alone
    kp = synth_keypoints(4, 32, shift=1)
    assert np.allclose(c.keypoints.numpy()[..., 0], (kp[..., 0] + 0.5) * 0.5 - 0.5)


def test_reconstruction_without_keypoints_gives_none(tmp_path):
    lsa64_tree(tmp_path, [(57, 1, 1)], n_frames=3)
    prepare("lsa64", data_root=tmp_path, resolution=16, workers=1, progress=False)
    (clip,) = iter_reconstruction_clips("lsa64", resolution=16)
    assert clip.split == "test" and clip.keypoints is None and clip.frames.shape == (3, 3, 16, 16)


def test_pair_rule_by_hand():
    videos = [("a1", "A"), ("a2", "A"), ("b1", "B"), ("c1", "C")]
    pairs = make_pairs(videos, "test", seed=3)
    assert [p.driving_id for p in pairs] == ["a1", "a2", "b1", "c1"]
    for p in pairs:
        cands = sorted(v for v in videos if v[1] != p.driving_signer)
        k = int(hashlib.sha256(f"3:{p.driving_id}".encode()).hexdigest()[:16], 16) % len(cands)
        assert (p.source_id, p.source_signer) == cands[k]
        assert p.source_signer != p.driving_signer and p.source_frame == 0
    assert pairs[2].pair_id == "test-00002"
    assert make_pairs(videos[::-1], "test", seed=3) == pairs  # input order does not matter
    assert make_pairs([("x", "A"), ("y", "A")], "dev") == []


def test_pair_list_file_is_deterministic_and_includes_missing_videos(tmp_path):
    rows = {"test": [("v1", "Signer01", "A", "a"), ("v2", "Signer02", "B", "b"), ("v3", "Signer01", "C", "c"),
                     ("v4", "Signer03", "D", "d")]}  # fmt: skip
    phoenix_tree(tmp_path, rows, n_frames=2, skip_frames=("v4",))
    pairs, path = cross_person_pairs("phoenix", data_root=tmp_path, seed=0)
    assert path.name == "cross_person-v1-seed0-test.csv"
    assert path.read_text().splitlines()[0] == ",".join(COLUMNS)
    assert [p.driving_id for p in pairs] == ["v1", "v2", "v3", "v4"]  # v4 is missing on disk but annotated
    assert all(p.source_signer != p.driving_signer for p in pairs)
    assert read_pairs(path) == pairs
    again, path2 = cross_person_pairs("phoenix", data_root=tmp_path, seed=0, out=tmp_path / "p.csv")
    assert again == pairs and path2.read_bytes() == path.read_bytes()
    # pairs whose videos are not in the cache are skipped with a warning
    prepare("phoenix", data_root=tmp_path, resolution=26, workers=1, progress=False)
    with pytest.warns(UserWarning, match=r"cross-person pairs skipped"):
        items = list(iter_cross_person("phoenix", path, resolution=26))
    used = [p for p in pairs if "v4" not in (p.source_id, p.driving_id)]
    assert [i.pair for i in items] == used
    it = items[0]
    assert it.source.shape == (3, 26, 26) and it.driving.shape == (2, 3, 26, 26) and it.driving_kp is None


def test_single_signer_split_has_no_pairs(tmp_path):
    phoenix_tree(tmp_path, {"dev": [("v1", "Signer01", "A", "a")]}, n_frames=1)
    with pytest.raises(DatasetError, match="fewer than two signers"):
        cross_person_pairs("phoenix", "dev", data_root=tmp_path)
