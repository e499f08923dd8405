"""CorrNet against the official code: the fixture in ../shared/fixtures/corrnet (see its README).

The fixture was made by running hulianyuyy/CorrNet@c5f903c with random weights on CPU with
one thread. The asserted tolerance is the fixture README's: 1e-4 absolute on every float output (its float64
re-run differs by up to 2.5e-5; on another x86-64 CPU than the fixture's, measured 1.6e-5), and exact
equality on lengths and decodes.
"""

from __future__ import annotations

import hashlib
import json

import pytest
import torch

from slvg_bench.recognition.checkpoint import infer_config, load_corrnet, read_checkpoint
from slvg_bench.recognition.decode import greedy_decode
from slvg_bench.recognition.gloss_dict import GlossDict
from slvg_bench.recognition.preprocess import pad_batch, uint8_to_input

ATOL = 1e-4


@pytest.fixture(scope="module")
def run(request):
    """Load the fixture checkpoint strictly and run the video and feature cases once."""
    from tests.conftest import parity_fixtures_dir

    folder = parity_fixtures_dir() / "corrnet"
    if not (folder / "checkpoint.pth").is_file():
        pytest.skip(f"parity fixtures for 'corrnet' not found at {folder} (set SLVG_PARITY_FIXTURES)")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the fixture was made
    try:
        model, _ = load_corrnet(folder / "checkpoint.pth")
        inp = torch.load(folder / "inputs.pth", weights_only=True)
        out = torch.load(folder / "outputs.pth", weights_only=True)
        record: dict = {}
        with torch.no_grad():
            video = model(uint8_to_input(inp["video_uint8"]), inp["video_lengths"], record=record)
            feat = model(inp["feat.x"], inp["feat.lengths"])
    finally:
        torch.set_num_threads(threads)
    config = json.loads((folder / "config.json").read_text())
    return dict(folder=folder, model=model, inp=inp, out=out, video=video, feat=feat, record=record, config=config)


def _close(a: torch.Tensor, b: torch.Tensor) -> None:
    assert a.shape == b.shape
    torch.testing.assert_close(a.float(), b.float(), atol=ATOL, rtol=0)


def test_checkpoint_loads_strictly_with_inferred_config(run):
    state, extra = read_checkpoint(run["folder"] / "checkpoint.pth")
    ctor = run["config"]["constructor"]
    cfg = infer_config(state)
    assert (cfg.num_classes, cfg.hidden_size, cfg.corr_stages) == (ctor["num_classes"], ctor["hidden_size"], (2, 3, 4))
    assert extra == {} and len(state) == 186
    # float16 storage -> float32 model is exact
    for k, v in run["model"].state_dict().items():
        assert torch.equal(v, state[k].to(v.dtype)), k


def test_input_normalisation_matches(run):
    x = uint8_to_input(run["inp"]["video_uint8"])
    assert hashlib.sha256(x.numpy().tobytes()).hexdigest() == run["out"]["video_float_input_sha256"]


def test_official_padding_reproduced(run):
    inp = run["inp"]
    clips = [inp["video_uint8"][i, inp["left_pad"]:inp["left_pad"] + n] for i, n in enumerate(inp["raw_lengths"].tolist())]
    batch, lengths, order = pad_batch(clips[::-1])  # given shortest first: pad_batch sorts
    assert order == [1, 0]
    assert torch.equal(batch, inp["video_uint8"]) and torch.equal(lengths, inp["video_lengths"])


@pytest.mark.parametrize("key", ["sequence_logits", "conv_logits"])
def test_video_logits(run, key):
    _close(run["video"][key], run["out"][key])


def test_video_lengths_and_intermediates(run):
    out, video, rec = run["out"], run["video"], run["record"]
    assert torch.equal(video["feat_len"], out["feat_len_int64"])
    _close(video["visual_feat"], out["conv1d.visual_feat"])
    _close(video["predictions"], out["temporal.predictions"])
    _close(video["hidden"], out["temporal.hidden"])
    _close(rec["framewise_in"], out["conv1d.framewise_in"])
    _close(rec["avgpool_out"], out["resnet.avgpool_out"])
    for name in ("stem_out", "layer1_out", "layer2_out", "corr1_out", "layer3_in", "layer3_out", "corr2_out",
                 "layer4_in", "layer4_out", "corr3_out"):
        t = rec[name]
        assert list(t.shape) == out[f"resnet.{name}.shape"], name
        _close(t[0, :8, 0, :8, :8], out[f"resnet.{name}.slice_n0_c0-8_t0_h0-8_w0-8"])
        torch.testing.assert_close(t.double().sum((0, 2, 3, 4)), out[f"resnet.{name}.channel_sum"], rtol=1e-5, atol=1e-2)
        torch.testing.assert_close(t.double().sum((1, 3, 4)), out[f"resnet.{name}.frame_sum"], rtol=1e-5, atol=1e-2)


def _padded(seqs: list[list[int]], width: int) -> torch.Tensor:
    return torch.tensor([s + [-1] * (width - len(s)) for s in seqs], dtype=torch.long)


@pytest.mark.parametrize("case, prefix", [("video", ""), ("feat", "feat.")])
def test_greedy_decodes(run, case, prefix):
    out, ret = run["out"], run[case]
    for logits, idx, ln in (("sequence_logits", "recognized_idx", "recognized_len"), ("conv_logits", "conv_idx", "conv_len")):
        dec = greedy_decode(ret[logits], ret["feat_len"])
        assert [len(d) for d in dec] == out[prefix + ln].tolist()
        assert torch.equal(_padded(dec, out[prefix + idx].shape[1]), out[prefix + idx])
    assert torch.equal(ret["sequence_logits"].argmax(-1), out[prefix + "sequence_argmax"])


def test_decoded_gloss_names(run):
    n = run["config"]["constructor"]["num_classes"]
    glosses = GlossDict({f"G{i:04d}": [i, 1] for i in range(1, n)})
    for key, logits in (("recognized_sents", "sequence_logits"), ("conv_sents", "conv_logits")):
        names = [glosses.decode(d) for d in greedy_decode(run["video"][logits], run["video"]["feat_len"])]
        assert names == [[g for g, _ in sent] for sent in run["out"][key]]


def test_feature_case(run):
    out, feat = run["out"], run["feat"]
    assert torch.equal(feat["feat_len"], out["feat.feat_len_int64"])
    for key in ("sequence_logits", "conv_logits"):
        _close(feat[key], out["feat." + key])
    _close(feat["predictions"], out["feat.temporal.predictions"])
    _close(feat["hidden"], out["feat.temporal.hidden"])


def test_decoder_unit_case(run):
    inp, out = run["inp"], run["out"]
    dec = greedy_decode(inp["decode_unit.logits_TBC"], inp["decode_unit.lengths"])
    assert dec == [[3, 5, 7, 2], [], [1, 2, 1, 9, 10]]
    assert torch.equal(_padded(dec, out["decode_unit.idx"].shape[1]), out["decode_unit.idx"])
