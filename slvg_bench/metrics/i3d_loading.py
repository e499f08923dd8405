"""Loading the FVD network from either published PyTorch form.

- ``i3d.k400-tats`` — ``i3d_pretrained_400.pt`` (VideoGPT/TATS, converted from
  the TF-Hub module): a plain state dict loaded with ``weights_only=True`` into
  :class:`~slvg_bench.metrics.i3d.InceptionI3d` with ``strict=True``.
- ``i3d.k400-styleganv`` — ``i3d_torchscript.pt`` (StyleGAN-V): a TorchScript
  module ``forward(x, rescale=False, resize=False, return_features=False)``.
  It is always called with keyword arguments (positional calls break on newer
  torch) and ``rescale=False, resize=False, return_features=True``: our own
  preprocessing has already produced 224×224 clips in [-1, 1], and
  ``return_features`` selects the 400 pre-softmax logits.

Both give the same 400-d embedding of the same network (StyleGAN-V's
comparison: FVD equal to ~1e-7 relative). ``network="auto"`` uses the TATS
state dict when installed, else the TorchScript file.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from slvg_bench import weights
from slvg_bench.errors import CheckpointError, UsageError, WeightsUnavailableError
from slvg_bench.metrics.i3d import InceptionI3d

NETWORK_WEIGHTS = {"tats": "i3d.k400-tats", "styleganv": "i3d.k400-styleganv"}
NETWORKS = ("auto", "tats", "styleganv")


def git_blob_sha1(path: str | Path) -> str:
    """The git blob SHA-1 of a file (what upstream repositories publish for these files)."""
    path = Path(path)
    h = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def load_i3d_state_dict(path: str | Path, device: "str | torch.device" = "cpu") -> InceptionI3d:
    """``i3d_pretrained_400.pt`` (or any state dict in its key layout) -> eval-mode InceptionI3d."""
    from slvg_bench.safe_load import torch_load

    state = torch_load(path, "I3D state dict")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: expected a plain state dict of tensors (the i3d_pretrained_400.pt layout)")
    model = InceptionI3d(400, in_channels=3)
    expected = model.state_dict()
    optional = {k for k in expected if k.endswith("num_batches_tracked")}
    missing = sorted(set(expected) - set(state) - optional)
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{path} is not an InceptionI3d(400) state dict: {len(missing)} missing keys "
            f"(e.g. {missing[:3]}), {len(unexpected)} unexpected keys (e.g. {unexpected[:3]})"
        )
    bad = [k for k in state if tuple(state[k].shape) != tuple(expected[k].shape)]
    if bad:
        k = bad[0]
        raise CheckpointError(f"{path}: {k!r} has shape {tuple(state[k].shape)}, expected {tuple(expected[k].shape)}")
    model.load_state_dict(state, strict=True)  # BatchNorm fills the absent num_batches_tracked itself
    return model.eval().requires_grad_(False).to(device)


class TorchScriptI3D:
    """StyleGAN-V's TorchScript I3D, called with keyword arguments only."""

    def __init__(self, path: str | Path, device: "str | torch.device" = "cpu"):
        try:
            # TorchScript archives hold code + tensors, not pickled Python objects.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated, the file is TorchScript
                self.module = torch.jit.load(str(path), map_location=device).eval()
        except Exception as e:  # RuntimeError, ValueError, EOFError (empty file), zip errors
            from slvg_bench.safe_load import load_error_reason

            first = (str(e).strip().splitlines() or [""])[0]
            if "constants.pkl" in first or "code/" in first:
                reason = "it is a torch file without TorchScript code (a plain checkpoint or state dict)"
            elif isinstance(e, EOFError) or not first or "PytorchStreamReader" in first or "zip" in first:
                reason = load_error_reason(e, path)
            else:
                reason = first
            raise CheckpointError(f"{path} is not a TorchScript module (expected StyleGAN-V's i3d_torchscript.pt): "
                                  f"{reason}") from e

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        out = self.module(x=x, rescale=False, resize=False, return_features=True)
        if out.ndim != 2:
            raise CheckpointError(f"the TorchScript I3D returned shape {tuple(out.shape)}, expected (B, 400) logits")
        return out


@dataclass
class I3DExtractor:
    """The FVD embedding function: ``B×3×T×224×224`` in [-1, 1] -> ``B×400`` float32 logits."""

    network: str  # "tats" | "styleganv"
    weight_id: str
    sha256: str
    forward: Callable[[torch.Tensor], torch.Tensor]
    device: "str | torch.device" = "cpu"
    matches_upstream: bool | None = None  # git blob SHA-1 equals the one upstream publishes (None: unknown)

    @property
    def tag(self) -> str:
        """Identifies the exact network (cache keys, consistency checks across rows)."""
        return f"{self.network}:{self.sha256[:16]}"

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.forward(x.to(self.device)).float().cpu()


def resolve_network(choice: str = "auto") -> tuple[str, str, Path]:
    """``(network, weight id, path)`` of the installed I3D file for ``choice``.

    Raises:
        WeightsUnavailableError: no suitable file; the message names both install commands.
    """
    if choice not in NETWORKS:
        raise UsageError(f"fvd.network must be one of {', '.join(NETWORKS)}, got {choice!r}")
    order = ["tats", "styleganv"] if choice == "auto" else [choice]
    errors = []
    for net in order:
        try:
            return net, NETWORK_WEIGHTS[net], weights.require(NETWORK_WEIGHTS[net])
        except WeightsUnavailableError as e:
            errors.append(str(e))
    raise WeightsUnavailableError(" | ".join(errors))


def load_extractor(choice: str = "auto", device: "str | torch.device" = "cpu", path: str | Path | None = None) -> I3DExtractor:
    """Load the FVD network (``path`` overrides the weights cache, for tests and converters)."""
    if path is None:
        network, weight_id, path = resolve_network(choice)
    else:
        if choice == "auto":
            raise UsageError("an explicit I3D path needs network='tats' or 'styleganv'")
        network, weight_id = choice, NETWORK_WEIGHTS[choice]
    sha = weights.cached_sha256(path)
    published = weights.get_spec(weight_id).extra.get("git_blob_sha1")
    matches = None if published is None else git_blob_sha1(path) == published
    forward = load_i3d_state_dict(path, device) if network == "tats" else TorchScriptI3D(path, device)
    return I3DExtractor(network, weight_id, sha, forward, device, matches)
