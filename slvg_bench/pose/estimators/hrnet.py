"""HRNet (Sun et al., CVPR 2019) top-down heatmap model with MMPose's parameter names.

``HRNetPose`` = ``backbone`` (HRNet) + ``keypoint_head`` (a 1×1 conv on the
highest-resolution branch: MMPose's ``TopdownHeatmapSimpleHead`` with no deconv
layers). State-dict keys match MMPose 0.x checkpoints exactly
(``backbone.conv1.weight``, ``backbone.stage3.2.fuse_layers.1.0.0.0.weight``,
``keypoint_head.final_layer.weight``, ...); MMPose 1.x's ``head.*`` is accepted by
:func:`load_mmpose_checkpoint`.

Structure (MMPose ``HRNet``): stem of two stride-2 3×3 convs (64 ch, ¼ resolution),
``layer1`` = 4 Bottlenecks (64 -> 256), then stages 2–4 of high-resolution modules
with 2/3/4 parallel branches at ¼, ⅛, 1/16, 1/32 resolution. Each module runs
``num_blocks`` BasicBlocks per branch, then fuses: every output branch i sums all
inputs j — 1×1 conv + BN + nearest upsampling for j > i, a chain of stride-2 3×3
convs (+BN, ReLU between) for j < i — followed by ReLU. The last module of the
last stage outputs only the highest-resolution branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn

from slvg_bench.errors import CheckpointError


@dataclass(frozen=True)
class StageConfig:
    num_modules: int
    num_blocks: tuple[int, ...]
    num_channels: tuple[int, ...]
    block: str = "basic"  # "basic" | "bottleneck"

    @property
    def num_branches(self) -> int:
        return len(self.num_channels)


@dataclass(frozen=True)
class HRNetConfig:
    """Architecture of an HRNet pose model (defaults: HRNet-W32, COCO-WholeBody 133 points)."""

    stage1: StageConfig = StageConfig(1, (4,), (64,), "bottleneck")
    stage2: StageConfig = StageConfig(1, (4, 4), (32, 64))
    stage3: StageConfig = StageConfig(4, (4, 4, 4), (32, 64, 128))
    stage4: StageConfig = StageConfig(3, (4, 4, 4, 4), (32, 64, 128, 256))
    num_keypoints: int = 133
    in_channels: int = 3

    @staticmethod
    def w32(num_keypoints: int = 133) -> "HRNetConfig":
        return HRNetConfig(num_keypoints=num_keypoints)

    @staticmethod
    def w48(num_keypoints: int = 133) -> "HRNetConfig":
        return HRNetConfig(
            stage2=StageConfig(1, (4, 4), (48, 96)),
            stage3=StageConfig(4, (4, 4, 4), (48, 96, 192)),
            stage4=StageConfig(3, (4, 4, 4, 4), (48, 96, 192, 384)),
            num_keypoints=num_keypoints,
        )


def _conv_bn(cin: int, cout: int, kernel: int, stride: int = 1, relu: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(cout),
    ]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, cout: int, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, cout: int, downsample: nn.Module | None = None):
        super().__init__()
        mid = cout // self.expansion
        self.conv1 = nn.Conv2d(cin, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}


def _res_layer(block: type, cin: int, cout: int, n: int) -> nn.Sequential:
    """``n`` blocks cin -> cout; the first gets a 1×1 conv + BN shortcut when the widths differ."""
    down = _conv_bn(cin, cout, 1) if cin != cout else None
    return nn.Sequential(block(cin, cout, down), *[block(cout, cout) for _ in range(n - 1)])


class HRModule(nn.Module):
    """Parallel branches + multi-resolution fusion (``multiscale_output=False``: fuse into branch 0 only)."""

    def __init__(self, block: type, num_blocks, in_channels, num_channels, multiscale_output: bool = True):
        super().__init__()
        n = len(num_channels)
        widths = [c * block.expansion for c in num_channels]
        self.branches = nn.ModuleList(
            _res_layer(block, in_channels[i], widths[i], num_blocks[i]) for i in range(n)
        )
        self.out_channels = widths
        self.fuse_layers = self._fuse(widths, n if multiscale_output else 1) if n > 1 else None
        self.relu = nn.ReLU(inplace=True)

    @staticmethod
    def _fuse(widths: list[int], num_out: int) -> nn.ModuleList:
        rows = []
        for i in range(num_out):
            row: list[nn.Module | None] = []
            for j in range(len(widths)):
                if j > i:  # lower resolution -> 1×1 conv, BN, nearest upsampling
                    row.append(nn.Sequential(*_conv_bn(widths[j], widths[i], 1), nn.Upsample(scale_factor=2 ** (j - i), mode="nearest")))
                elif j == i:
                    row.append(None)
                else:  # higher resolution -> (i - j) stride-2 convs; only the last changes the width
                    steps = [_conv_bn(widths[j], widths[j], 3, 2, relu=True) for _ in range(i - j - 1)]
                    steps.append(_conv_bn(widths[j], widths[i], 3, 2))
                    row.append(nn.Sequential(*steps))
            rows.append(nn.ModuleList(row))
        return nn.ModuleList(rows)

    def forward(self, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        xs = [branch(x) for branch, x in zip(self.branches, xs)]
        if self.fuse_layers is None:
            return xs
        out = []
        for i, row in enumerate(self.fuse_layers):
            y = 0  # summed in branch order, as MMPose does
            for j, layer in enumerate(row):
                y = y + (xs[j] if j == i else layer(xs[j]))
            out.append(self.relu(y))
        return out


class HRNet(nn.Module):
    """The HRNet backbone; returns the list of branch outputs of the last stage (length 1 here)."""

    def __init__(self, cfg: HRNetConfig):
        super().__init__()
        self.conv1 = nn.Conv2d(cfg.in_channels, 64, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.conv2 = nn.Conv2d(64, 64, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        s1 = cfg.stage1
        block1 = BLOCKS[s1.block]
        width1 = s1.num_channels[0] * block1.expansion
        self.layer1 = _res_layer(block1, 64, width1, s1.num_blocks[0])
        prev = [width1]
        for k, stage in ((1, cfg.stage2), (2, cfg.stage3), (3, cfg.stage4)):
            block = BLOCKS[stage.block]
            widths = [c * block.expansion for c in stage.num_channels]
            setattr(self, f"transition{k}", self._transition(prev, widths))
            modules = []
            for m in range(stage.num_modules):
                last = k == 3 and m == stage.num_modules - 1
                mod = HRModule(block, stage.num_blocks, widths, stage.num_channels, not last)
                modules.append(mod)
            setattr(self, f"stage{k + 1}", nn.Sequential(*modules))
            prev = widths

    @staticmethod
    def _transition(prev: list[int], cur: list[int]) -> nn.ModuleList:
        layers: list[nn.Module | None] = []
        for i, c in enumerate(cur):
            if i < len(prev):
                layers.append(_conv_bn(prev[i], c, 3, relu=True) if prev[i] != c else None)
            else:  # a new, lower-resolution branch from the lowest existing one
                steps = [_conv_bn(prev[-1], prev[-1], 3, 2, relu=True) for _ in range(i - len(prev))]
                steps.append(_conv_bn(prev[-1], c, 3, 2, relu=True))
                layers.append(nn.Sequential(*steps))
        return nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.relu(self.bn2(self.conv2(x)))
        ys = [self.layer1(x)]
        for k in (1, 2, 3):
            transition = getattr(self, f"transition{k}")
            # as in MMPose, every transition that exists reads the last (lowest-resolution) branch
            xs = [ys[i] if t is None else t(ys[-1]) for i, t in enumerate(transition)]
            ys = getattr(self, f"stage{k + 1}")(xs)
        return ys


class HeatmapHead(nn.Module):
    """``TopdownHeatmapSimpleHead`` with no deconvolutions: a 1×1 conv to K heatmaps."""

    def __init__(self, in_channels: int, num_keypoints: int):
        super().__init__()
        self.final_layer = nn.Conv2d(in_channels, num_keypoints, 1)

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        return self.final_layer(feats[0])


class HRNetPose(nn.Module):
    """Backbone + heatmap head: normalised crops ``B×3×256×192`` -> heatmaps ``B×K×64×48``."""

    def __init__(self, cfg: HRNetConfig | None = None):
        super().__init__()
        self.cfg = cfg or HRNetConfig.w32()
        self.backbone = HRNet(self.cfg)
        self.keypoint_head = HeatmapHead(self.cfg.stage4.num_channels[0], self.cfg.num_keypoints)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """MMPose's initialisation: conv weights N(0, 0.001), BN weight 1, biases 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.001)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.keypoint_head(self.backbone(x))


