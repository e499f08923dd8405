"""LPIPS (Zhang et al. 2018) through the ``lpips`` package, batched, offline-safe.

The network is ``lpips.LPIPS(net=alex|vgg, version="0.1")`` from the PyPI
package ``lpips==0.1.4`` (richzhang/PerceptualSimilarity): ImageNet backbone →
5 feature layers → channel-unit-normalised squared differences → the package's
calibrated 1×1 "lin" layers (shipped inside the wheel, ``weights/v0.1/*.pth``) →
spatial mean → sum over layers. Frames in [0, 1] are mapped to [-1, 1]
(``2x − 1``, what ``normalize=True`` does).

The backbone is the torchvision ImageNet file (``alexnet-owt-7be5be79.pth`` /
``vgg16-397923af.pth``), taken from the weights manager
(``alexnet.imagenet-torchvision`` / ``vgg16.imagenet-torchvision``) and copied
into the package's model key by key (``features.i.*`` → ``net.sliceK.i.*``),
checking names and shapes. The package would otherwise download it; here a
missing file makes the metric *unavailable* (NaN + the install command). It is
never computed on a random backbone, except when a caller passes
``random_backbone=True`` explicitly (tests and the speed benchmark).

Per frame: the LPIPS distance; per video: mean over frames; dataset: mean over videos.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import torch

from slvg_bench import weights
from slvg_bench.errors import CheckpointError, WeightsUnavailableError
from slvg_bench.metrics.base import Metric, MetricInfo, VideoPair, frame_batches

BACKBONE_WEIGHTS = {"alex": "alexnet.imagenet-torchvision", "vgg": "vgg16.imagenet-torchvision"}
# sha256 of the calibrated lin layers shipped in the lpips 0.1.4 wheel (weights/v0.1/<net>.pth)
LIN_SHA256 = {
    "alex": "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0",
    "vgg": "a78928a0af1e5f0fcb1f3b9e8f8c3a2a5a3de244d830ad5c1feddc79b8432868",
}


def lin_layers_path(net: str) -> Path:
    """The package's calibrated linear-layer file for ``net`` (v0.1)."""
    import lpips

    return Path(lpips.__file__).resolve().parent / "weights" / "v0.1" / f"{net}.pth"


def _quiet_lpips(net: str):
    """``lpips.LPIPS`` with a random trunk (no download) and the wheel's v0.1 lin layers."""
    import lpips

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # torchvision's deprecated ``pretrained=`` argument
        return lpips.LPIPS(pretrained=True, net=net, version="0.1", pnet_rand=True, verbose=False)


