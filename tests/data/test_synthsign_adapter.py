import sys
import types

import numpy as np
import pytest

import slvg_bench.data as data_pkg
from slvg_bench import paths
from slvg_bench.data import build_pair_dataset, get_adapter
from slvg_bench.errors import DatasetError
from tests.data.fakes import small_synthsign, synth_keypoints


@pytest.fixture
def generator(monkeypatch):
    """A stand-in for the generator package: ensure() writes a tiny tree into the default place."""
    calls = []

    def ensure(root=None):
        calls.append(root)
        target = paths.synthsign_dir()
        if not (target / "meta.json").exists():
            small_synthsign(target)
        return target

    module = types.ModuleType("slvg_bench.data.synthsign")
    module.ensure = ensure
    monkeypatch.setitem(sys.modules, "slvg_bench.data.synthsign", module)
    monkeypatch.setattr(data_pkg, "synthsign", module, raising=False)
    return calls


def test_scan_reads_index_and_keypoints(tmp_path):
    small_synthsign(tmp_path / "synthsign")
    adapter = get_adapter("synthsign", tmp_path)
    scan = adapter.scan()
    assert [(s.id, s.split, s.signer) for s in scan.samples][:3] == [("tr0", "train", "s0"), ("tr1", "train", "s1"), ("tr2", "train", "s0")]
    s = scan.samples[1]
    assert s.glosses == ("HELLO", "WORLD") and s.meta == {"kind": "sentence"}
    assert np.array_equal(s.keypoints(), synth_keypoints(6, 32, shift=1))
    assert s.frames_uint8().shape == (6, 32, 32, 3)
    assert adapter.verify(scan).ok
    # splits have disjoint signers in this tree, as the generator guarantees
    signers = {sp: {x.signer for x in scan.samples if x.split == sp} for sp in adapter.splits}
    assert not (signers["train"] & signers["dev"]) and not (signers["train"] & signers["test"])


def test_missing_video_and_bad_index(tmp_path):
    root = small_synthsign(tmp_path / "synthsign")
    (root / "videos" / "dev" / "dv1.mp4").unlink()
    scan = get_adapter("synthsign", tmp_path).scan()
    assert [(m.id, m.signer) for m in scan.missing] == [("dv1", "s3")]
    (root / "index.csv").write_text("id,split\nx,train\n")
    with pytest.raises(DatasetError, match=r"lacks columns \['signer'"):
        get_adapter("synthsign", tmp_path).scan()


def test_generated_on_first_use(generator):
    ds = build_pair_dataset("synthsign", resolution=32, pairs_per_video=2)
    assert len(ds) == 6 and len(generator) == 1
    assert get_adapter("synthsign").root == paths.synthsign_dir()
    build_pair_dataset("synthsign", "test", resolution=32)
    assert len(generator) == 1  # found, not regenerated


def test_not_generated_and_generation_disabled_is_clear():
    with pytest.raises(DatasetError, match="has not been generated yet"):
        get_adapter("synthsign", generate=False)
