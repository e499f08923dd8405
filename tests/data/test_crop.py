import numpy as np
import pytest
from PIL import Image

from slvg_bench.data.crop import (
    CropConfig, SquareBox, crop_frame, crop_resize, keypoint_extent, signer_box, transform_keypoints,
)  # fmt: skip
from slvg_bench.errors import UsageError


def _kp(points, conf=1.0, t=1):
    kp = np.zeros((t, 133, 3), np.float32)
    for i, (x, y) in enumerate(points):
        kp[:, i] = (x, y, conf)
    return kp


def test_keypoint_box_is_union_plus_margin_centred():
    # extent x 100..140, y 50..70 -> side 40 * 1.2 = 48, centre (120, 60)
    kp = _kp([(100, 50), (140, 70)])
    box = signer_box(200, 300, CropConfig(margin=0.1), keypoints=kp)
    assert box == SquareBox(96, 36, 48)


def test_union_spans_all_frames_and_ignores_low_confidence_and_legs():
    kp = np.zeros((2, 133, 3), np.float32)
    kp[0, 0] = (100, 50, 0.9)
    kp[1, 0] = (140, 70, 0.9)  # same point, other frame: the union spans both
    kp[0, 1] = (0, 0, 0.1)  # below min_confidence
    kp[1, 15] = (290, 190, 1.0)  # left ankle: not a signing point
    assert keypoint_extent(kp, 0.3) == (100.0, 50.0, 140.0, 70.0)
    assert keypoint_extent(kp, 0.3, "all") == (100.0, 50.0, 290.0, 190.0)


def test_clip_shifts_inside_and_shrinks_to_short_side():
    # extent near the right edge: the square is shifted to end at the frame border
    box = signer_box(200, 300, CropConfig(margin=0.0), keypoints=_kp([(270, 100), (299, 140)]))
    assert box.side == 40 and box.x0 + box.side == 300 and box.y0 == 100
    # extent larger than the frame height: side becomes 200, placed inside
    box = signer_box(200, 300, CropConfig(margin=0.1), keypoints=_kp([(50, 0), (250, 199)]))
    assert box == SquareBox(50, 0, 200)


def test_pad_keeps_square_outside_frame():
    box = signer_box(200, 300, CropConfig(margin=0.1, overflow="pad"), keypoints=_kp([(50, 0), (250, 200)]))
    assert box.side == 240 and box.y0 == -20


def test_whole_frame_fallbacks():
    # landscape (LSA64-like) without keypoints: centred square of the height
    assert signer_box(1080, 1920, CropConfig()) == SquareBox(420, 0, 1080)
    # PHOENIX 210x260 padded: 260 square, 25 black columns each side
    assert signer_box(260, 210, CropConfig(overflow="pad")) == SquareBox(-25, 0, 260)
    # the other documented PHOENIX choice: top 210x210
    assert signer_box(260, 210, CropConfig(anchor=0.0)) == SquareBox(0, 0, 210)
    # mode=frame ignores keypoints
    assert signer_box(64, 64, CropConfig(mode="frame"), keypoints=_kp([(10, 10), (20, 20)])) == SquareBox(0, 0, 64)


def test_person_box_is_initial_box_and_unions_with_keypoints():
    cfg = CropConfig(margin=0.0)
    assert signer_box(200, 300, cfg, person_box=(100, 40, 160, 100)) == SquareBox(100, 40, 60)
    box = signer_box(200, 300, cfg, keypoints=_kp([(90, 60), (100, 70)]), person_box=(100, 40, 160, 100))
    assert box == SquareBox(90, 35, 70)


def test_crop_frame_pads_black():
    frame = np.full((4, 6, 3), 200, np.uint8)
    out = crop_frame(frame, SquareBox(-1, 0, 6))
    assert out.shape == (6, 6, 3)
    assert (out[:, 0] == 0).all() and (out[:4, 1:] == 200).all() and (out[4:] == 0).all()


def test_crop_resize_matches_pil_reference():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 40, 60, 3), dtype=np.uint8)
    box = SquareBox(10, 4, 32)
    out = crop_resize(frames, box, 16, "bicubic")
    ref = np.asarray(Image.fromarray(frames[1, 4:36, 10:42]).resize((16, 16), Image.Resampling.BICUBIC))
    assert out.shape == (2, 16, 16, 3) and np.array_equal(out[1], ref)


def test_keypoints_follow_the_crop():
    # a bright pixel at (x=30, y=20) lands where the transformed keypoint says
    frame = np.zeros((1, 64, 96, 3), np.uint8)
    frame[0, 20, 30] = 255
    box = SquareBox(14, 4, 32)
    kp = transform_keypoints(_kp([(30, 20)]), box, 32)
    out = crop_resize(frame, box, 32)
    y, x = np.unravel_index(out[0, ..., 0].argmax(), (32, 32))
    assert (kp[0, 0, 0], kp[0, 0, 1]) == (x, y) == (16, 16)
    # halving, pixel-centre convention x' = (x + .5 - x0) * s - .5: the centre of a 2x2 block
    # (x = y = 30.5/20.5 in source pixels) lands on the centre of the one output pixel it becomes
    frame[0, 20:22, 30:32] = 255
    kp2 = transform_keypoints(_kp([(30.5, 20.5)]), box, 16)
    out2 = crop_resize(frame, box, 16, "area")
    y, x = np.unravel_index(out2[0, ..., 0].argmax(), (16, 16))
    assert kp2[0, 0, :2].tolist() == [8.0, 8.0] == [x, y]
    # unknown points stay zero
    assert transform_keypoints(_kp([(30, 20)], conf=0.0), box, 16)[0, 0].tolist() == [0, 0, 0]


def test_bad_crop_config_is_a_usage_error():
    with pytest.raises(UsageError, match="overflow"):
        CropConfig(overflow="wrap").validate()
