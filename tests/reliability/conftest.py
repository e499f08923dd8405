"""The reliability attack suite (issue 16): hostile data, bad inputs, interruptions, full and
read-only disks, concurrency, malicious files.

Every test drives the real command line (``slvg_bench.cli.main``, in-process unless the case
needs a process of its own) and checks the three things a user sees: the exit code, that the
last line of stderr names the thing and what was expected, and that no traceback escaped.

Fixtures build small synthetic inputs in ``tmp_path``: :func:`make_synthsign` writes a few-frame
copy of the synthsign layout (any ids, splits, frame counts) that ``--data-root`` can point at.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

# (id, split, signer, n_frames): two test signers, as the real synthsign has
DEFAULT_VIDEOS = (
    ("s00_a", "train", "signer00", 6),
    ("s08_a", "dev", "signer08", 6),
    ("s10_a", "test", "signer10", 6),
    ("s10_b", "test", "signer10", 7),
    ("s11_a", "test", "signer11", 8),
    ("s11_b", "test", "signer11", 6),
)
SIZE = 32


def frames_for(video_id: str, n_frames: int, size: int = SIZE) -> np.ndarray:
    """Deterministic, moving uint8 frames of one video (a bright square on noise)."""
    import hashlib

    seed = int(hashlib.sha256(video_id.encode()).hexdigest()[:8], 16)
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 80, (size, size, 3), dtype=np.uint8)
    out = np.repeat(base[None], n_frames, axis=0)
    for t in range(n_frames):
        x = (3 * t + seed % 7) % (size - 8)
        out[t, 8:16, x : x + 8] = (200, 180 - t, 60 + 5 * t)
    return out


def make_synthsign(root: Path, videos=DEFAULT_VIDEOS, *, glosses: str = "HELLO") -> Path:
    """A synthsign copy at ``root/synthsign`` holding ``videos``; returns ``root`` (for --data-root).

    ``meta.json`` carries a fresh nonce, so two copies never share a preparation cache.
    """
    from slvg_bench.video import write_mp4

    ds = Path(root) / "synthsign"
    ds.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (vid, split, signer, n) in enumerate(videos):
        video_rel, kp_rel = f"videos/{split}/v{i:03d}.mp4", f"keypoints/{split}/v{i:03d}.npy"
        write_mp4(ds / video_rel, frames_for(vid, n), lossless=True)
        kp = np.zeros((n, 133, 3), np.float32)
        kp[..., 0] = np.linspace(4, SIZE - 4, 133)[None]
        kp[..., 1] = SIZE / 2
        kp[..., 2] = 1.0
        (ds / kp_rel).parent.mkdir(parents=True, exist_ok=True)
        np.save(ds / kp_rel, kp)
        rows.append({"id": vid, "split": split, "signer": signer, "kind": "isolated", "glosses": glosses,
                     "n_frames": n, "fps": 25, "video": video_rel, "keypoints": kp_rel, "segments": f"0:{n}"})
    with open(ds / "index.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (ds / "meta.json").write_text(json.dumps({"name": "synthsign", "version": "synthsign-test", "seed": 0,
                                              "size": "test", "resolution": SIZE, "fps": 25,
                                              "nonce": uuid.uuid4().hex}))
    return Path(root)


@pytest.fixture(autouse=True)
def _own_home(tmp_path, monkeypatch):
    """Each attack gets its own cache home and no dataset root from the environment."""
    monkeypatch.setenv("SLVG_BENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SLVG_BENCH_DATA", raising=False)


@pytest.fixture
def synth(tmp_path) -> Path:
    """A data root with the default small synthsign copy."""
    return make_synthsign(tmp_path / "data")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def last(self) -> str:
        """The last non-empty line of stderr (what a user reads first)."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def expect(self, code: int, *fragments: str) -> "Result":
        """Assert the exit code, no traceback, and that stderr's last line holds every fragment."""
        assert "Traceback" not in self.err, self.err[-3000:]
        assert self.code == code, f"exit {self.code}, expected {code}\nstderr: {self.err[-3000:]}\nstdout: {self.out[-2000:]}"
        for f in fragments:
            assert f in self.last, f"{f!r} not in the last stderr line {self.last!r}\nstderr: {self.err[-3000:]}"
        return self


@pytest.fixture
def cli(capsys):
    """``cli("run", "-m", ...)`` -> :class:`Result`: the real entry point, in this process."""
    from slvg_bench.cli import main

    def invoke(*args) -> Result:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke


def run_process(*args, env=None, timeout=300, **kw) -> subprocess.CompletedProcess:
    """``python -m slvg_bench ARGS`` in a process of its own (signals, locks, resource limits)."""
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "slvg_bench", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout, **kw)


def process_result(p: subprocess.CompletedProcess) -> Result:
    return Result(p.returncode, p.stdout, p.stderr)


def _try_mount(path: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    return r.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def readonly_dir(tmp_path):
    """A folder nothing can be written into: a read-only tmpfs (root) or mode 0555 (other users)."""
    path = tmp_path / "readonly"
    if os.geteuid() != 0:
        path.mkdir()
        path.chmod(0o555)
        yield path
        path.chmod(0o755)
        return
    if not _try_mount(path, "ro,size=1m"):
        pytest.skip("running as root without permission to mount a read-only tmpfs")
    yield path
    _umount(path)


@pytest.fixture
def full_dir(tmp_path):
    """A folder on a file system with (almost) no free space: a 64 KiB tmpfs, pre-filled."""
    path = tmp_path / "full"
    if not _try_mount(path, "size=64k"):
        pytest.skip("needs root and permission to mount a small tmpfs to simulate a full disk")
    filler = path / ".filler"
    try:
        with open(filler, "wb") as f:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
    except OSError:
        pass
    yield path
    _umount(path)
