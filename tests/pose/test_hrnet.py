import pytest
import torch
import torch.nn.functional as F

from slvg_bench import weights
from slvg_bench.errors import CheckpointError, WeightsUnavailableError
from slvg_bench.pose.estimators import ESTIMATORS
from slvg_bench.pose.estimators.hrnet import HRNetConfig, HRNetPose, StageConfig, load_mmpose_checkpoint, load_state_dict_strict
from slvg_bench.pose.estimators.hrnet_wholebody import WEIGHT_ID, HRNetWholeBody


def tiny_hrnet() -> HRNetPose:
    """Same structure as W32 (4 stages, fuse layers, transitions), 1 block per branch, narrow."""
    return HRNetPose(HRNetConfig(
        stage1=StageConfig(1, (1,), (8,), "bottleneck"), stage2=StageConfig(1, (1, 1), (4, 8)),
        stage3=StageConfig(2, (1, 1, 1), (4, 8, 16)), stage4=StageConfig(2, (1, 1, 1, 1), (4, 8, 16, 32)),
    ))  # fmt: skip


@pytest.fixture(scope="module")
def w32():
    torch.manual_seed(0)
    model = HRNetPose(HRNetConfig.w32())
    # non-trivial BN statistics and weights so that a wrong key mapping would show in the outputs
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
            elif isinstance(m, torch.nn.Conv2d):
                torch.nn.init.kaiming_normal_(m.weight)
    return model.eval()


def test_parameter_count_is_hrnet_w32(w32):
    n = sum(p.numel() for p in w32.parameters())
    # published HRNet-W32 256x192: 28.5 M (17 keypoints; 133 adds 116 x 33 head parameters)
    assert abs(n - 28.5e6) < 0.1e6
    assert n - sum(p.numel() for p in w32.backbone.parameters()) == 133 * 32 + 133


def test_state_dict_uses_the_mmpose_key_layout(w32):
    sd = w32.state_dict()
    expected_shapes = {
        "backbone.conv1.weight": (64, 3, 3, 3),
        "backbone.bn2.running_var": (64,),
        "backbone.layer1.0.downsample.0.weight": (256, 64, 1, 1),
        "backbone.layer1.3.conv3.weight": (256, 64, 1, 1),
        "backbone.transition1.0.0.weight": (32, 256, 3, 3),
        "backbone.transition1.1.0.0.weight": (64, 256, 3, 3),
        "backbone.transition2.2.0.0.weight": (128, 64, 3, 3),
        "backbone.transition3.3.0.0.weight": (256, 128, 3, 3),
        "backbone.stage2.0.branches.1.3.conv2.weight": (64, 64, 3, 3),
        "backbone.stage3.3.fuse_layers.2.0.1.0.weight": (128, 32, 3, 3),
        "backbone.stage3.3.fuse_layers.0.2.0.weight": (32, 128, 1, 1),
        "backbone.stage4.2.fuse_layers.0.3.1.num_batches_tracked": (),
        "keypoint_head.final_layer.weight": (133, 32, 1, 1),
        "keypoint_head.final_layer.bias": (133,),
    }
    for key, shape in expected_shapes.items():
        assert tuple(sd[key].shape) == shape, key
    stages = {k.split(".")[1]: {int(x.split(".")[2]) for x in sd if x.startswith(f"backbone.{k.split('.')[1]}.")}
              for k in sd if k.startswith("backbone.stage")}  # fmt: skip
    assert {s: len(m) for s, m in stages.items()} == {"stage2": 1, "stage3": 4, "stage4": 3}
    # the last module of stage 4 fuses into the highest-resolution branch only
    assert not any(k.startswith("backbone.stage4.2.fuse_layers.1") for k in sd)
    assert any(k.startswith("backbone.stage4.1.fuse_layers.3") for k in sd)
    assert not any(k.startswith("backbone.transition2.0") or k.startswith("backbone.transition3.2") for k in sd)
    assert all(k.startswith(("backbone.", "keypoint_head.")) for k in sd)


def save_official(model, path, head_prefix="keypoint_head."):
    sd = {k.replace("keypoint_head.", head_prefix): v for k, v in model.state_dict().items()}
    torch.save({"meta": {"mmpose_version": "0.8.0", "epoch": 210, "config": "model = dict(type='TopDown')"},
                "state_dict": sd, "optimizer": {"state": {}, "param_groups": []}}, path)  # fmt: skip


@pytest.mark.slow
def test_official_layout_checkpoint_loads_strictly(w32, tmp_path):
    path = tmp_path / "hrnet.pth"
    save_official(w32, path)
    est = HRNetWholeBody(device="cpu", checkpoint=path, flip_test=False)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(est.model(x), w32(x))


def test_mmpose1_head_prefix_is_accepted(tmp_path):
    model = tiny_hrnet().eval()
    save_official(model, tmp_path / "v1.pth", head_prefix="head.")
    state = load_mmpose_checkpoint(tmp_path / "v1.pth")
    assert "keypoint_head.final_layer.weight" in state and not any(k.startswith("head.") for k in state)
    fresh = tiny_hrnet().eval()
    load_state_dict_strict(fresh, state)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(fresh(x), model(x))


