import json

import numpy as np
import pytest
import torch

from slvg_bench import weights
from slvg_bench.config import load_config
from slvg_bench.errors import CheckpointError, DatasetError, WeightsUnavailableError
from slvg_bench.pose.estimators import ESTIMATORS, load_estimator
from slvg_bench.pose.estimators.posenet import PoseNet, PoseNetConfig, PoseNetSynthsign, load_posenet, posenet_checkpoint
from slvg_bench.pose.keypoint_data import load_split_frames, read_index
from slvg_bench.pose.train import PoseTrainConfig, heatmap_loss, train_posenet

from .keypoint_tree import make_keypoint_tree

TINY = PoseNetConfig(input_size=64, widths=(8, 16, 16, 16), heatmap_stride=2)


def test_posenet_shapes_and_size():
    model = PoseNet().eval()
    assert model(torch.rand(2, 3, 128, 128)).shape == (2, 133, 64, 64)
    assert PoseNet(PoseNetConfig(heatmap_stride=4))(torch.rand(1, 3, 128, 128)).shape == (1, 133, 32, 32)
    assert sum(p.numel() for p in model.parameters()) < 2_000_000
    with pytest.raises(ValueError, match="heatmap_stride"):
        PoseNet(PoseNetConfig(heatmap_stride=3))


def test_checkpoint_round_trip_and_errors(tmp_path):
    model = PoseNet(TINY).eval()
    torch.save(posenet_checkpoint(model, {"note": "x"}), tmp_path / "p.pt")
    loaded, meta = load_posenet(tmp_path / "p.pt")
    x = torch.rand(1, 3, 64, 64)
    assert meta == {"note": "x"} and loaded.cfg == TINY
    assert torch.equal(loaded.eval()(x), model(x))
    torch.save({"state_dict": model.state_dict()}, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match="not a PoseNet checkpoint"):
        load_posenet(tmp_path / "bad.pt")


def test_estimator_interface_is_frozen_and_differentiable():
    est = PoseNetSynthsign(device="cpu", model=PoseNet(TINY))
    assert not any(p.requires_grad for p in est.model.parameters())
    frames = torch.rand(3, 3, 96, 80)
    kp = est.estimate(frames)
    assert kp.shape == (3, 133, 3)
    assert kp[..., 0].min() >= -0.5 and kp[..., 0].max() <= 79.5 and kp[..., 1].max() <= 95.5
    x = torch.rand(2, 3, 64, 64, requires_grad=True)
    hm = est.heatmaps(x)
    assert hm.shape == (2, 133, 32, 32) and est.heatmaps(x, size=(16, 16)).shape == (2, 133, 16, 16)
    hm.square().mean().backward()
    assert x.grad.abs().sum() > 0


def test_missing_weights_say_how_to_train(no_shipped_weights):
    cls = ESTIMATORS.get("posenet-synthsign")
    assert cls.differentiable and cls.has_heatmaps and cls.weight_id == "posenet.synthsign"
    assert weights.get_spec("posenet.synthsign").produced_by == "slvg-bench pose train --dataset synthsign"
    with pytest.raises(WeightsUnavailableError, match="slvg-bench pose train --dataset synthsign"):
        load_estimator("posenet-synthsign", device="cpu")


def test_heatmap_loss_ignores_unknown_points():
    kp = torch.tensor([[[10.0, 12.0, 1.0], [3.0, 3.0, 0.0]]])
    from slvg_bench.pose.heatmaps import render_heatmaps

    perfect = render_heatmaps(kp, (32, 32), (16, 16), sigma=1.5)
    perfect[0, 1] = 5.0  # anything at an unknown point is free
    assert heatmap_loss(perfect, kp, (32, 32), 1.5) == 0
    assert heatmap_loss(torch.zeros_like(perfect), kp, (32, 32), 1.5) > 0


