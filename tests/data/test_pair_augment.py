"""Training-pair augmentation (FOMM/TPSMM's): time flip, horizontal flip with keypoints, colour jitter."""

import numpy as np
import pytest
import torch

from slvg_bench.data import build_pair_dataset
from slvg_bench.data.pair_augment import augment_pair, check_pair_augment, color_jitter, flip_keypoints
from slvg_bench.errors import UsageError
from slvg_bench.pose.layout import LEFT_HAND, RIGHT_HAND
from slvg_bench.train_config import PairAugmentConfig, fomm_augmentation
from tests.data.fakes import small_synthsign

pytestmark = pytest.mark.filterwarnings("ignore::slvg_bench.data.adapters.base.DatasetCountWarning")


def pair(size=16):
    g = torch.Generator().manual_seed(0)
    frames = torch.rand(2, 3, size, size, generator=g)
    kp = torch.zeros(2, 133, 3)
    kp[:, LEFT_HAND[0]] = torch.tensor([[2.0, 5.0, 1.0], [3.0, 6.0, 1.0]])
    kp[:, RIGHT_HAND[0]] = torch.tensor([[12.0, 7.0, 1.0], [11.0, 8.0, 1.0]])
    return frames, kp


def test_time_flip_swaps_source_and_driving_and_nothing_else():
    frames, kp = pair()
    out, okp = augment_pair(frames, kp, PairAugmentConfig(time_flip=1.0, horizontal_flip=1.0), np.random.default_rng(0))
    assert torch.equal(out, frames.flip(0)) and torch.equal(okp, kp.flip(0))


def test_horizontal_flip_mirrors_pixels_and_keypoints_with_names_swapped():
    frames, kp = pair()
    frames[:, :, 5, 2] = 1.0  # a bright pixel under the left wrist of the source
    out, okp = augment_pair(frames, kp, PairAugmentConfig(horizontal_flip=1.0), np.random.default_rng(0))
    assert torch.equal(out, frames.flip(-1))
    # the source's left wrist (2, 5) is now the right wrist at x = 15 − 2, still on its pixel
    assert okp[0, RIGHT_HAND[0]].tolist() == [13.0, 5.0, 1.0]
    assert out[0, 0, 5, 13] == 1.0
    assert torch.equal(flip_keypoints(flip_keypoints(kp, 16), 16), kp)
    unknown = torch.zeros(1, 133, 3)
    unknown[0, 0] = torch.tensor([4.0, 4.0, 0.0])
    assert flip_keypoints(unknown, 16)[0, 0, 0] == 4.0  # unknown points keep their (meaningless) coordinates


def test_jitter_is_the_same_for_both_frames_and_seeded():
    frames, kp = pair()
    frames[1] = frames[0]
    cfg = PairAugmentConfig(jitter=(0.1, 0.1, 0.1, 0.1))
    out, okp = augment_pair(frames, kp, cfg, np.random.default_rng(3))
    assert torch.equal(out[0], out[1]) and not torch.equal(out[0], frames[0])
    assert torch.equal(okp, kp) and 0 <= out.min() and out.max() <= 1
    again, _ = augment_pair(frames, kp, cfg, np.random.default_rng(3))
    assert torch.equal(out, again)
    other, _ = augment_pair(frames, kp, cfg, np.random.default_rng(4))
    assert not torch.equal(out, other)


def test_jitter_brightness_alone_scales_the_frame():
    frames = torch.full((2, 3, 4, 4), 0.5)
    rng = np.random.default_rng(0)
    factor = np.random.default_rng(0).uniform(0.9, 1.1)
    torch.testing.assert_close(color_jitter(frames, (0.1, 0, 0, 0), rng), frames * factor)


def test_flip_probabilities_follow_the_official_rule():
    frames, kp = pair()
    cfg = fomm_augmentation()
    kinds = {"time": 0, "mirror": 0, "none": 0}
    for i in range(400):
        out, okp = augment_pair(frames, kp, PairAugmentConfig(cfg.time_flip, cfg.horizontal_flip),
                                np.random.default_rng(i))
        kinds["time" if torch.equal(okp, kp.flip(0)) else "mirror" if not torch.equal(okp, kp) else "none"] += 1
    assert abs(kinds["time"] / 400 - 0.5) < 0.08 and abs(kinds["mirror"] / 400 - 0.25) < 0.07


def test_bad_settings_name_the_key():
    with pytest.raises(UsageError, match=r"train\.augment\.time_flip"):
        check_pair_augment(PairAugmentConfig(time_flip=1.5))
    with pytest.raises(UsageError, match=r"train\.augment\.jitter"):
        check_pair_augment(PairAugmentConfig(jitter=(0.1, 0.1)))


def test_pair_dataset_augments_deterministically(tmp_path):
    small_synthsign(tmp_path / "data" / "synthsign")
    plain = build_pair_dataset("synthsign", data_root=tmp_path / "data", resolution=32, pairs_per_video=4, seed=1)
    aug = build_pair_dataset("synthsign", data_root=tmp_path / "data", resolution=32, pairs_per_video=4, seed=1,
                             augment=fomm_augmentation())
    assert sum(not torch.equal(plain[i]["source"], aug[i]["source"]) for i in range(len(aug))) >= len(aug) // 2
    assert all(torch.equal(aug[i]["driving"], aug[i]["driving"]) for i in range(len(aug)))
    off = build_pair_dataset("synthsign", data_root=tmp_path / "data", resolution=32, pairs_per_video=4, seed=1,
                             augment=PairAugmentConfig())
    assert all(torch.equal(plain[i]["source"], off[i]["source"]) for i in range(len(off)))
