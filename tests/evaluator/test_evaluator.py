"""slvg_bench.Evaluator: same figures as `slvg-bench evaluate`, batch shapes, input errors, reset, no frames kept."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from slvg_bench.errors import UsageError
from slvg_bench.evaluate import EvaluateConfig, evaluate, index_videos
from slvg_bench.evaluator import EvaluationResult, Evaluator, EvaluatorInputError
from slvg_bench.results import aggregate_records
from slvg_bench.video import read_video
from tests.evaluator.helpers import pairs, write_folders
from tests.metrics.test_evaluate import make_folders
from tests.metrics.test_fvd import tiny_extractor
from tests.metrics.test_regions import keypoints as region_keypoints

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]
COMPARED = ("name", "metric", "column", "reducer", "primary", "value", "direction", "n_videos", "n_frames",
            "n_missing", "reason", "version")


def _normalised(records):
    out = []
    for r in records:
        d = {k: r[k] for k in COMPARED}
        if isinstance(d["value"], float) and math.isnan(d["value"]):
            d["value"] = None  # the CLI's JSON writes NaN as null
        out.append(d)
    return out


@pytest.fixture
def no_torch_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))  # LPIPS's AlexNet is missing: unavailable on both sides


def test_evaluator_equals_the_cli_on_the_same_videos(tmp_path, capsys, no_torch_weights):
    from slvg_bench.cli import main

    pred, target, _ = make_folders(tmp_path)  # frame folder, gif, mp4s, a sub-folder
    with pytest.raises(SystemExit) as done:
        main(["evaluate", "--pred", str(pred), "--target", str(target), "--metrics", "l1,ssim,tcd,lpips",
              "--out", str(tmp_path / "r.parquet"), "--json", "--no-progress", "--device", "cpu"])
    assert done.value.code == 0
    cli = json.loads(capsys.readouterr().out)

    ev = Evaluator("l1,ssim,tcd,lpips", device="cpu")
    preds = index_videos(pred, "pred")
    for key, path in index_videos(target, "target").items():  # the frames the CLI decodes
        ev.update(read_video(preds[key]), read_video(path), video_id=key)
    res = ev.compute()
    assert _normalised(res.records()) == _normalised(cli["aggregate"])
    assert res.summary["unavailable_metrics"].keys() == cli["summary"]["unavailable_metrics"].keys() == {"lpips-alex"}
    assert math.isnan(res["lpips"]) and res["l1"] == res.values["l1"] > 0


def test_quantize_and_fvd_equal_evaluate_on_the_saved_videos(tmp_path):
    videos = pairs(n=3, t=16)
    pred, target = write_folders(tmp_path, videos)
    kwargs = {"fvd-i3d-k400": {"extractor": tiny_extractor(), "cache_root": tmp_path / "cache"}}
    ids = ("l1", "ssim", "tcd", "fvd")
    ref = evaluate(EvaluateConfig(pred=str(pred), target=str(target), metrics=ids), tmp_path / "r.parquet",
                   progress=False, metric_kwargs=kwargs)
    ev = Evaluator(ids, device="cpu", quantize=True, metric_kwargs=kwargs)
    for key, (p, t) in videos.items():  # float frames: quantize=True scores what the lossless files hold
        ev.update(p, t, video_id=key)
    res = ev.compute()
    assert _normalised(res.records()) == _normalised(aggregate_records(ref.aggregate))
    assert res["fvd"] == res["fvd-i3d-k400"] and np.isfinite(res["fvd"])
    unquantized = Evaluator(("l1",), device="cpu")
    for key, (p, t) in videos.items():
        unquantized.update(p, t, video_id=key)
    assert unquantized.compute()["l1"] != res["l1"]  # the float frames are not what the files hold


def test_a_batch_equals_one_update_per_video():
    videos = pairs(n=3)
    preds = torch.stack([p for p, _ in videos.values()])
    targets = torch.stack([t for _, t in videos.values()])
    batched = Evaluator(("l1", "ssim", "tcd"), device="cpu")
    batched.update(preds, targets, video_id=list(videos))
    single = Evaluator(("l1", "ssim", "tcd"), device="cpu")
    for key, (p, t) in videos.items():
        single.update(p, t, video_id=key)
    a, b = batched.compute(), single.compute()
    assert a.values == b.values and len(batched) == 3
    assert list(a.per_video().columns) == ["video_id", "n_frames", "l1", "ssim", "tcd", "tcd-target"]
    auto = Evaluator(("l1",), device="cpu")
    auto.update(preds[:2].clone().requires_grad_(True), targets[:2])  # a model's output, straight from training
    assert isinstance(auto._rows[0]["l1"], float)
    auto.update(preds[2], targets[2])
    assert list(auto.compute().rows["video_id"]) == ["000000", "000001", "000002"]


@pytest.mark.parametrize("make, message", [
    (lambda p, t: (p.tolist(), t), "pred must be a torch.Tensor"),
    (lambda p, t: ((p * 255).to(torch.uint8), t), "pred must be float in \\[0, 1\\], got torch.uint8"),
    (lambda p, t: (p, t * 1.5), "target has values outside \\[0, 1\\]"),
    (lambda p, t: (p.masked_fill(torch.zeros_like(p, dtype=torch.bool).index_fill_(0, torch.tensor([2]), True),
                                 float("nan")), t), "pred has NaN/Inf values \\(first in frame 2\\)"),
    (lambda p, t: (p[:, :2], t[:, :2]), "must be T×3×H×W or B×T×3×H×W \\(RGB\\), got shape \\(8, 2, 32, 32\\)"),
    (lambda p, t: (p[None], t), "both be one video .* or both a batch"),
    (lambda p, t: (torch.stack([p, p]), torch.stack([t, t, t])), "pred holds 2 videos, target 3"),
    (lambda p, t: (p[:5], t), "frame counts differ: prediction 5, target 8 \\(pass align=\\('truncate',\\) to Evaluator\\)"),
    (lambda p, t: (torch.stack([p, p * 2]), torch.stack([t, t])), "pred\\[1\\] has values outside \\[0, 1\\]"),
])
def test_bad_inputs_raise_one_line_naming_the_argument(make, message):
    p, t = pairs(n=1)["v0"]
    ev = Evaluator(("l1",), device="cpu")
    with pytest.raises(EvaluatorInputError, match=message) as err:
        ev.update(*make(p, t))
    assert isinstance(err.value, UsageError) and isinstance(err.value, ValueError) and "\n" not in str(err.value)
    assert len(ev) == 0  # a bad batch changes nothing


def test_bad_ids_keypoints_and_glosses():
    p, t = pairs(n=1)["v0"]
    ev = Evaluator(("l1",), device="cpu")
    ev.update(p, t, video_id="a")
    with pytest.raises(EvaluatorInputError, match="video_id 'a' was already given"):
        ev.update(p, t, video_id="a")
    with pytest.raises(EvaluatorInputError, match="video_id for a batch of 2 must be a list of 2"):
        ev.update(torch.stack([p, p]), torch.stack([t, t]), video_id="b")
    with pytest.raises(EvaluatorInputError, match=r"keypoints have shape \(8, 17, 3\), expected \(8, 133, 3\)"):
        ev.update(p, t, keypoints=torch.zeros(8, 17, 3))
    with pytest.raises(EvaluatorInputError, match="keypoints for a batch of 2 must hold 2 entries"):
        ev.update(torch.stack([p, p]), torch.stack([t, t]), keypoints=torch.zeros(8, 133, 3))
    with pytest.raises(EvaluatorInputError, match="glosses must be a string 'A B C' or a list of gloss strings"):
        ev.update(p, t, glosses=[1, 2])
    with pytest.raises(UsageError, match="Did you mean 'ssim'"):
        Evaluator(("l1", "sssim"), device="cpu")
    with pytest.raises(UsageError, match="align takes truncate and/or resize, got crop"):
        Evaluator(("l1",), device="cpu", align=("crop",))
    with pytest.raises(UsageError, match="unknown config key\\(s\\) 'options.fvd.colour'"):
        Evaluator(("l1",), device="cpu", options={"fvd": {"colour": 1}})
    assert len(ev) == 1


def test_reset_forgets_the_videos_and_keeps_the_metrics():
    videos = pairs(n=2)
    ev = Evaluator(("l1", "tcd"), device="cpu")
    for key, (p, t) in videos.items():
        ev.update(p, t, video_id=key)
    first = ev.compute()
    metrics = dict(ev.scorer.metrics)
    ev.reset()
    assert len(ev) == 0
    with pytest.raises(UsageError, match="no video was scored yet"):
        ev.compute()
    for key, (p, t) in videos.items():
        ev.update(p, t, video_id=key)  # the same ids are free again
    assert ev.compute().values == first.values and ev.scorer.metrics == metrics


def _state_bytes(ev: Evaluator) -> list[int]:
    """Bytes of array state per stored row; fails on any tensor (frames would be tensors)."""
    sizes = []
    for row in ev._rows:
        n = 0
        for col, v in row.items():
            assert not isinstance(v, torch.Tensor), f"row column {col} holds a tensor"
            if isinstance(v, np.ndarray):
                n += v.nbytes
        sizes.append(n)
    return sizes


def test_state_is_per_video_values_and_fvd_features_never_frames(tmp_path):
    ev = Evaluator(("l1", "ssim", "fvd"), device="cpu",
                   metric_kwargs={"fvd-i3d-k400": {"extractor": tiny_extractor(), "cache_root": tmp_path}})
    small = pairs(n=2, t=16, hw=(32, 32))
    large = pairs(n=2, t=32, hw=(64, 64), seed=5)
    for key, (p, t) in small.items():
        ev.update(p, t, video_id=f"small-{key}")
    for key, (p, t) in large.items():
        ev.update(p, t, video_id=f"large-{key}")
    sizes = _state_bytes(ev)
    assert len(set(sizes)) == 1  # one 16-frame clip per side, whatever the frame size and length
    assert sizes[0] == 2 * 400 * 4  # pred + target I3D logits, float32
    frame_bytes = large["v0"][0].numel() * 4
    assert sizes[0] < frame_bytes / 50
    assert set(ev.__dict__) == {"metric_ids", "options", "align", "quantize", "device", "dataset", "scorer", "schema",
                                "estimator", "config", "config_hash", "context", "_rows", "_ids", "_next_id"}
    assert not any(isinstance(v, torch.Tensor) for v in ev.__dict__.values())
    assert not ev.options.fvd.cache  # off by default: predictions change at every validation


def test_region_metrics_with_keypoints_and_the_note_without():
    t = 6
    videos = pairs(n=2, t=t, hw=(48, 64))
    ev = Evaluator(("region-l1",), device="cpu")
    (p0, t0), (p1, t1) = videos.values()
    ev.update(torch.stack([p0, p1]), torch.stack([t0, t1]), keypoints=[region_keypoints(t), None])
    rows = ev.compute().rows.set_index("video_id")
    assert rows.loc["000000", "l1-left-hand"] > 0
    assert np.isnan(rows.loc["000001", "l1-left-hand"])
    assert "pass keypoints= to Evaluator.update" in rows.loc["000001", "l1-left-hand_reason"]


def test_save_writes_what_evaluate_writes(tmp_path):
    ev = Evaluator(("l1", "tcd"), device="cpu")
    for key, (p, t) in pairs(n=2).items():
        ev.update(p, t, video_id=key)
    res = ev.compute()
    assert isinstance(res, EvaluationResult)
    out, csv_path, json_path = res.save(tmp_path / "val.parquet")
    assert csv_path.name == "val.aggregate.csv" and json.loads(json_path.read_text())["aggregate"][0]["name"] == "l1"
    from slvg_bench.results import read_provenance

    assert read_provenance(out)["source"] == "slvg_bench.Evaluator"
    with pytest.raises(UsageError, match="must be a .parquet file"):
        res.save(tmp_path / "val.csv")
    with pytest.raises(KeyError, match="no figure 'psnr'"):
        res["psnr"]


def test_top_level_import_stays_torch_free_until_evaluator_is_used():
    code = ("import sys, slvg_bench; before = 'torch' in sys.modules; E = slvg_bench.Evaluator; "
            "print(before, 'torch' in sys.modules, E.__module__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert r.stdout.split() == ["False", "True", "slvg_bench.evaluator"], r.stderr


@pytest.mark.gpu
def test_cuda_tensors_stay_on_the_device(monkeypatch):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    videos = pairs(n=2, t=8, hw=(64, 64))
    gpu = Evaluator(("l1", "ssim", "tcd"), device="cuda", quantize=True)
    moved = []
    real_cpu = torch.Tensor.cpu
    monkeypatch.setattr(torch.Tensor, "cpu", lambda self, *a, **k: moved.append(self.ndim) or real_cpu(self, *a, **k))
    for key, (p, t) in videos.items():
        gpu.update(p.cuda(), t.cuda(), video_id=key)
    assert moved and max(moved) <= 1  # only per-frame figures come back to the host
    monkeypatch.undo()
    cpu_q = Evaluator(("l1", "ssim", "tcd"), device="cpu", quantize=True)
    for key, (p, t) in videos.items():
        cpu_q.update(p, t, video_id=key)
    a, b = cpu_q.compute().values, gpu.compute().values
    assert a.keys() == b.keys() and all(a[k] == pytest.approx(b[k], abs=1e-9) for k in a)
