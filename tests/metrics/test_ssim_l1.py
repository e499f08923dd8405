import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from slvg_bench.metrics.base import VideoPair
from slvg_bench.metrics.l1 import L1, l1_per_frame
from slvg_bench.metrics.ssim import SKIMAGE_DEFAULT, SSIM, WANG, SSIMSkimageDefault, ssim_per_frame
from tests.metrics.helpers import noisy, random_video, structured_video
from tests.metrics.tolerances import TOLERANCES


def skimage_ssim(a: torch.Tensor, b: torch.Tensor, wang: bool = True) -> np.ndarray:
    """The reference: skimage on HWC float64 frames."""
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False) if wang else {}
    return np.array([
        structural_similarity(x.permute(1, 2, 0).double().numpy(), y.permute(1, 2, 0).double().numpy(),
                              data_range=1.0, channel_axis=-1, **kw)
        for x, y in zip(a, b)
    ])


PAIRS = {
    "random": lambda: (random_video(4, 24, 30, 0), random_video(4, 24, 30, 1)),
    "structured-noisy": lambda: (structured_video(5, 32, 40), noisy(structured_video(5, 32, 40), 0.05)),
    "structured-shifted": lambda: (structured_video(5, 32, 40), structured_video(5, 32, 40).roll(2, dims=3)),
    "identical": lambda: (structured_video(3, 20, 20), structured_video(3, 20, 20)),
    "flat-vs-flat": lambda: (torch.full((2, 3, 16, 16), 0.9), torch.full((2, 3, 16, 16), 0.91)),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
@pytest.mark.parametrize("wang", [True, False], ids=["wang", "skimage-default"])
def test_ssim_equals_skimage_per_frame(name, wang):
    a, b = PAIRS[name]()
    ours = ssim_per_frame(a, b, WANG if wang else SKIMAGE_DEFAULT).numpy()
    ref = skimage_ssim(a, b, wang)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=TOLERANCES["ssim_vs_skimage"])


def test_ssim_window_is_11_taps_gaussian_and_7_uniform():
    assert WANG.win_size == 11 and SKIMAGE_DEFAULT.win_size == 7


def test_ssim_metric_is_mean_over_frames_and_batch_size_invariant():
    a, b = structured_video(7, 24, 24), noisy(structured_video(7, 24, 24), 0.1)
    ref = skimage_ssim(a, b).mean()
    pair = VideoPair("v", a, b)
    for batch in (1, 3, 32):
        assert SSIM(batch_frames=batch).score(pair)["ssim"] == pytest.approx(ref, abs=TOLERANCES["ssim_vs_skimage"])
    default = SSIMSkimageDefault().score(pair)["ssim-skimage-default"]
    assert default == pytest.approx(skimage_ssim(a, b, wang=False).mean(), abs=TOLERANCES["ssim_vs_skimage"])


def test_ssim_rejects_frames_smaller_than_the_window():
    with pytest.raises(ValueError, match="at least 11×11"):
        ssim_per_frame(torch.rand(1, 3, 8, 30), torch.rand(1, 3, 8, 30))


def test_l1_per_frame_matches_numpy_and_metric_is_frame_mean():
    a, b = random_video(5, 9, 11, 0), random_video(5, 9, 11, 1)
    ref = np.abs(a.double().numpy() - b.double().numpy()).reshape(5, -1).mean(axis=1)
    np.testing.assert_allclose(l1_per_frame(a, b).numpy(), ref, rtol=1e-6)
    assert L1(batch_frames=2).score(VideoPair("v", a, b))["l1"] == pytest.approx(ref.mean(), rel=1e-6)
    assert L1().score(VideoPair("v", a, a))["l1"] == 0.0


def test_both_filter_routes_agree():
    """The scipy route (CPU) and the banded-matmul route (CUDA) give the same SSIM."""
    a, b = structured_video(3, 40, 36), noisy(structured_video(3, 40, 36), 0.04)
    for settings in (WANG, SKIMAGE_DEFAULT):
        s1 = ssim_per_frame(a, b, settings, backend="scipy")
        s2 = ssim_per_frame(a, b, settings, backend="matmul")
        assert (s1 - s2).abs().max() < 1e-13
