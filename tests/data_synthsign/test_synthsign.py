"""synthsign: determinism, keypoint/pixel consistency, splits, labels, CLI."""

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from slvg_bench.data.synthsign import generate, load_index
from slvg_bench.data.synthsign.generate import plan_jobs, render_video
from slvg_bench.data.synthsign.identities import SPLIT_OF_IDENTITY, all_identities, make_identity
from slvg_bench.data.synthsign.render import background_frame
from slvg_bench.data.synthsign.vocabulary import GLOSS_NAMES, VOCABULARY
from slvg_bench.errors import DatasetError, UsageError
from slvg_bench.pose import layout
from slvg_bench.video import read_video_uint8, write_mp4


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A tiny synthsign made through the CLI with 2 worker processes."""
    root = tmp_path_factory.mktemp("synth") / "synthsign"
    r = subprocess.run(
        [sys.executable, "-m", "slvg_bench", "synth", "--out", str(root), "--size", "tiny", "--workers", "2", "--seed", "3"],
        capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stderr
    return root


def _digest_tree(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path):
    frames1, kp1, seg1 = render_video(5, ("HELLO", "RAIN"), (7, 5, 1, 0))
    frames2, kp2, seg2 = render_video(5, ("HELLO", "RAIN"), (7, 5, 1, 0))
    np.testing.assert_array_equal(frames1, frames2)
    np.testing.assert_array_equal(kp1, kp2)
    a = write_mp4(tmp_path / "a.mp4", frames1, lossless=True).read_bytes()
    b = write_mp4(tmp_path / "b.mp4", frames2, lossless=True).read_bytes()
    assert a == b
    frames3, _, _ = render_video(5, ("HELLO", "RAIN"), (8, 5, 1, 0))
    assert frames3.shape != frames1.shape or not np.array_equal(frames3, frames1)


@pytest.mark.slow
def test_generation_is_byte_identical_across_runs_and_worker_counts(tiny, tmp_path):
    again = generate(tmp_path / "again", seed=3, size="tiny", workers=1, progress=False)
    assert _digest_tree(again) == _digest_tree(tiny)


def test_layout_and_index(tiny):
    rows = load_index(tiny)
    assert len(rows) == 24  # 12 signers × (1 isolated + 1 sentence)
    for r in rows:
        frames = read_video_uint8(tiny / r["video"])
        kp = np.load(tiny / r["keypoints"])
        assert frames.shape == (r["n_frames"], 128, 128, 3)
        assert kp.shape == (r["n_frames"], 133, 3) and kp.dtype == np.float32
        assert r["glosses"] and all(g in GLOSS_NAMES for g in r["glosses"])
        segs = [tuple(map(int, s.split(":"))) for s in r["segments"].split()]
        assert len(segs) == len(r["glosses"])
        assert all(0 < a < b <= r["n_frames"] for a, b in segs)
        if r["kind"] == "sentence":
            assert 2 <= len(r["glosses"]) <= 6
        else:
            assert len(r["glosses"]) == 1


def test_splits_have_disjoint_signers(tiny):
    rows = load_index(tiny)
    signers = {s: {r["signer"] for r in rows if r["split"] == s} for s in ("train", "dev", "test")}
    assert signers["train"] and signers["dev"] and signers["test"]
    assert not (signers["train"] & signers["dev"]) and not (signers["train"] & signers["test"])
    assert not (signers["dev"] & signers["test"])
    for r in rows:
        assert SPLIT_OF_IDENTITY[int(r["signer"][-2:])] == r["split"]


def test_fingertips_and_face_points_lie_on_the_signer(tiny):
    """Every visible fingertip / mouth keypoint is on a pixel that is not background."""
    rows = load_index(tiny)
    hits, total = 0, 0
    for r in rows:
        frames = read_video_uint8(tiny / r["video"]).astype(int)
        kp = np.load(tiny / r["keypoints"])
        bg = background_frame(make_identity(int(r["signer"][-2:])), 128).astype(int)
        for idx in layout.FINGERTIPS + (71, 77):  # + mouth corners
            xy = np.rint(kp[:, idx, :2]).astype(int)
            vis = kp[:, idx, 2] > 0
            for t in np.nonzero(vis)[0]:
                x, y = xy[t]
                total += 1
                hits += np.abs(frames[t, y, x] - bg[y, x]).sum() > 24
    assert total > 1000
    assert hits / total > 0.97, f"only {hits}/{total} keypoints on signer pixels"


def test_keypoints_move_smoothly(tiny):
    """No jumps: elbows, wrists and fingertips move < 12 px (fast real signing) between consecutive frames."""
    idx = [7, 8, 9, 10] + list(layout.FINGERTIPS)
    for r in load_index(tiny):
        kp = np.load(tiny / r["keypoints"])[:, idx, :2]
        assert np.abs(np.diff(kp, axis=0)).max() < 12.0, r["id"]


def test_invisible_points_have_zero_confidence(tiny):
    r = load_index(tiny)[0]
    kp = np.load(tiny / r["keypoints"])
    assert (kp[:, list(layout.FEET), 2] == 0).all()
    assert (kp[:, [11, 12, 13, 14, 15, 16], 2] == 0).all()
    assert (kp[:, list(layout.HANDS) + list(layout.FACE), 2] == 1).mean() > 0.99


def test_vocabulary_and_identities():
    assert len(VOCABULARY) >= 40 and len({s.gloss for s in VOCABULARY}) == len(VOCABULARY)
    assert len({(s.start, s.movement) for s in VOCABULARY}) == len(VOCABULARY)  # gross motion is distinctive
    ids = all_identities()
    assert len(ids) >= 10
    for attr in ("skin", "hair_style", "shirt", "pattern", "background_top"):
        assert len({getattr(i, attr) for i in ids}) >= 4, attr
    jobs = plan_jobs(seed=0, size="small")
    train_glosses = {g for j in jobs if j.split == "train" for g in j.glosses}
    assert train_glosses == set(GLOSS_NAMES)


def test_generate_refuses_other_settings_and_bad_roots(tiny, tmp_path):
    assert generate(tiny, seed=3, size="tiny") == tiny  # already complete: untouched
    with pytest.raises(UsageError, match="other settings"):
        generate(tiny, seed=4, size="tiny")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    with pytest.raises(UsageError, match="not empty"):
        generate(tmp_path / "full", size="tiny")
    with pytest.raises(DatasetError, match="not a synthsign dataset"):
        load_index(tmp_path)
    with pytest.raises(UsageError, match="unknown synthsign size"):
        plan_jobs(0, "huge")


def test_extra_signers_leave_the_benchmark_untouched():
    """Extra training identities (the recognizer's copy) are appended: the twelve benchmark identities and
    their jobs are exactly as without them, and the extras look like none of them."""
    from slvg_bench.data.synthsign.generate import EXTRA_SIGNER_VIDEOS
    from slvg_bench.data.synthsign.identities import NUM_IDENTITIES

    base = plan_jobs(seed=0, size="tiny")
    with_extra = plan_jobs(seed=0, size="tiny", extra_signers=3)
    assert with_extra[: len(base)] == base
    extra = with_extra[len(base):]
    assert len(extra) == 3 * sum(EXTRA_SIGNER_VIDEOS)
    assert {j.identity_index for j in extra} == {12, 13, 14} and {j.split for j in extra} == {"train"}
    assert all(i.split == "train" for i in all_identities(3)[NUM_IDENTITIES:])
    assert all_identities(3)[:NUM_IDENTITIES] == all_identities()
    looks = {(i.skin, i.shirt, i.background_top) for i in all_identities()}
    assert all((i.skin, i.shirt, i.background_top) not in looks for i in all_identities(3)[NUM_IDENTITIES:])
    frames, kp, segments = render_video(13, ("HELLO", "RAIN"), (0, 13, 1, 0), resolution=32)
    assert frames.shape[1:] == (32, 32, 3) and len(segments) == 2 and kp.shape[1:] == (133, 3)
