import numpy as np
import pytest
import torch

from slvg_bench.pose import layout as L
from slvg_bench.pose.draw import LIMB_COLOURS, POINT_COLOURS, draw_keypoints, draw_keypoints_uint8


def test_draws_known_points_only():
    img = np.zeros((64, 64, 3), np.uint8)
    kp = np.zeros((133, 3), np.float32)
    kp[5] = (10, 10, 1.0)  # left shoulder
    kp[6] = (50, 10, 1.0)  # right shoulder
    kp[7] = (10, 50, 0.1)  # below the threshold
    out = draw_keypoints_uint8(img, kp, threshold=0.3)
    assert out[10, 10].tolist() == list(POINT_COLOURS[5]) and out[10, 50].tolist() == list(POINT_COLOURS[6])
    assert out[10, 30].any()  # the shoulder line
    assert not out[50, 10].any() and not out[30, 10].any()  # no elbow, no upper arm
    assert not img.any()  # input untouched
    only_hands = draw_keypoints_uint8(img, kp, indices=L.HANDS)
    assert not only_hands.any()


def test_video_overlay_shapes_and_errors():
    frames = torch.rand(3, 3, 32, 48)
    kp = torch.zeros(3, 133, 3)
    kp[:, L.RIGHT_HAND, :2] = torch.tensor([20.0, 16.0])
    kp[:, L.RIGHT_HAND, 2] = 1
    out = draw_keypoints(frames, kp)
    assert out.shape == frames.shape and out.dtype == torch.float32
    assert not torch.allclose(out[:, :, 16, 20], frames[:, :, 16, 20])
    with pytest.raises(ValueError):
        draw_keypoints(frames, kp[:2])


def test_every_limb_and_point_has_a_colour():
    assert len(POINT_COLOURS) == 133
    assert {pair for pair, _ in LIMB_COLOURS} >= set(L.WHOLEBODY_LIMBS)


def test_keypoint_grid_layout():
    from slvg_bench.pose.draw import keypoint_grid

    images = [np.zeros((16, 12, 3), np.uint8)] * 3
    kp = np.zeros((133, 3), np.float32)
    kp[0] = (5, 5, 1.0)
    grid = keypoint_grid(images, [[kp] * 3, [kp] * 3], scale=2)
    assert grid.shape == (16 * 2 * 3, 12 * 2 * 3, 3)
    # first row plain; then the nose, at (5 + 0.5)·2 - 0.5 = 10.5 in the upscaled frame
    assert not grid[:32].any() and grid[32 + 9:32 + 13, 9:13].any() and not grid[32 + 20:64].any()
