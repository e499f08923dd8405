"""Bilinear resizes that feed a metric give the same bits whatever torch's thread count (issue 17:
the last bits differed between 1 and 2 threads in FVD preprocessing and --align resize)."""

import pytest
import torch
import torch.nn.functional as F

from slvg_bench.metrics import fvd_clips
from slvg_bench.metrics.regions import resize_crops
from slvg_bench.scoring import align_pair
from slvg_bench.threads import torch_threads


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def inputs():
    g = torch.Generator().manual_seed(0)
    square = (torch.rand(2, 16, 3, 128, 128, generator=g) * 255).round().to(torch.uint8)
    wide = (torch.rand(1, 16, 3, 120, 160, generator=g) * 255).round().to(torch.uint8)
    small = torch.rand(5, 3, 100, 100, generator=g)
    large = torch.rand(5, 3, 150, 190, generator=g)
    return square, wide, small, large


def resized(threads: int):
    torch.set_num_threads(threads)
    square, wide, small, large = inputs()
    target = torch.zeros(5, 3, 128, 128)
    return {
        "fvd stretch": fvd_clips.preprocess(square, "stretch"),
        "fvd short-side-crop": fvd_clips.preprocess(wide, "short-side-crop"),
        "align resize (up)": align_pair(small, target, ("resize",))[0],
        "align resize (down, antialiased)": align_pair(large, target, ("resize",))[0],
        "region crops": resize_crops(small[:, :, :40, :40]),
        "raw interpolate": F.interpolate(small, size=(128, 128), mode="bilinear", align_corners=False),
    }


def test_resizes_are_bit_identical_with_1_and_2_threads(restore_threads):
    one, two = resized(1), resized(2)
    for name in one:
        if name != "raw interpolate":  # torch itself: differs in the last bits on many CPUs (3.6e-7 measured)
            assert torch.equal(one[name], two[name]), name


def test_torch_threads_restores_the_count_and_leaves_cuda_alone(restore_threads):
    torch.set_num_threads(2)
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    with pytest.raises(RuntimeError), torch_threads(1):
        raise RuntimeError("inside")
    assert torch.get_num_threads() == 2
    with torch_threads(1, torch.device("cuda")):  # the thread count does not reach CUDA kernels
        assert torch.get_num_threads() == 2
    with torch_threads(1, "cpu"):
        assert torch.get_num_threads() == 1