def load_backbone(model: torch.nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Copy a torchvision ``alexnet``/``vgg16`` state dict into ``model.net`` (the lpips trunk).

    The package's trunk splits torchvision's ``features`` Sequential into slices
    that keep the original child indices, so ``net.slice2.3.weight`` is
    ``features.3.weight``. Every trunk parameter must be found with the same
    shape and every ``features.*`` tensor of the file must be used; the
    classifier tensors of the file are not part of LPIPS and are ignored.
    """
    trunk = model.net.state_dict()
    mapped: dict[str, torch.Tensor] = {}
    used: set[str] = set()
    for name, param in trunk.items():
        _slice, index, leaf = name.split(".", 2)
        key = f"features.{index}.{leaf}"
        if key not in state:
            raise CheckpointError(f"{source}: missing {key!r} (expected a torchvision {model.pnet_type} state dict)")
        if tuple(state[key].shape) != tuple(param.shape):
            raise CheckpointError(
                f"{source}: {key!r} has shape {tuple(state[key].shape)}, expected {tuple(param.shape)}"
            )
        mapped[name] = state[key]
        used.add(key)
    unused = sorted(k for k in state if k.startswith("features.") and k not in used)
    if unused:
        raise CheckpointError(f"{source}: unexpected backbone tensors {unused[:4]} (not a torchvision {model.pnet_type})")
    model.net.load_state_dict(mapped, strict=True)


def build_lpips(
    net: str = "alex",
    *,
    backbone_path: str | Path | None = None,
    random_backbone: bool = False,
    device: "str | torch.device" = "cpu",
) -> torch.nn.Module:
    """The package's LPIPS model with its backbone loaded from the weights cache (or a given file).

    Raises:
        WeightsUnavailableError: the backbone file is not installed (message names the fix).
    """
    if net not in BACKBONE_WEIGHTS:
        raise ValueError(f"LPIPS net must be one of {sorted(BACKBONE_WEIGHTS)}, got {net!r}")
    model = _quiet_lpips(net)
    if not random_backbone:
        path = Path(backbone_path) if backbone_path is not None else weights.require(BACKBONE_WEIGHTS[net])
        from slvg_bench.safe_load import torch_load

        state = torch_load(path, f"LPIPS {net} backbone")
        load_backbone(model, state, str(path))
    return model.eval().requires_grad_(False).to(device)


def lpips_per_frame(model: torch.nn.Module, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``N×3×H×W`` pair in [0, 1] -> ``N`` LPIPS distances (float64)."""
    with torch.no_grad():
        d = model(pred.float() * 2 - 1, target.float() * 2 - 1)
    return d.flatten().double()


def _lpips_info(net: str, trunk: str) -> MetricInfo:
    """The declaration of ``lpips-<net>``; the variants differ only in the trunk (``trunk`` describes it)."""
    return MetricInfo(
        id=f"lpips-{net}",
        version=1,
        higher_is_better=False,
        weights=(BACKBONE_WEIGHTS[net],),
        value_range="0 (identical) … ~1",
        summary=f"lpips 0.1.4, net {trunk}, v0.1, inputs [-1,1]; mean over frames, then videos",
        signature=(f"net:{net}", "lin:v0.1", "range:[-1,1]"),
    )


class LPIPSAlex(Metric):
    """LPIPS v0.1 with the AlexNet trunk (the package default, "best forward scores")."""

    net = "alex"
    info = _lpips_info("alex", "alex")

    def __init__(self, options=None, device="cpu", batch_frames: int = 32, *, random_backbone: bool = False,
                 backbone_path: str | Path | None = None):
        super().__init__(options, device, batch_frames)
        self.random_backbone = random_backbone
        self.backbone_path = backbone_path
        self._model: torch.nn.Module | None = None

    def unavailable_reason(self) -> str | None:
        if self.random_backbone or self.backbone_path is not None:
            return None
        try:
            weights.require(BACKBONE_WEIGHTS[self.net])
        except WeightsUnavailableError as e:
            return f"{self.info.id} unavailable: {e}"
        return None

    def weight_digests(self) -> dict[str, str]:
        """Backbone file and the package's lin layers (their sha256 is recorded, not assumed)."""
        lin = {f"lpips-0.1.4:weights/v0.1/{self.net}.pth": weights.sha256_file(lin_layers_path(self.net))}
        if self.random_backbone:
            return {BACKBONE_WEIGHTS[self.net]: "random-backbone (tests/benchmarks only)", **lin}
        path = Path(self.backbone_path) if self.backbone_path else weights.require(BACKBONE_WEIGHTS[self.net])
        return {BACKBONE_WEIGHTS[self.net]: weights.cached_sha256(path), **lin}

    @property
    def model(self) -> torch.nn.Module:
        if self._model is None:
            self._model = build_lpips(
                self.net, backbone_path=self.backbone_path, random_backbone=self.random_backbone, device=self.device
            )
        return self._model

    def per_frame(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``N×3×H×W`` pair in [0, 1] -> ``N`` distances, in batches of ``batch_frames``."""
        parts = [
            lpips_per_frame(self.model, pred[s].to(self.device), target[s].to(self.device)).cpu()
            for s in frame_batches(pred.shape[0], self.batch_frames)
        ]
        return torch.cat(parts)

    def score(self, pair: VideoPair) -> dict[str, float]:
        return {self.info.id: float(self.per_frame(pair.pred, pair.target).mean())}


class LPIPSVgg(LPIPSAlex):
    """LPIPS v0.1 with the VGG-16 trunk (used by some human-animation papers)."""

    net = "vgg"
    info = _lpips_info("vgg", "vgg (VGG-16)")
