import torch

from slvg_bench.pose.augment import AugmentConfig, augment, geometric, photometric


def planted(b: int = 8, h: int = 60, w: int = 80):
    frames = torch.zeros(b, 3, h, w)
    kp = torch.zeros(b, 133, 3)
    for i in range(b):
        x, y = 20 + 5 * i, 15 + 4 * i
        frames[i, :, y - 1:y + 2, x - 1:x + 2] = 1.0
        kp[i, 9] = torch.tensor([x, y, 1.0])  # left wrist
    return frames, kp


def test_keypoints_move_with_the_pixels_and_flip_swaps_names():
    frames, kp = planted()
    g = torch.Generator().manual_seed(0)
    out, moved = geometric(frames, kp, AugmentConfig(translate=0.05), g)
    flipped = 0
    for i in range(len(frames)):
        j = 9 if moved[i, 9, 2] > 0 else 10  # a flip renames the left wrist to the right wrist
        flipped += j == 10
        assert moved[i, 19 - j, 2] == 0
        ys, xs = torch.nonzero(out[i, 0] > 0.3, as_tuple=True)
        assert torch.allclose(torch.stack([xs.float().mean(), ys.float().mean()]), moved[i, j, :2], atol=0.7)
    assert 0 < flipped < len(frames)


def test_points_leaving_the_frame_become_unknown():
    frames, kp = planted(4)
    kp[:, 0] = torch.tensor([1.0, 1.0, 1.0])
    cfg = AugmentConfig(scale=(2.0, 2.0), rotate_deg=0, translate=0, flip=0)
    _, moved = geometric(frames, kp, cfg, torch.Generator().manual_seed(0))
    assert torch.all(moved[:, 0, 2] == 0)  # the corner point is scaled out of the frame


def test_photometric_keeps_range_and_shape():
    frames = torch.rand(6, 3, 16, 16)
    cfg = AugmentConfig(channel_shuffle=1.0)
    out = photometric(frames, cfg, torch.Generator().manual_seed(1))
    assert out.shape == frames.shape and out.min() >= 0 and out.max() <= 1
    assert not torch.allclose(out, frames)
    same = photometric(frames, AugmentConfig(brightness=0, contrast=0, saturation=0, channel_shuffle=0), torch.Generator())
    assert torch.allclose(same, frames, atol=1e-6)
    a = augment(frames, torch.zeros(6, 133, 3), cfg, torch.Generator().manual_seed(3))
    b = augment(frames, torch.zeros(6, 133, 3), cfg, torch.Generator().manual_seed(3))
    assert torch.equal(a[0], b[0])  # seeded -> reproducible


def test_random_crop_moves_keypoints_with_the_window():
    from slvg_bench.pose.augment import random_crop

    frames, kp = planted(6)
    out, moved = random_crop(frames, kp, 32, torch.Generator().manual_seed(0))
    assert out.shape == (6, 3, 32, 32)
    for i in range(6):
        if moved[i, 9, 2] > 0:
            x, y = moved[i, 9, :2].long().tolist()
            assert out[i, 0, y, x] == 1.0
        else:  # the dot's centre fell outside the window
            mx, my = moved[i, 9, :2].tolist()
            assert not (0 <= mx <= 31 and 0 <= my <= 31)
    same, kp_same = random_crop(frames, kp, 100, torch.Generator())
    assert same is frames and kp_same is kp
