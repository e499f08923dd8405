import numpy as np
import pytest

from slvg_bench.data.clipstore import ClipReader, is_valid_clip, write_clip
from slvg_bench.errors import DatasetError


@pytest.mark.parametrize("codec", ["png", "raw"])
def test_roundtrip_random_access_and_keypoints(tmp_path, codec):
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
    kp = rng.random((5, 133, 3)).astype(np.float32)
    path = write_clip(tmp_path / "a.sclip", frames, {"id": "a", "split": "train"}, kp, codec=codec)
    r = ClipReader(path)
    assert r.n_frames == 5 and r.record()["id"] == "a" and r.record()["codec"] == codec
    assert np.array_equal(r.frames(), frames)
    assert np.array_equal(r.frames([4, 1, 1]), frames[[4, 1, 1]])
    assert np.array_equal(r.keypoints(), kp) and np.array_equal(r.keypoints([3]), kp[[3]])
    with pytest.raises(IndexError):
        r.frames([5])


def test_png_is_smaller_than_raw_on_smooth_frames(tmp_path):
    yy, xx = np.mgrid[0:64, 0:64]
    frames = np.stack([np.stack([xx * 4, yy * 4, (xx + yy + t) % 256], -1) for t in range(4)]).astype(np.uint8)
    raw = write_clip(tmp_path / "r.sclip", frames, {}, codec="raw").stat().st_size
    png = write_clip(tmp_path / "p.sclip", frames, {}, codec="png").stat().st_size
    assert png < raw


def test_truncated_and_foreign_files_are_rejected(tmp_path):
    path = write_clip(tmp_path / "a.sclip", np.zeros((3, 8, 8, 3), np.uint8), {"id": "a"})
    data = path.read_bytes()
    path.write_bytes(data[:-5])
    assert not is_valid_clip(path)
    with pytest.raises(DatasetError, match="truncated or damaged"):
        ClipReader(path)
    path.write_bytes(b"not a clip at all")
    with pytest.raises(DatasetError, match="bad magic"):
        ClipReader(path)
    with pytest.raises(DatasetError, match="does not exist"):
        ClipReader(tmp_path / "none.sclip")


def test_no_keypoints_returns_none(tmp_path):
    r = ClipReader(write_clip(tmp_path / "a.sclip", np.zeros((2, 8, 8, 3), np.uint8), {}))
    assert r.keypoints() is None and not r.has_keypoints
