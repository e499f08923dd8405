"""fid-inception: the Fréchet step equals pytorch-fid's calculate_frechet_distance, the network loads a
state dict in pytorch-fid's layout (a random one this test writes; the real file cannot be downloaded
here) and gives pytorch-fid's features, the per-frame metric from rows, and unavailable + fix without
the weight file."""

import math

import numpy as np
import pytest
import torch

from slvg_bench import weights
from slvg_bench.errors import CheckpointError
from slvg_bench.metrics import frechet
from slvg_bench.metrics.base import VideoPair
from slvg_bench.metrics.fid import (METRIC_ID, STATE_PRED, STATE_TARGET, WEIGHT_ID, FIDInception, FIDOptions,
                                    fid_from_features, frame_indices)
from slvg_bench.metrics.inception_fid import FEATURE_DIM, FIDInceptionV3, load_fid_inception
from slvg_bench.metrics.registry import DEFAULT_METRICS, METRICS, resolve
from tests.metrics.helpers import noisy, structured_video


def random_state_dict(seed: int = 0) -> dict[str, torch.Tensor]:
    """Random weights in the FID Inception layout (running variances positive, num_batches_tracked kept)."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for k, v in FIDInceptionV3().state_dict().items():
        if not v.is_floating_point():
            out[k] = v.clone()
        elif k.endswith("running_var"):
            out[k] = torch.rand(v.shape, generator=g) + 0.5
        else:
            out[k] = torch.randn(v.shape, generator=g) * 0.05
    return out


@pytest.fixture(scope="module")
def state_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fid") / "pt_inception-2015-12-05-random.pth"
    torch.save(random_state_dict(), path)
    return path


# --- the Fréchet step ----------------------------------------------------------------------------

def hand_made_statistics():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(60, 6))
    b = rng.normal(size=(45, 6)) @ rng.normal(size=(6, 6)) * 0.7 + 0.4
    yield "well-conditioned", a, b
    yield "fewer samples than dimensions (singular)", rng.normal(size=(12, 40)), rng.normal(size=(9, 40)) + 0.1
    yield "identical", a, a


@pytest.mark.parametrize("case", [c[0] for c in hand_made_statistics()])
def test_frechet_step_equals_pytorch_fid(case):
    fid_score = pytest.importorskip("pytorch_fid.fid_score")
    _, real, fake = next(c for c in hand_made_statistics() if c[0] == case)
    mu1, s1 = real.mean(axis=0), np.cov(real, rowvar=False)  # pytorch-fid's statistics
    mu2, s2 = fake.mean(axis=0), np.cov(fake, rowvar=False)
    with np.errstate(all="ignore"), _quiet():
        ref = fid_score.calculate_frechet_distance(mu1, s1, mu2, s2)
    assert fid_from_features(real, fake) == float(ref)  # the same statistics, the same step: bit for bit
    # from float32 features pytorch-fid's mean is float32 (np.mean keeps the dtype); ours stays float64
    r32, f32 = real.astype(np.float32), fake.astype(np.float32)
    with np.errstate(all="ignore"), _quiet():
        ref32 = fid_score.calculate_frechet_distance(r32.mean(axis=0), np.cov(r32, rowvar=False),
                                                     f32.mean(axis=0), np.cov(f32, rowvar=False))
    assert fid_from_features(r32, f32) == pytest.approx(float(ref32), rel=1e-6, abs=1e-6)


class _quiet:
    """Silence scipy/numpy warnings (sqrtm of singular products, pytorch-fid's disp=False)."""

    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def test_frechet_step_closed_form_for_diagonal_covariances():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    v1, v2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    expected = 1 + 0 + 4 + float(np.sum(v1 + v2 - 2 * np.sqrt(v1 * v2)))  # 5 + (1+4-4)+(4+1-4)+(9+1-6)
    assert expected == 11.0
    got = frechet.frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2), imag_atol=1e-3)
    assert got == pytest.approx(expected, abs=1e-12)


def test_imaginary_parts_follow_pytorch_fids_absolute_rule(monkeypatch):
    s = np.eye(3)
    for imag, ok in [(5e-4, True), (2e-3, False)]:
        root = np.eye(3) + 0j
        root[1, 1] += imag * 1j
        monkeypatch.setattr(frechet, "_sqrtm", lambda m, r=root: r)
        if ok:
            assert frechet.frechet_distance(np.zeros(3), s, np.zeros(3), s, imag_atol=1e-3) == pytest.approx(0.0)
        else:
            with pytest.raises(FloatingPointError, match="imaginary"):
                frechet.frechet_distance(np.zeros(3), s, np.zeros(3), s, imag_atol=1e-3)
            # FVD's relative rule (default) accepts the same root: its scale is max(1, trace) = 3
            assert frechet.frechet_distance(np.zeros(3), s, np.zeros(3), s) == pytest.approx(0.0)


# --- the network ---------------------------------------------------------------------------------

