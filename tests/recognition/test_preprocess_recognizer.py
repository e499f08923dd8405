"""Input path (resize/crop/[-1,1], official padding) and the Recognizer API on tiny random models."""

from __future__ import annotations

import pytest
import torch

from slvg_bench.errors import CheckpointError, WeightsUnavailableError
from slvg_bench.recognition.checkpoint import save_checkpoint
from slvg_bench.recognition.corrnet import CorrNet, CorrNetConfig, output_lengths
from slvg_bench.recognition.gloss_dict import GlossDict
from slvg_bench.recognition.preprocess import InputSpec, center_crop, pad_batch, prepare_video
from slvg_bench.recognition.recognizer import Recognizer, from_checkpoint, load_recognizer, recognize


def test_official_path_on_256_frames_is_crop_and_scale():
    frames = torch.randint(0, 256, (3, 3, 256, 256), dtype=torch.uint8)
    x = prepare_video(frames.float() / 255)
    assert x.shape == (3, 3, 224, 224)
    assert torch.equal(x, frames[..., 16:240, 16:240].float() / 127.5 - 1)  # exact official values


def test_128_videos_are_upsampled_to_256_then_cropped():
    video = torch.rand(2, 3, 128, 128)
    x = prepare_video(video)
    assert x.shape == (2, 3, 224, 224) and x.min() >= -1 and x.max() <= 1
    levels = (x + 1) * 127.5
    assert torch.allclose(levels, levels.round(), atol=1e-4)  # 8-bit levels, like stored frames
    up = torch.nn.functional.interpolate(video, size=(256, 256), mode="bicubic", align_corners=False).clamp(0, 1)
    assert torch.allclose(x, center_crop(torch.round(up * 255) / 127.5 - 1, 224))
    own = prepare_video(video, InputSpec(frame_size=128, crop=112, quantize=False))
    assert torch.allclose(own, video[..., 8:120, 8:120] * 2 - 1)


def test_pad_batch_lengths_give_ceil_quarter_steps():
    clips = [torch.full((n, 1, 1, 1), float(n)) for n in (5, 13, 8)]
    batch, lengths, order = pad_batch(clips)
    assert order == [1, 2, 0] and batch.shape[0:2] == (3, 16 + 12)
    assert lengths.tolist() == [28, 20, 20]
    assert output_lengths(lengths).tolist() == [4, 2, 2]  # ceil(13/4), ceil(8/4), ceil(5/4)
    row = batch[2, :, 0, 0, 0]  # the 5-frame clip: 6 front copies, 5 frames, tail copies
    assert torch.all(row == 5.0)


def _tiny_recognizer(**kwargs) -> Recognizer:
    torch.manual_seed(0)
    glosses = GlossDict({g: [i, 1] for i, g in enumerate(["ONE", "TWO", "THREE"], start=1)})
    model = CorrNet(CorrNetConfig(num_classes=4, hidden_size=16, base_width=8))
    with torch.no_grad():  # make the classifier produce non-blank outputs
        model.classifier.weight.add_(torch.randn_like(model.classifier.weight))
    return Recognizer(model, glosses, InputSpec(frame_size=64, crop=64), **kwargs)


def test_recognizer_outputs_glosses_independent_of_batching():
    torch.manual_seed(1)
    videos = [torch.rand(n, 3, 48, 48) for n in (9, 20, 14)]
    rec = _tiny_recognizer()
    hyps = rec.recognize(videos)
    assert len(hyps) == 3 and all(isinstance(g, str) for h in hyps for g in h)
    assert set(g for h in hyps for g in h) <= {"ONE", "TWO", "THREE"}
    logits = rec.logits(videos)
    assert [lg.shape[0] for lg in logits] == [3, 5, 4]  # ceil(T/4)
    again = rec.logits(videos[::-1])[::-1]
    for a, b in zip(logits, again):
        assert torch.equal(a, b)  # one clip per batch: no dependence on the others
    greedy = _tiny_recognizer(decoder="greedy").recognize(videos)
    assert len(greedy) == 3


def test_from_checkpoint_reads_embedded_dictionary_and_input(tmp_path):
    rec = _tiny_recognizer()
    path = save_checkpoint(rec.model, tmp_path / "r.pt", gloss_dict=rec.glosses.to_plain(),
                           slvg_config={"input": {"frame_size": 64, "crop": 56, "quantize": False},
                                        "convention": "plain"})
    loaded = from_checkpoint(path, device="cpu")
    assert loaded.input_spec == InputSpec(64, 56, False) and loaded.glosses.to_plain() == rec.glosses.to_plain()
    video = torch.rand(10, 3, 64, 64)
    assert recognize([video], loaded) == loaded.recognize([video])
    with pytest.raises(CheckpointError, match="gloss dictionary gives 3 classes"):
        from_checkpoint(path, gloss_dict=GlossDict({"A": [1, 1], "B": [2, 1]}), device="cpu")
    bare = save_checkpoint(rec.model, tmp_path / "bare.pt")
    with pytest.raises(CheckpointError, match="carries no gloss dictionary"):
        from_checkpoint(bare)


@pytest.mark.parametrize("name, fix", [
    ("corrnet-synthsign", "slvg-bench recognizer train --dataset synthsign"),
    ("corrnet-phoenix2014t", "slvg-bench weights add corrnet.phoenix2014t-official"),
    ("corrnet-csl-daily", "slvg-bench weights add corrnet.csl-daily-official"),
])
def test_missing_weights_say_how_to_get_them(name, fix, monkeypatch, tmp_path):
    from slvg_bench import weights

    monkeypatch.setattr(weights, "SHIPPED_DIR", tmp_path / "no-shipped-files")  # corrnet-synthsign ships
    with pytest.raises(WeightsUnavailableError, match=fix):
        load_recognizer(name)
