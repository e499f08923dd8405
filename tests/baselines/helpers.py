"""Checks and fixture loading shared by the TPSMM and MRAA tests (method-specific tiny configs and
frames stay in ``tpsmm_helpers.py`` / ``mraa_helpers.py``)."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Callable

import pytest
import torch

from slvg_bench.errors import CheckpointError


class Arbitrary:
    """A pickled object of an unknown class (``weights_only=True`` must refuse it)."""


def official_state_dicts(nets: dict, perturb: Callable[[torch.nn.Module, int], None]) -> dict:
    """``{name: state_dict}`` of freshly built sub-networks, each first changed by ``perturb(net, index)``
    (so that a swapped or dropped tensor changes the output): the official top-level layout."""
    ckpt = {}
    for i, (name, net) in enumerate(nets.items()):
        perturb(net, i)
        ckpt[name] = net.state_dict()
    return ckpt


def with_module_prefix(ckpt: dict, entry: str) -> dict:
    """A copy of an official checkpoint whose ``entry`` state dict has DataParallel's ``module.`` prefixes."""
    prefixed = dict(ckpt)
    prefixed[entry] = collections.OrderedDict(("module." + k, v) for k, v in ckpt[entry].items())
    return prefixed


def assert_same_state(a: torch.nn.Module, b: torch.nn.Module) -> None:
    """Same keys in the same order, bit-identical tensors."""
    for (k, x), (k2, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert k == k2 and torch.equal(x, y)
    assert len(a.state_dict()) == len(b.state_dict())


def assert_load_any_refuses_bad_files(load_any: Callable, tmp_path: Path, entry: str, other_method: str) -> None:
    """``load_any`` of a method: clear errors for a missing file, a file ``weights_only`` refuses (an
    arbitrary object under the official ``entry``) and our checkpoint of ``other_method``."""
    with pytest.raises(CheckpointError, match="does not exist"):
        load_any(tmp_path / "nope.pth")
    evil = tmp_path / "evil.pth"
    torch.save({entry: Arbitrary()}, evil)
    with pytest.raises(CheckpointError, match="weights_only"):
        load_any(evil)
    torch.save({"method": other_method, "model": {}}, tmp_path / "other.pth")
    with pytest.raises(CheckpointError, match=f"method '{other_method}'"):
        load_any(tmp_path / "other.pth")


def load_parity_fixture(method: str, load_official: Callable) -> dict:
    """The official-code parity data of ``method`` with the fixture checkpoint converted at 64×64.

    Returns ``config`` (config.json), ``ckpt``, ``inp``, ``ref``, ``ref64`` (the stored tensors),
    ``atol`` (``{key: float32 tolerance}`` from tolerances.json: ten times the official code's own
    float32-vs-float64 deviation on that key) and ``model``, ``cfg``, ``report`` (from ``load_official``);
    skips when the fixtures are absent.
    """
    from tests.conftest import parity_fixtures_dir

    folder = parity_fixtures_dir() / method
    if not (folder / "checkpoint.pth").is_file():
        pytest.skip(f"parity fixtures for {method!r} not found at {folder} (set SLVG_PARITY_FIXTURES)")

    def load(name: str):
        return torch.load(folder / name, weights_only=True)

    ckpt = load("checkpoint.pth")
    model, cfg, report = load_official(ckpt, image_size=(64, 64))
    return {
        "config": json.loads((folder / "config.json").read_text()),
        "ckpt": ckpt, "inp": load("inputs.pth"), "ref": load("outputs.pth"), "ref64": load("outputs_float64.pth"),
        "atol": float32_tolerances(folder / "tolerances.json"),
        "model": model, "cfg": cfg, "report": report,
    }


def float32_tolerances(path: Path) -> dict[str, float]:
    """``{output key: suggested float32 atol}`` of a fixture's tolerances.json.

    Bit-identical float32 results hold only on the CPU the fixtures were made on: another x86-64 CPU's
    oneDNN kernels order the sums differently (measured up to 3e-4 on MRAA's AVD prediction). The float64
    re-runs are what pin the maths; float32 gets the fixture's own per-key tolerance.
    """
    keys = json.loads(path.read_text())["keys"]
    return {k: float(v["suggested_atol_float32"]) for k, v in keys.items()}
