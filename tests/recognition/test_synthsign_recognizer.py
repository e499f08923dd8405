"""The synthsign recognizer: training end to end (tiny, in CI) and the installed full-size model (slow).

Sanity property: recognising real videos is far better than recognising the same videos
with their frames shuffled in time (same appearance, no signing).
"""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

from slvg_bench import weights
from slvg_bench.cli import cli
from slvg_bench.recognition.evaluate import evaluate_split, shuffle_in_time
from slvg_bench.recognition.recognizer import load_recognizer
from slvg_bench.recognition.gloss_dict import GlossDict
from slvg_bench.recognition.gloss_videos import GlossVideo, frame_labels, gloss_pieces
from slvg_bench.recognition.preprocess import pad_batch
from slvg_bench.recognition.train import length_batches, step_labels, temporal_rescale

TINY = ["base_width=8", "hidden_size=64", "frame_size=32", "crop=28", "epochs=40", "milestones=[30]",
        "synthetic_per_epoch=24", "eval_every=40"]


@pytest.fixture(scope="module")
def tiny_synthsign(tmp_path_factory):
    from slvg_bench.data.synthsign import generate

    return generate(tmp_path_factory.mktemp("synthsign") / "tiny", seed=0, size="tiny", workers=1, progress=False)


def test_temporal_rescale_is_the_official_rule():
    import random

    rng = random.Random(0)
    for n in (20, 37, 64, 250):
        idx = temporal_rescale(n, 0.2, rng)
        assert (len(idx) - 4) % 4 == 0 and 32 <= len(idx) <= 232 and idx == sorted(idx)
        assert all(0 <= i < n for i in idx)


def test_frame_labels_pieces_and_step_targets():
    glosses = GlossDict.from_sentences([["A", "B"]])
    video = GlossVideo("v", "train", "s0", "sentence", ["A", "B"], None, [(4, 10), (16, 24)],
                       frames=torch.arange(30, dtype=torch.uint8)[:, None, None, None].expand(30, 3, 4, 4))
    labels = frame_labels(video, glosses.encode)
    assert labels.tolist() == [0] * 4 + [1] * 6 + [0] * 6 + [2] * 8 + [0] * 6
    pieces = gloss_pieces(video, labels)  # transition 10..16 split at 13
    assert [(g, len(f), int(lab.max())) for g, f, lab in pieces] == [("A", 13, 1), ("B", 17, 2)]
    assert torch.equal(torch.cat([f for _, f, _ in pieces]), video.frames)
    no_segments = GlossVideo("w", "train", "s0", "sentence", ["A"], None, [], frames=video.frames)
    assert (frame_labels(no_segments, glosses.encode) == -100).all() and gloss_pieces(no_segments, labels) == []
    # step j of the temporal conv sees padded frames 4j..4j+15: its target is original frame 4j+1
    _, lengths, _ = pad_batch([video.frames, video.frames[:9]])
    steps = step_labels([labels, labels[:9]], lengths, 8)
    assert steps[:, 0].tolist() == [labels[4 * j + 1].item() for j in range(8)]
    assert steps[:, 1].tolist() == [labels[1].item(), labels[5].item(), labels[8].item()] + [-100] * 5


def test_length_batches_group_similar_lengths():
    import random

    samples = [(torch.zeros(n), n) for n in [50] * 8 + [150] * 8]
    batches = length_batches(samples, 4, random.Random(0), pool=4)
    assert sorted(len(b) for b in batches) == [4, 4, 4, 4]
    assert all(len({len(s[0]) for s in b}) == 1 for b in batches)


def test_shuffle_in_time_keeps_frames():
    video = torch.arange(10.0)[:, None, None, None].expand(10, 3, 2, 2)
    shuffled = shuffle_in_time(video, seed=1)
    assert not torch.equal(shuffled, video) and torch.equal(shuffled.sort(0).values, video)


@pytest.mark.slow
def test_train_tiny_install_and_beat_shuffled_frames(tiny_synthsign, tmp_path):
    """`recognizer train` on synthsign 'tiny' (16 training videos) with a tiny model, installed
    into the weights cache; on the videos it learnt, real order must beat shuffled frames by far."""
    r = CliRunner().invoke(cli, ["recognizer", "train", "--data-root", str(tiny_synthsign), "--no-progress",
                                 *[a for kv in TINY for a in ("--set", kv)]], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["installed"] == str(weights.weight_path("corrnet.synthsign-slvg"))
    rec = load_recognizer("corrnet-synthsign", device="cpu")
    assert rec.input_spec.frame_size == 32 and rec.convention == "plain" and len(rec.glosses) > 0
    real, hyps, refs = evaluate_split(rec, tiny_synthsign, "train")
    shuffled, _, _ = evaluate_split(rec, tiny_synthsign, "train", shuffle_frames=True)
    assert real.n_sentences == 8 and len(hyps) == 8
    assert real.wer < 50 and shuffled.wer > real.wer + 30, (real.to_dict(), shuffled.to_dict())
    out = CliRunner().invoke(cli, ["recognizer", "eval", "--data-root", str(tiny_synthsign), "--split", "train",
                                   "--decoder", "greedy", "--json"], catch_exceptions=False)
    res = json.loads(out.stdout)
    assert res["real"]["n_sentences"] == 8 and res["shuffled"]["wer"] > res["real"]["wer"]


@pytest.mark.slow
@pytest.mark.weights
def test_installed_recognizer_on_real_test_videos():
    """The full-size recognizer (`slvg-bench recognizer train --dataset synthsign`) on the synthsign
    test split. Run with SLVG_BENCH_HOME_FOR_TESTS pointing at a home where it is installed."""
    if weights.status("corrnet.synthsign-slvg") == "missing":
        pytest.skip("corrnet.synthsign-slvg not installed: run `slvg-bench recognizer train --dataset synthsign` "
                    "and set SLVG_BENCH_HOME_FOR_TESTS to that SLVG_BENCH_HOME")
    from slvg_bench import paths

    root = paths.synthsign_dir()
    if not (root / "index.csv").is_file():
        pytest.skip(f"synthsign is not generated at {root}")
    rec = load_recognizer("corrnet-synthsign", device="cpu")
    real, _, _ = evaluate_split(rec, root, "test")
    shuffled, _, _ = evaluate_split(rec, root, "test", shuffle_frames=True)
    assert real.wer < 15 and shuffled.wer > 60, (real.to_dict(), shuffled.to_dict())