def test_focal_loss_prefers_the_target_and_ignores_unknown_points():
    from slvg_bench.pose.heatmaps import render_heatmaps

    kp = torch.tensor([[[10.0, 12.0, 1.0], [3.0, 3.0, 0.0]]])
    target = render_heatmaps(kp, (32, 32), (16, 16), sigma=1.0).clamp(1e-4, 1 - 1e-4)
    good = torch.logit(target)
    bad = torch.logit(target.flip(-1))
    assert heatmap_loss(good, kp, (32, 32), 1.0, "focal") < 1e-3 < heatmap_loss(bad, kp, (32, 32), 1.0, "focal")
    moved = good.clone()
    moved[0, 1] = 5.0  # the unknown point's map is free
    assert heatmap_loss(moved, kp, (32, 32), 1.0, "focal") == heatmap_loss(good, kp, (32, 32), 1.0, "focal")
    with pytest.raises(ValueError, match="loss kind"):
        heatmap_loss(good, kp, (32, 32), 1.0, "l1")


def test_sigmoid_head_and_config_consistency(tmp_path):
    model = PoseNet(PoseNetConfig(input_size=64, widths=(8, 8, 8, 8), activation="sigmoid")).eval()
    hm = model.heatmaps(torch.rand(1, 3, 64, 64))
    assert hm.min() >= 0 and hm.max() <= 1 and hm.mean() < 0.05  # starts near "nothing here"
    from slvg_bench.errors import UsageError

    cfg = load_config(PoseTrainConfig, overrides=["model.activation=none"])  # focal loss needs logits
    with pytest.raises(UsageError, match="focal"):
        train_posenet(make_keypoint_tree(tmp_path / "t", videos={"train": 1, "test": 1}, n_frames=2), cfg, device="cpu")


def test_keypoint_tree_reading(tmp_path):
    root = make_keypoint_tree(tmp_path / "tree", videos={"train": 2, "test": 1}, n_frames=6)
    assert [e.id for e in read_index(root, "train")] == ["train00", "train01"]
    frames, kp = load_split_frames(root, "train", frame_stride=2)
    assert frames.shape == (6, 64, 64, 3) and frames.dtype == np.uint8 and kp.shape == (6, 133, 3)
    with pytest.raises(DatasetError, match="no videos in split 'dev'"):
        read_index(root, "dev")
    np.save(root / "keypoints" / "test" / "test00.npy", np.zeros((5, 133, 3), np.float32))
    with pytest.raises(DatasetError, match="expected \\(6, 133, 3\\)"):
        load_split_frames(root, "test")


@pytest.mark.slow
def test_train_saves_through_the_weights_manager_and_learns(tmp_path, monkeypatch):
    monkeypatch.setenv("SLVG_BENCH_HOME", str(tmp_path / "home"))  # its cache copy must not outlive the test
    root = make_keypoint_tree(tmp_path / "tree", videos={"train": 3, "test": 1}, n_frames=8)
    cfg = load_config(PoseTrainConfig, overrides=[
        "model.input_size=64", "model.widths=[8,16,16,16]", "steps=60", "batch_size=8", "lr=3e-3",
        "frame_stride=1", "log_every=10", "augment.rotate_deg=5",
    ])  # fmt: skip
    lines = []
    report = train_posenet(root, cfg, device="cpu", log=lines.append)
    path = weights.cache_path("posenet.synthsign")
    assert report["checkpoint"] == str(path) and path.is_file()
    assert weights.weight_path("posenet.synthsign") == path  # the user's training takes precedence over the shipped copy
    assert report["steps"] == 60 and report["train_frames"] == 24
    losses = [float(line.split("loss ")[1].split()[0]) for line in lines if line.startswith("step ")]
    assert losses[-1] < losses[0]
    ev = report["evaluation"]
    assert ev["videos"] == 1 and ev["frames"] == 8
    assert set(ev["pck_person_box"]) == {"body", "hands", "face"} and ev["pck_group_box"]["hands"]["n"] == 8 * 42
    assert json.loads(path.with_suffix(".json").read_text())["evaluation"] == ev
    est = load_estimator("posenet-synthsign", device="cpu")  # now installed
    assert est.model.cfg.input_size == 64 and est.meta["steps"] == 60
    # the tree labels body 0-10, every 4th face point and the hands; the rest is never reported
    assert est.meta["supervised_keypoints"] == report["supervised_keypoints"]
    assert 11 not in report["supervised_keypoints"] and 24 not in report["supervised_keypoints"]
    kp = est.estimate(torch.rand(2, 3, 64, 64))
    assert torch.all(kp[:, 11:23, 2] == 0) and torch.all(kp[:, 24, 2] == 0)
    assert est.estimate(torch.rand(2, 3, 64, 64)).shape == (2, 133, 3)