def test_loads_a_state_dict_in_pytorch_fids_layout(state_file, tmp_path):
    model = load_fid_inception(state_file)
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert torch.equal(model.state_dict()["Mixed_7c.branch_pool.bn.running_var"],
                       random_state_dict()["Mixed_7c.branch_pool.bn.running_var"])
    # without num_batches_tracked (older torch saves): still loads
    state = {k: v for k, v in random_state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(state, tmp_path / "no_nbt.pth")
    load_fid_inception(tmp_path / "no_nbt.pth")
    bad = dict(state)
    del bad["Mixed_6e.branch7x7dbl_5.conv.weight"]
    torch.save(bad, tmp_path / "missing.pth")
    with pytest.raises(CheckpointError, match="missing 1 keys.*Mixed_6e.branch7x7dbl_5.conv.weight"):
        load_fid_inception(tmp_path / "missing.pth")
    bad = {**state, "AuxLogits.fc.weight": torch.zeros(1008, 768)}
    torch.save(bad, tmp_path / "extra.pth")
    with pytest.raises(CheckpointError, match="unexpected 1 keys.*AuxLogits"):
        load_fid_inception(tmp_path / "extra.pth")
    bad = {**state, "fc.weight": torch.zeros(1000, 2048)}
    torch.save(bad, tmp_path / "shape.pth")
    with pytest.raises(CheckpointError, match="'fc.weight' has shape \\(1000, 2048\\), expected \\(1008, 2048\\)"):
        load_fid_inception(tmp_path / "shape.pth")


def test_features_equal_pytorch_fids_inception(state_file, monkeypatch):
    inception = pytest.importorskip("pytorch_fid.inception")
    state = torch.load(state_file, weights_only=True)
    # pytorch-fid builds its network and then fetches the weights: hand it the same state dict
    monkeypatch.setattr(inception, "load_state_dict_from_url", lambda *a, **k: state)
    ref_model = inception.InceptionV3([inception.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    ours = load_fid_inception(state_file)
    frames = structured_video(2, 40, 48)
    with torch.no_grad():
        ref = ref_model(frames)[0].flatten(1)
        got = ours(frames)
    assert got.shape == (2, FEATURE_DIM)
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-6)


# --- the metric ----------------------------------------------------------------------------------

def test_frames_are_sampled_as_documented():
    assert frame_indices(5, 1) == [0, 1, 2, 3, 4]
    assert frame_indices(7, 3) == [0, 3, 6]
    with pytest.raises(Exception, match="frame_stride"):
        FIDInception(FIDOptions(frame_stride=0))


def test_metric_from_rows_equals_fid_of_the_frames_features(state_file, tmp_path, monkeypatch):
    import pandas as pd

    from slvg_bench.metrics import fid as fid_module

    metric = FIDInception(FIDOptions(frame_stride=2), weights_path=state_file, cache_root=tmp_path / "cache")
    assert metric.unavailable_reason() is None
    videos = [(noisy(structured_video(3, 24, 24, seed=s), 0.1, seed=s), structured_video(3, 24, 24, seed=s))
              for s in (0, 1)]
    rows = []
    for i, (pred, target) in enumerate(videos):
        state = metric.state(VideoPair(f"v{i}", pred, target))
        assert state[STATE_PRED].shape == (2 * FEATURE_DIM,)  # frames 0 and 2
        rows.append({"video_id": f"v{i}", "status": "ok", **state})
    assert metric.cache.misses == 8 and metric.cache.hits == 0
    # the figure is fid_from_features (tested above) of the pooled frames: generated vs target
    seen = {}
    monkeypatch.setattr(fid_module, "fid_from_features", lambda real, fake: seen.update(real=real, fake=fake) or 1.5)
    result = FIDInception.compute_corpus(pd.DataFrame(rows), FIDOptions(frame_stride=2))
    assert result.value == 1.5 and result.n == 4 and result.reason is None
    assert result.details["n_frames_real"] == 4 and result.details["frame_stride"] == 2
    net = load_fid_inception(state_file)
    with torch.no_grad():  # the frames' uint8 levels, through the network one video at a time
        fake = torch.cat([net((p[[0, 2]] * 255).round() / 255) for p, _ in videos]).numpy()
        real = torch.cat([net((t[[0, 2]] * 255).round() / 255) for _, t in videos]).numpy()
    np.testing.assert_allclose(seen["fake"], fake, rtol=0, atol=1e-6)
    np.testing.assert_allclose(seen["real"], real, rtol=0, atol=1e-6)
    # a second pass reads every frame from the cache and stores the same features
    again = metric.state(VideoPair("v0", *videos[0]))
    assert metric.cache.hits == 4 and np.array_equal(again[STATE_TARGET], rows[0][STATE_TARGET])
    one = FIDInception.compute_corpus(pd.DataFrame(rows[:1]).assign(**{STATE_PRED: [rows[0][STATE_PRED][:FEATURE_DIM]]}))
    assert math.isnan(one.value) and "at least 2 frames" in one.reason


def test_unavailable_without_the_weight_file_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    reason = FIDInception().unavailable_reason()
    assert reason.startswith(f"{METRIC_ID} unavailable: weight '{WEIGHT_ID}' (file pt_inception-2015-12-05-6726825d.pth")
    assert f"slvg-bench weights download {WEIGHT_ID}" in reason and f"slvg-bench weights add {WEIGHT_ID}" in reason


def test_registration_and_catalog_entry(state_file):
    from slvg_bench.weight_validation import validate

    cls = METRICS.get(METRIC_ID)
    assert cls is FIDInception and cls.info.level == "corpus" and not cls.info.higher_is_better
    assert cls.info.weights == (WEIGHT_ID,) and METRIC_ID not in DEFAULT_METRICS and resolve("fid") == [METRIC_ID]
    spec = weights.get_spec(WEIGHT_ID)
    assert spec.filename == "pt_inception-2015-12-05-6726825d.pth" and spec.location == "torch_hub"
    assert spec.sha256 == "6726825d" and spec.extra["sha256_full_reported"].startswith(spec.sha256)
    assert spec.urls[0].endswith("/fid_weights/pt_inception-2015-12-05-6726825d.pth")
    assert "Inception" in validate(spec, state_file)
    with pytest.raises(CheckpointError, match="is not a valid pt_inception"):
        validate(spec, __file__)
