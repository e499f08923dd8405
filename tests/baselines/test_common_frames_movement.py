"""baselines.common.frames (resize_frames) and baselines.common.movement (relative-motion scale)."""

from __future__ import annotations

import torch

from baselines.common import movement_scale, resize_frames
from baselines.common.movement import hull_area


def test_resize_frames_noop_shapes_and_range():
    x = torch.rand(2, 3, 64, 48)
    assert resize_frames(x, (64, 48)) is x
    small = resize_frames(x, (32, 24))
    big = resize_frames(x, (128, 96))
    assert small.shape == (2, 3, 32, 24) and big.shape == (2, 3, 128, 96)
    assert small.min() >= 0 and small.max() <= 1 and big.min() >= 0 and big.max() <= 1
    const = torch.full((1, 3, 40, 40), 0.3)
    assert torch.allclose(resize_frames(const, (20, 20)), torch.full((1, 3, 20, 20), 0.3), atol=1e-6)


def test_movement_scale_is_the_sqrt_hull_area_ratio():
    square = torch.tensor([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [0.0, 0.1]])
    assert abs(hull_area(square.numpy()) - 1.0) < 1e-12
    src = torch.stack([square * 2, square])  # hull areas 4 and 1
    ini = torch.stack([square, square * 4])  # hull areas 1 and 16
    scale = movement_scale(src, ini)
    assert scale.dtype == torch.float64
    assert torch.allclose(scale, torch.tensor([2.0, 0.25], dtype=torch.float64))


def test_movement_scale_degenerate_hull_gives_one(caplog):
    line = torch.tensor([[[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]])
    tri = torch.tensor([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])
    assert movement_scale(line, tri).item() == 1.0
    assert movement_scale(tri[:, :2], tri).item() == 1.0
    assert "degenerate" in caplog.text
