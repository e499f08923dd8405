"""Class 6 of issue 16 (and 5): `weights add` opens and checks every file for its kind before installing
it; nothing malicious ever runs; an unverifiable origin is said loudly; an installed id works as --checkpoint."""

from __future__ import annotations

import os
import pickle

import pytest
import torch

from slvg_bench import weights

from . import weight_files

UNCHECKSUMMED = sorted(s.id for s in weights.all_specs() if s.sha256 is None and not s.packaged)


class _Payload:
    marker = ""

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _bad_file(kind: str, tmp_path):
    path = tmp_path / f"{kind}.bin"
    _Payload.marker = str(tmp_path / "PWNED")
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("not a checkpoint at all\n")
    elif kind == "pickle":
        with open(path, "wb") as f:
            pickle.dump({"state_dict": _Payload()}, f)
    elif kind == "torch-payload":
        torch.save({"model_state_dict": {"w": torch.zeros(1)}, "x": _Payload()}, path)
    elif kind == "tensor-dict":  # a real, harmless checkpoint of the wrong kind
        torch.save({"conv.weight": torch.zeros(4, 3, 3, 3)}, path)
    return path


def test_the_catalog_has_fourteen_unchecksummed_ids_and_each_has_a_check():
    from slvg_bench.weight_validation import validator_for

    # 16 before the synthsign recognizer shipped with a checksum, 15 before posenet.synthsign did
    assert len(UNCHECKSUMMED) == 14, UNCHECKSUMMED
    assert [w for w in UNCHECKSUMMED if validator_for(weights.get_spec(w)) is None] == []


@pytest.mark.parametrize("kind", ["empty", "text", "pickle", "torch-payload", "tensor-dict"])
@pytest.mark.parametrize("wid", UNCHECKSUMMED)
def test_bad_files_are_refused_for_every_unchecksummed_id(wid, kind, cli, tmp_path):
    src = _bad_file(kind, tmp_path)
    r = cli("weights", "add", wid, src).expect(1, repr(wid), str(src), "nothing was installed")
    assert "weights_only=False" not in r.err and "Traceback" not in r.err
    assert not weights.cache_path(wid).exists()
    assert not (tmp_path / "PWNED").exists(), "a pickled payload ran"
    assert weights.status(wid) in ("missing",) or weights.packaged_path(wid)


@pytest.mark.parametrize("wid", sorted(weight_files.VALID))
def test_valid_files_install_with_a_loud_unverified_note(wid, cli, tmp_path):
    src = weight_files.VALID[wid](tmp_path / weights.get_spec(wid).filename)
    r = cli("weights", "add", wid, src).expect(0, "UNVERIFIED", "no checksum", "sha256")
    assert "installed" in r.err and weights.cache_path(wid).is_file()
    assert weights.status(wid) == "unverified"


def test_another_kinds_valid_checkpoint_is_refused(cli, tmp_path):
    tpsmm = weight_files.tpsmm_official(tmp_path / "vox.pth.tar")
    cli("weights", "add", "mraa.vox256-official", tpsmm).expect(1, "mraa", "not a valid vox256.pth", "nothing was installed")
    phoenix = weight_files.corrnet_official(tmp_path / "csl.pt", num_classes=2001)
    cli("weights", "add", "corrnet.phoenix2014t-official", phoenix).expect(1, "2001 classes", "1116")
    cli("weights", "add", "corrnet.csl-daily-official", phoenix).expect(0)
    cli("weights", "add", "posenet.synthsign", tpsmm).expect(1, "not a valid posenet-synthsign.pt")


def test_a_checksummed_id_still_checks_the_checksum(cli, tmp_path):
    src = _bad_file("tensor-dict", tmp_path)
    cli("weights", "add", "alexnet.imagenet-torchvision", src).expect(1, "sha256", "nothing was installed")


@pytest.mark.slow
def test_i3d_state_dict_installs_and_a_wrong_one_does_not(cli, tmp_path):
    src = weight_files.i3d_tats(tmp_path / "i3d_pretrained_400.pt")
    cli("weights", "add", "i3d.k400-tats", src).expect(0, "UNVERIFIED")
    state = torch.load(src, weights_only=True)
    state.pop(next(iter(state)))
    torch.save(state, tmp_path / "short.pt")
    cli("weights", "add", "i3d.k400-tats", tmp_path / "short.pt").expect(1, "missing keys", "nothing was installed")


@pytest.mark.slow
def test_run_with_an_installed_weight_id_as_checkpoint(cli, tmp_path, synth):
    """Class 5: `run --checkpoint <weight id>` after `weights add` (the catalog is loaded first)."""
    src = weight_files.tpsmm_official(tmp_path / "vox.pth.tar")
    cli("weights", "add", "tpsmm.vox256-official", src).expect(0)
    out = tmp_path / "run"
    cli("run", "-m", "tpsmm", "-d", "synthsign", "--data-root", synth, "--checkpoint", "tpsmm.vox256-official",
        "--metrics", "l1", "--limit", 1, "--no-train", "--out", out, "--device", "cpu").expect(0)
    import json

    prov = json.loads((out / "aggregate.json").read_text())["provenance"]
    assert prov["checkpoint_sha256"] == weights.cached_sha256(weights.cache_path("tpsmm.vox256-official"))


def test_run_with_an_uninstalled_weight_id_says_how_to_install_it(cli, tmp_path, synth):
    cli("run", "-m", "tpsmm", "-d", "synthsign", "--data-root", synth, "--checkpoint", "tpsmm.vox256-official",
        "--metrics", "l1", "--no-train", "--out", tmp_path / "run").expect(1, "tpsmm.vox256-official",
                                                                          "weights add tpsmm.vox256-official")
