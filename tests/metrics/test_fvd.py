import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from slvg_bench.errors import UsageError
from slvg_bench.metrics import fvd_clips
from slvg_bench.metrics.base import MetricSkip, VideoPair
from slvg_bench.metrics.feature_cache import clip_key
from slvg_bench.metrics.frechet import frechet_distance_from_features
from slvg_bench.metrics.fvd import FVD, STATE_NETWORK, FVDOptions, fvd_between
from slvg_bench.metrics.i3d import InceptionI3d
from slvg_bench.metrics.i3d_loading import I3DExtractor, TorchScriptI3D, load_extractor, load_i3d_state_dict
from slvg_bench.results import RowSchema, RunContext, make_row
from tests.metrics.helpers import noisy, structured_video
from tests.metrics.tolerances import TOLERANCES


class TinyEmbedding(torch.nn.Module):
    """A cheap deterministic stand-in for I3D: B×3×T×224×224 -> B×400 (tests of the FVD plumbing)."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.proj = torch.nn.Parameter(torch.randn(3 * 4 * 8 * 8, 400, generator=g) * 0.1, requires_grad=False)

    def forward(self, x):
        # [-1, 1] up to float rounding: bilinear weights of a 255-level plateau may sum to 1 + ulp
        # (the official TATS op order has the same property)
        assert x.shape[2:] == (16, 224, 224) and x.min() >= -1 - 1e-5 and x.max() <= 1 + 1e-5
        pooled = torch.nn.functional.adaptive_avg_pool3d(x, (4, 8, 8)).flatten(1)
        return torch.tanh(pooled @ self.proj) * 3


def tiny_extractor(calls=None):
    net = TinyEmbedding()

    def forward(x):
        if calls is not None:
            calls.append(x.shape[0])
        return net(x)

    return I3DExtractor("tats", "i3d.k400-tats", "0" * 64, forward)


def videos(n, t=16, seed=0):
    return [noisy(structured_video(t, 40, 48, seed=seed + i), 0.02, seed + i) for i in range(n)]


def rows_for(metric, pairs, statuses=None):
    ctx = RunContext("r", config_hash="h")
    schema = RowSchema((), FVD.state_columns(), ("fvd-i3d-k400",))
    out = []
    for i, (p, t) in enumerate(pairs):
        pair = VideoPair(f"v{i}", p, t)
        try:
            out.append(make_row(ctx, schema, pair.video_id, pair.n_frames, state=metric.state(pair)))
        except MetricSkip as e:
            out.append(make_row(ctx, schema, pair.video_id, pair.n_frames, reasons={"fvd-i3d-k400": str(e)}))
    return pd.DataFrame(out)


def test_fvd_of_a_set_against_itself_is_zero_and_grows_with_distortion(tmp_path):
    # each corpus value is one scipy sqrtm of a singular 400×400 product (n < 400): seconds each
    metric = FVD(extractor=tiny_extractor(), cache_root=tmp_path)
    vids = videos(6)
    same = FVD.compute_corpus(rows_for(metric, [(v, v) for v in vids]))
    feats = np.stack([metric.features(v)[0] for v in vids]).astype(np.float64)
    scale = 2 * np.trace(np.cov(feats, rowvar=False))
    assert same.reason is None and abs(same.value) <= TOLERANCES["fvd_self_relative"] * scale
    assert same.details["n_clips_generated"] == 6 and same.details["clip_length"] == 16
    strong = FVD.compute_corpus(rows_for(metric, [(noisy(v, 0.3, 9), v) for v in vids])).value
    assert strong > 100 * abs(same.value)


@pytest.mark.slow
def test_corpus_value_is_the_frechet_distance_of_target_vs_pred_features(tmp_path):
    metric = FVD(FVDOptions(covariance="biased"), extractor=tiny_extractor(), cache_root=tmp_path)
    vids = videos(5)
    pairs = [(noisy(v, 0.1, 3), v) for v in vids]
    rows = rows_for(metric, pairs)
    real = np.stack([metric.features(t)[0] for _, t in pairs])
    fake = np.stack([metric.features(p)[0] for p, _ in pairs])
    expected = frechet_distance_from_features(real, fake, "biased")
    assert FVD.compute_corpus(rows, FVDOptions(covariance="biased")).value == pytest.approx(expected, rel=1e-12)
    # recomputable between result tables without the network
    assert fvd_between(rows, rows, "target", "pred", "biased") == pytest.approx(expected, rel=1e-12)


def test_features_are_cached_by_content(tmp_path):
    calls = []
    metric = FVD(extractor=tiny_extractor(calls), cache_root=tmp_path)
    v = videos(1)[0]
    first = metric.features(v)
    assert calls == [1] and metric.cache.misses == 1
    second = FVD(extractor=tiny_extractor(calls), cache_root=tmp_path).features(v.clone())
    assert calls == [1]  # served from disk, no network call
    np.testing.assert_array_equal(first, second)
    clip = fvd_clips.sample_clips(v, 16)[0]
    assert clip_key(clip, "tats:a", "stretch") != clip_key(clip, "tats:b", "stretch")
    assert clip_key(clip, "tats:a", "stretch") != clip_key(clip, "tats:a", "short-side-crop")


def test_clip_sampling():
    assert fvd_clips.clip_starts(40, 16, "first") == [0]
    assert fvd_clips.clip_starts(40, 16, "all") == [0, 16]
    assert fvd_clips.clip_starts(15, 16, "all") == []
    with pytest.raises(UsageError, match="clip_length"):
        FVDOptions(clip_length=8).validate()


def test_short_videos_are_an_error_naming_the_video_or_skipped_with_a_count(tmp_path):
    vids = videos(4) + videos(1, t=12, seed=7)
    pairs = [(v, v) for v in vids]
    strict = FVD(extractor=tiny_extractor(), cache_root=tmp_path)
    res = FVD.compute_corpus(rows_for(strict, pairs))
    assert np.isnan(res.value) and "'v4'" not in res.reason  # one distinct reason is shown as is
    assert "12 frames" in res.reason and "--fvd-skip-short" in res.reason
    with pytest.raises(MetricSkip, match="too short"):
        strict.state(VideoPair("short", vids[-1], vids[-1]))
    lenient = FVD(FVDOptions(skip_short=True), extractor=tiny_extractor(), cache_root=tmp_path)
    res = FVD.compute_corpus(rows_for(lenient, pairs), FVDOptions(skip_short=True))
    assert res.reason is None and res.details["videos_skipped_short"] == 1 and res.details["n_videos"] == 4


def test_unavailable_without_weights_names_both_install_commands():
    reason = FVD().unavailable_reason()
    assert "slvg-bench weights add i3d.k400-tats" in reason
    assert "slvg-bench weights add i3d.k400-styleganv" in reason
    assert "unavailable" in FVD(FVDOptions(network="styleganv")).unavailable_reason()


def test_mixed_networks_are_refused(tmp_path):
    metric = FVD(extractor=tiny_extractor(), cache_root=tmp_path)
    rows = rows_for(metric, [(v, v) for v in videos(3)])
    rows.loc[0, STATE_NETWORK] = "styleganv:ffff"
    assert "different I3D files" in FVD.compute_corpus(rows).reason


class StyleGANVForm(torch.nn.Module):
    """The call signature of StyleGAN-V's i3d_torchscript.pt around any embedding network."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, rescale: bool = False, resize: bool = False,
                return_features: bool = False) -> torch.Tensor:
        if rescale:
            x = x / 255.0 * 2 - 1
        if resize:
            x = torch.nn.functional.interpolate(x, size=(x.shape[2], 224, 224), mode="trilinear", align_corners=False)
        logits = self.net(x)
        if return_features:
            return logits
        return torch.softmax(logits, dim=1)


