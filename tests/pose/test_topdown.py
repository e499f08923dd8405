import numpy as np
import pytest
import torch

from slvg_bench.pose.heatmaps import render_heatmaps, soft_argmax
from slvg_bench.pose.topdown import (
    boxes_to_center_size,
    crop,
    crop_to_frame,
    frame_to_crop,
    full_frame_boxes,
    uncrop_heatmaps,
)


def test_box_to_center_size_follows_mmpose_box2cs():
    # MMPose: center = (x + w/2, y + h/2); grow to aspect w:h = 0.75; then x1.25
    center, size = boxes_to_center_size(torch.tensor([[10.0, 20.0, 110.0, 60.0], [0, 0, 30, 120]]), aspect=0.75)
    assert center.tolist() == [[60.0, 40.0], [15.0, 60.0]]
    assert size[0].tolist() == pytest.approx([125.0, 100 / 0.75 * 1.25])
    assert size[1].tolist() == pytest.approx([120 * 0.75 * 1.25, 150.0])
    full = full_frame_boxes(3, (128, 96))
    assert full.shape == (3, 4) and full[2].tolist() == [0, 0, 96, 128]


def test_crop_matches_opencv_warp_affine_of_mmpose():
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(0)
    # smooth image so that OpenCV's 5-bit fixed-point interpolation weights barely matter
    img = np.cumsum(np.cumsum(rng.random((90, 70, 3)), 0), 1)
    img = (img / img.max()).astype(np.float32)
    center, size = boxes_to_center_size(torch.tensor([[8.0, 5.0, 60.0, 80.0]]), aspect=48 / 64)
    (cx, cy), (sw, sh) = center[0].tolist(), size[0].tolist()
    out_h, out_w = 64, 48
    # MMPose get_affine_transform without rotation: centre -> output centre, width sw -> out_w
    k = out_w / sw
    mat = np.array([[k, 0, out_w / 2 - k * cx], [0, k, out_h / 2 - k * cy]], dtype=np.float64)
    ref = cv2.warpAffine(img, mat, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    ours = crop(torch.from_numpy(img).permute(2, 0, 1)[None], center, size, (out_h, out_w))[0].permute(1, 2, 0).numpy()
    inside = ref.sum(-1) > 0.05  # compare away from the zero border (OpenCV blends edges differently)
    assert inside.mean() > 0.5
    assert np.abs(ours - ref)[inside].max() < 2e-2


def test_crop_and_coordinates_are_consistent():
    frames = torch.zeros(2, 3, 100, 80)
    frames[0, :, 40, 30] = 1.0
    frames[1, :, 70, 10] = 1.0
    center, size = boxes_to_center_size(torch.tensor([[0.0, 0.0, 80.0, 100.0], [0.0, 20.0, 60.0, 100.0]]), aspect=0.75)
    crops = crop(frames, center, size, (256, 192))
    pts = torch.tensor([[[30.0, 40.0]], [[10.0, 70.0]]])
    in_crop = frame_to_crop(pts, center, size, (256, 192))
    for b in range(2):
        ys, xs = torch.nonzero(crops[b, 0] > 0.2, as_tuple=True)
        bright = torch.stack([xs.float().mean(), ys.float().mean()])
        assert torch.allclose(bright, in_crop[b, 0], atol=1.0)
    assert torch.allclose(crop_to_frame(in_crop, center, size, (256, 192)), pts, atol=1e-4)


def test_uncrop_heatmaps_puts_peaks_at_the_frame_position():
    frame_size = (128, 128)
    center, size = boxes_to_center_size(full_frame_boxes(1, frame_size), aspect=0.75)
    # a Gaussian at crop-heatmap position (20.3, 30.6) on a 64x48 grid
    hm_xy = torch.tensor([[[20.3, 30.6]]])
    hm = render_heatmaps(torch.cat([hm_xy, torch.ones(1, 1, 1)], -1), (64, 48), sigma=2.0)
    expected = crop_to_frame(hm_xy, center, size, (64, 48))
    frame_hm = uncrop_heatmaps(hm, center, size, frame_size, (128, 128))
    assert frame_hm.shape == (1, 1, 128, 128)
    got = soft_argmax(frame_hm, frame_size=frame_size)
    assert torch.allclose(got, expected, atol=0.05)
    quarter = uncrop_heatmaps(hm, center, size, frame_size, (32, 32))
    assert torch.allclose(soft_argmax(quarter, frame_size=frame_size), expected, atol=0.5)