def test_bad_checkpoints_are_clear_errors(tmp_path):
    state = tiny_hrnet().state_dict()
    broken = dict(state)
    del broken["backbone.stage3.1.branches.2.0.bn1.weight"]
    with pytest.raises(CheckpointError, match="1 missing.*stage3.1.branches.2.0.bn1.weight"):
        load_state_dict_strict(tiny_hrnet(), broken)
    coco17 = tiny_hrnet().state_dict()
    coco17["keypoint_head.final_layer.weight"] = coco17["keypoint_head.final_layer.weight"][:17]
    coco17["keypoint_head.final_layer.bias"] = coco17["keypoint_head.final_layer.bias"][:17]
    coco17["neck.extra.weight"] = torch.zeros(1)
    with pytest.raises(CheckpointError, match="1 unexpected.*neck.extra.weight.*2 with wrong shape.*final_layer"):
        load_state_dict_strict(tiny_hrnet(), coco17)
    with pytest.raises(CheckpointError, match="does not exist"):
        HRNetWholeBody(device="cpu", checkpoint=tmp_path / "absent.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="junk.pth.*cannot be read: it is not a PyTorch checkpoint"):
        load_mmpose_checkpoint(tmp_path / "junk.pth")
    torch.save({"meta": {}}, tmp_path / "nostate.pth")
    with pytest.raises(CheckpointError, match="no state dict"):
        load_mmpose_checkpoint(tmp_path / "nostate.pth")


def test_registry_and_missing_weights():
    cls = ESTIMATORS.get("hrnet-w32-wholebody")
    assert cls is HRNetWholeBody and cls.differentiable and cls.has_heatmaps
    spec = weights.get_spec(WEIGHT_ID)
    assert spec.sha256 == "853765cd" and spec.filename.startswith("hrnet_w32_coco_wholebody_256x192-853765cd")
    with pytest.raises(WeightsUnavailableError, match="weights download hrnet-w32.coco-wholebody-256x192"):
        cls(device="cpu")


class DotFinder(torch.nn.Module):
    """Stand-in model: heatmaps = 4x4 average of the red channel (flip-equivariant), for all 133 points.

    The input is normalised with mean 0.485, std 0.229: adding 0.485/0.229 makes black 0.
    """

    def forward(self, x):
        return F.avg_pool2d(x[:, :1] + 0.485 / 0.229, 4).expand(-1, 133, -1, -1)


@pytest.mark.parametrize("flip_test", [False, True])
def test_topdown_geometry_finds_a_planted_dot(flip_test):
    frames = torch.zeros(3, 3, 128, 128)
    dots = [(30, 40), (100, 20), (64, 110)]
    for t, (x, y) in enumerate(dots):
        frames[t, :, y - 1:y + 2, x - 1:x + 2] = 1.0
    est = HRNetWholeBody(device="cpu", model=DotFinder(), flip_test=flip_test, batch_size=2)
    kp = est.estimate(frames)
    assert kp.shape == (3, 133, 3)
    # one heatmap pixel is 160/48 = 3.3 frame pixels; the refinement gets within half of it
    err = (kp[:, 0, :2] - torch.tensor(dots, dtype=torch.float32)).abs().max()
    assert err < 2.0
    boxes = torch.tensor([[0.0, 0.0, 128.0, 128.0]])
    assert torch.allclose(est.estimate(frames, boxes=boxes), kp)


def test_heatmaps_are_differentiable_and_frame_aligned():
    est = HRNetWholeBody(device="cpu", model=tiny_hrnet(), flip_test=True)
    assert not any(p.requires_grad for p in est.model.parameters()) and not est.model.training
    frames = torch.rand(1, 3, 64, 64, requires_grad=True)
    hm = est.heatmaps(frames)
    assert hm.shape == (1, 133, 16, 16)
    hm[:, :5].sum().backward()
    assert frames.grad is not None and frames.grad.abs().sum() > 0
    planted = HRNetWholeBody(device="cpu", model=DotFinder(), flip_test=False)
    img = torch.zeros(1, 3, 128, 128)
    img[0, :, 79:82, 19:22] = 1.0
    from slvg_bench.pose.heatmaps import soft_argmax

    xy = soft_argmax(planted.heatmaps(img, size=(64, 64)), frame_size=(128, 128))
    assert torch.allclose(xy[0, 0], torch.tensor([20.0, 80.0]), atol=1.5)


@pytest.mark.weights
def test_real_weights_find_the_astronauts_face():
    if weights.status(WEIGHT_ID) not in ("present", "unverified"):
        pytest.skip(f"needs `slvg-bench weights download {WEIGHT_ID}`")
    skimage_data = pytest.importorskip("skimage.data")
    img = torch.from_numpy(skimage_data.astronaut()).permute(2, 0, 1)[None].float() / 255
    kp = HRNetWholeBody(device="cpu").estimate(img, boxes=torch.tensor([[40.0, 0.0, 480.0, 512.0]]))
    # nose tip measured with MediaPipe's face mesh on the same image: (222, 128)
    assert kp[0, 0, 2] > 0.5
    assert (kp[0, 0, :2] - torch.tensor([222.0, 128.0])).norm() < 12