def script(module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.script is deprecated but is what the published file is
        return torch.jit.script(module)


def test_torchscript_form_is_called_with_keywords_for_raw_logits(tmp_path):
    net = TinyEmbedding()
    path = tmp_path / "i3d_torchscript.pt"
    script(StyleGANVForm(net)).save(str(path))
    loaded = TorchScriptI3D(path)
    x = fvd_clips.preprocess(fvd_clips.sample_clips(videos(1)[0], 16), "stretch")
    torch.testing.assert_close(loaded(x), net(x))  # logits: rescale/resize off, return_features on
    extractor = load_extractor("styleganv", path=path)
    assert extractor.network == "styleganv" and len(extractor.sha256) == 64
    torch.testing.assert_close(extractor(x), net(x))


@pytest.mark.slow
def test_both_published_forms_of_the_real_architecture_agree(tmp_path):
    """The InceptionI3d state-dict form and a TorchScript export of it give the same FVD features."""
    torch.manual_seed(0)
    state = {k: v for k, v in InceptionI3d().state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(state, tmp_path / "i3d_pretrained_400.pt")
    model = load_i3d_state_dict(tmp_path / "i3d_pretrained_400.pt")
    clips = fvd_clips.sample_clips(videos(1)[0], 10)  # the shortest clip the network takes: fastest
    x = fvd_clips.preprocess(clips, "stretch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(model, x)
    script(StyleGANVForm(traced)).save(str(tmp_path / "i3d_torchscript.pt"))
    a = load_extractor("tats", path=tmp_path / "i3d_pretrained_400.pt")(x)
    b = load_extractor("styleganv", path=tmp_path / "i3d_torchscript.pt")(x)
    assert a.shape == (1, 400)
    assert (a - b).abs().max() <= TOLERANCES["i3d_torchscript_vs_state_dict"]
