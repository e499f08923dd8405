import hashlib
import subprocess
import sys

import pytest

from slvg_bench import weights as W
from slvg_bench.errors import SlvgError, WeightsUnavailableError


@pytest.fixture
def blob(tmp_path):
    p = tmp_path / "model.pth"
    p.write_bytes(b"weights" * 1000)
    return p, hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def spec_factory(monkeypatch):
    made = []

    def make(**kw):
        spec = W.WeightSpec(id=f"test.w{len(made)}", filename=f"w{len(made)}.pth", **kw)
        W.register(spec)
        made.append(spec.id)
        return spec

    yield make
    for name in made:  # keep the global registry clean for other tests
        W.WEIGHTS._objects.pop(name, None)


def test_missing_weight_names_file_and_fix(spec_factory):
    spec = spec_factory(sha256="deadbeef", urls=("https://example.invalid/w.pth",))
    assert W.status(spec) == "missing"
    with pytest.raises(WeightsUnavailableError) as e:
        W.require(spec.id)
    msg = str(e.value)
    assert spec.filename in msg and "deadbeef" in msg and f"slvg-bench weights download {spec.id}" in msg
    assert f"slvg-bench weights add {spec.id}" in msg


def test_add_verifies_checksum(spec_factory, blob):
    path, digest = blob
    good = spec_factory(sha256=digest[:8])
    dest = W.add(good.id, path)
    assert dest.read_bytes() == path.read_bytes()
    assert W.status(good) == "present" and W.require(good.id) == dest

    bad = spec_factory(sha256="0" * 64)
    with pytest.raises(SlvgError, match="expected"):
        W.add(bad.id, path)
    assert W.status(bad) == "missing"  # nothing half-installed


def test_unpublished_checksum_is_unverified_and_recorded(spec_factory, blob):
    path, digest = blob
    spec = spec_factory(sha256=None)
    W.add(spec.id, path)
    assert W.status(spec) == "unverified"
    assert W.cached_sha256(W.weight_path(spec)) == digest


def test_corrupted_file_is_bad_checksum(spec_factory, blob):
    path, digest = blob
    spec = spec_factory(sha256=digest)
    dest = W.add(spec.id, path)
    dest.write_bytes(b"corrupted")
    assert W.status(spec) == "bad-checksum"
    with pytest.raises(WeightsUnavailableError, match="delete it and reinstall"):
        W.require(spec.id)


def test_download_from_url(spec_factory, blob):
    path, digest = blob
    spec = spec_factory(sha256=digest, urls=("file:///nonexistent/x.pth", path.as_uri()))
    dest = W.download(spec.id, progress=False)
    assert W.status(spec) == "present" and dest.read_bytes() == path.read_bytes()


def test_torch_hub_location(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    p = W.weight_path("alexnet.imagenet-torchvision")
    assert p == tmp_path / "th" / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth"


def test_weights_list_cli():
    r = subprocess.run([sys.executable, "-m", "slvg_bench", "weights", "list", "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert '"alexnet.imagenet-torchvision"' in r.stdout
    r = subprocess.run([sys.executable, "-m", "slvg_bench", "weights", "add", "alexnet.imagenet-torchvison", "/x"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Did you mean 'alexnet.imagenet-torchvision'" in r.stderr
