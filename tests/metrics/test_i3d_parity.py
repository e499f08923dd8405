"""InceptionI3d and the FVD preprocessing against the official-code fixture (fixtures/i3d, TATS layout)."""

import hashlib
import json

import pytest
import torch

from slvg_bench.errors import CheckpointError
from slvg_bench.metrics.fvd_clips import preprocess
from slvg_bench.metrics.i3d import InceptionI3d, remaining_time_steps, same_padding
from slvg_bench.metrics.i3d_loading import load_i3d_state_dict
from tests.metrics.tolerances import TOLERANCES


def sha(t: torch.Tensor) -> str:
    return hashlib.sha256(t.detach().float().contiguous().numpy().tobytes()).hexdigest()


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the fixture was made with one thread
    yield
    torch.set_num_threads(before)


@pytest.fixture
def i3d_fixture(parity_fixture):
    folder = parity_fixture("i3d")
    load = lambda name: torch.load(folder / name, weights_only=True)  # noqa: E731
    return folder, load("inputs.pth"), load("outputs.pth")


def test_official_checkpoint_loads_strictly_with_the_full_key_list(i3d_fixture):
    folder, _, _ = i3d_fixture
    keys = json.loads((folder / "keys_full_config.json").read_text())
    official = {k["key"]: tuple(k["shape"]) for k in keys["keys"]}
    ours = {k: tuple(v.shape) for k, v in InceptionI3d().state_dict().items() if not k.endswith("num_batches_tracked")}
    assert ours == official
    model = load_i3d_state_dict(folder / "checkpoint.pth")
    assert sum(p.numel() for p in model.parameters()) == keys["num_parameters"]
    stored = torch.load(folder / "checkpoint.pth", weights_only=True)
    for k, v in stored.items():
        assert torch.equal(model.state_dict()[k], v.float()), k


def test_logits_and_every_endpoint_match_the_official_run(i3d_fixture, one_thread):
    folder, inputs, outputs = i3d_fixture
    model = load_i3d_state_dict(folder / "checkpoint.pth")
    v = inputs["video_uint8"]  # 1×17×224×224×3
    x = 2.0 * v.permute(0, 4, 1, 2, 3).float() / 255.0 - 1
    assert sha(x) == outputs["net_input_sha256_f32"]
    # our clip preprocessing gives the same network input (224 -> 224 bilinear is the identity)
    assert sha(preprocess(v.permute(0, 1, 4, 2, 3), "stretch")) == outputs["net_input_sha256_f32"]
    with torch.no_grad():
        eps = model.endpoints(x)
        logits = model(x)
    # float results are compared with tolerances, not checksums: the network input above is exact
    # arithmetic, but the convolutions' sums are ordered by the CPU's kernels
    for name, out in eps.items():
        assert list(out.shape) == list(outputs[f"ep.{name}.shape"]), name
        scale = out.abs().max().item()
        got_slice = out[0, 0:8, 0, 0:8, 0:8]
        want_slice = outputs[f"ep.{name}.slice_b0_c0-8_t0_h0-8_w0-8"]
        assert (got_slice - want_slice).abs().max() <= TOLERANCES["i3d_endpoint_relative"] * scale, name
        channel_err = (out.double().sum((0, 2, 3, 4)) - outputs[f"ep.{name}.channel_sum"].double()).abs().max()
        assert channel_err <= TOLERANCES["i3d_channel_sum_relative"] * outputs[f"ep.{name}.abs_sum"], name
    assert (model.logits_per_time(x) - outputs["logits_per_time"]).abs().max() <= TOLERANCES["i3d_logits"]
    assert (logits - outputs["logits"]).abs().max() <= TOLERANCES["i3d_logits"]


@pytest.mark.slow
def test_logits_within_tolerance_with_default_threads(i3d_fixture):
    folder, inputs, outputs = i3d_fixture
    model = load_i3d_state_dict(folder / "checkpoint.pth")
    x = 2.0 * inputs["video_uint8"].permute(0, 4, 1, 2, 3).float() / 255.0 - 1
    with torch.no_grad():
        assert (model(x) - outputs["logits"]).abs().max() <= TOLERANCES["i3d_logits"]


@pytest.mark.parametrize("prefix,resize", [("tats_pre", "stretch"), ("cm_pre", "short-side-crop")])
def test_both_preprocessing_pipelines_are_bit_exact_and_give_the_official_logits_within_tolerance(i3d_fixture, one_thread, prefix, resize):
    folder, inputs, outputs = i3d_fixture
    clips = inputs[f"{prefix}.video_uint8"].permute(0, 1, 4, 2, 3)  # N×T×3×H×W, 64×80 (non-square)
    x = preprocess(clips, resize)
    assert list(x.shape) == list(outputs[f"{prefix}.preprocessed_shape"])
    assert sha(x) == outputs[f"{prefix}.preprocessed_sha256_f32"]
    torch.testing.assert_close(x.double().sum(dim=(3, 4)), outputs[f"{prefix}.preprocessed_sum_per_b_c_t"], rtol=0, atol=1e-6)
    model = load_i3d_state_dict(folder / "checkpoint.pth")
    with torch.no_grad():
        logits = model(x)
    assert (logits - outputs[f"{prefix}.logits"]).abs().max() <= TOLERANCES["i3d_logits"]
    if prefix == "cm_pre":  # the fixture shows the two pipelines are not interchangeable on non-square input
        other = outputs["cm_pre.logits_if_tats_preprocess_used_instead"]
        assert (outputs["cm_pre.logits"] - other).abs().max() > 0.1


def test_state_dict_in_the_official_layout_loads_without_missing_or_unexpected_keys(tmp_path):
    torch.manual_seed(0)
    state = {k: v for k, v in InceptionI3d().state_dict().items() if not k.endswith("num_batches_tracked")}
    assert len(state) == 287 and next(iter(state)) == "logits.conv3d.weight"
    torch.save(state, tmp_path / "i3d_pretrained_400.pt")
    model = load_i3d_state_dict(tmp_path / "i3d_pretrained_400.pt")
    for k, v in state.items():
        assert torch.equal(model.state_dict()[k], v)
    torch.save({**state, "extra.weight": torch.zeros(1)}, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match="1 unexpected"):
        load_i3d_state_dict(tmp_path / "bad.pt")
    del state["Mixed_5c.b0.bn.running_var"]
    torch.save(state, tmp_path / "bad2.pt")
    with pytest.raises(CheckpointError, match="1 missing"):
        load_i3d_state_dict(tmp_path / "bad2.pt")


def test_tf_same_padding_and_time_steps():
    assert same_padding(16, 7, 2) == (2, 3)  # size % stride == 0: pad k - s = 5, the extra pixel at the back
    assert same_padding(17, 7, 2) == (3, 3)  # otherwise: pad k - size % s = 6
    assert same_padding(5, 2, 2) == (0, 1)
    assert [remaining_time_steps(t) for t in (9, 16, 17, 32)] == [1, 1, 2, 3]
