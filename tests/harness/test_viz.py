import numpy as np
import torch

from slvg_bench.video import read_video_uint8
from slvg_bench.viz import frame_grid, side_by_side, write_comparison


def test_side_by_side_and_grid_shapes():
    a = np.zeros((5, 32, 32, 3), np.uint8)
    b = np.full((4, 32, 32, 3), 200, np.uint8)
    sbs = side_by_side([a, b], ["target", "m"])
    assert sbs.shape == (4, 32 + 14, 64, 3)
    assert (sbs[:, 14:, 32:] == 200).all() and (sbs[:, 14:, :32] == 0).all()
    grid = frame_grid([a, b], ["target", "m"], n_frames=3)
    assert grid.shape == (64, 64 + 3 * 32, 3)


def test_write_comparison_with_hand_zoom(tmp_path):
    t = 6
    video = torch.rand(t, 3, 64, 64)
    kp = torch.zeros(t, 133, 3)
    kp[:, 112:133, 0] = torch.linspace(20, 30, 21)
    kp[:, 112:133, 1] = 40
    kp[:, 112:133, 2] = 1
    paths = write_comparison(tmp_path / "cmp", [video, video], ["target", "oracle"], kp)
    assert [p.suffix for p in paths] == [".mp4", ".gif", ".png"]
    assert read_video_uint8(paths[0]).shape[0] == t
    from PIL import Image

    grid = np.asarray(Image.open(paths[2]))
    assert grid.shape[0] > 2 * (64 + 0)  # the zoom rows are below the frame rows


def test_zoom_rows_carry_the_method_name_and_zoom_on_two_lines():
    from slvg_bench.viz import label_strip

    from slvg_bench.viz import zoom_boxes

    a = np.zeros((3, 64, 64, 3), np.uint8)

    kp = np.zeros((3, 133, 3), np.float32)
    kp[:, 112:133, :2] = 30
    kp[:, 112:133, 2] = 1
    boxes = zoom_boxes(kp, (64, 64))
    grid = frame_grid([a, a], ["target", "mraa"], n_frames=3, zoom=boxes)
    zoom_top = 2 * 64 + 4  # two frame rows, then the white separator
    np.testing.assert_array_equal(grid[zoom_top + 64:zoom_top + 64 + 14, :64], label_strip("mraa", 64))
    np.testing.assert_array_equal(grid[zoom_top + 64 + 14:zoom_top + 64 + 28, :64], label_strip("(zoom)", 64))