def load_mmpose_checkpoint(path: str | Path) -> dict[str, torch.Tensor]:
    """Read an MMPose top-down checkpoint into our key names (``keypoint_head.*``).

    Accepts ``{'meta', 'state_dict'[, 'optimizer']}`` (MMPose 0.x/1.x) or a bare
    state dict; renames 1.x's ``head.*`` to ``keypoint_head.*`` and drops a
    ``module.`` (DataParallel) prefix. Loading uses ``weights_only=True``.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"HRNet checkpoint {str(path)!r} does not exist")
    from slvg_bench.safe_load import torch_load

    obj = torch_load(path, "HRNet checkpoint")
    state = None
    if isinstance(obj, dict):
        state = obj.get("state_dict", obj if all(isinstance(v, torch.Tensor) for v in obj.values()) else None)
    if not isinstance(state, dict) or not state:
        raise CheckpointError(f"{str(path)!r} holds no state dict (expected a dict with a 'state_dict' entry)")
    out = {}
    for key, value in state.items():
        key = key.removeprefix("module.")
        if key.startswith("head."):
            key = "keypoint_head." + key[len("head."):]
        out[key] = value
    return out


def load_state_dict_strict(model: HRNetPose, state: dict[str, torch.Tensor], source: str = "checkpoint") -> None:
    """``load_state_dict(strict=True)`` with a one-line error naming missing/unexpected/mis-shaped keys."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = [k for k in own if k in state and tuple(own[k].shape) != tuple(state[k].shape)]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {missing[:3]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {unexpected[:3]})")
        if shapes:
            k = shapes[0]
            parts.append(f"{len(shapes)} with wrong shape (e.g. {k}: {tuple(state[k].shape)} vs {tuple(own[k].shape)})")
        raise CheckpointError(f"{source} does not match HRNet (K={model.cfg.num_keypoints}): " + "; ".join(parts))
    model.load_state_dict(state, strict=True)
