"""Is this file what its weight id says? Checked before ``weights add`` (or ``download``) installs it.

A checksum proves a file only when upstream publishes one; for the others (the official TPSMM, MRAA,
DynaST and CorrNet checkpoints, the two I3D files, the synthsign models trained here) the file is
opened — always with ``torch.load(weights_only=True)``, so a malicious pickle never runs — and
checked for its kind: the expected entries, every key and every shape, by building the network it
describes and loading it strictly, exactly as the code that uses it will. A 0-byte file, a text file,
a pickle or another model's checkpoint is refused with one line naming the id, the file and the
reason, and nothing is installed.

:func:`validate` returns a short description of what was found (shown by ``weights add``), or None
for ids without a structural check (files with a published checksum: the checksum is the check; the FID
Inception, whose published checksum is only a prefix, is opened and checked too).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from slvg_bench.errors import CheckpointError, SlvgError

Validator = Callable[[Path, "WeightSpec"], str]  # noqa: F821  (slvg_bench.weights.WeightSpec)


def _params(model) -> str:
    n = sum(p.numel() for p in model.parameters())
    return f"{n / 1e6:.1f}M parameters" if n >= 1e5 else f"{n:,} parameters"


def _load_dict(path: Path, what: str) -> dict:
    from slvg_bench.safe_load import torch_load

    obj = torch_load(path, what)
    if not isinstance(obj, dict):
        raise CheckpointError(f"{what} {str(path)!r} holds a {type(obj).__name__}, expected a dict of tensors")
    return obj


def _tpsmm_official(path: Path, spec) -> str:
    from baselines.tpsmm import convert

    ckpt = _load_dict(path, "TPSMM checkpoint")
    model, cfg, report = convert.load_official(ckpt, setup=spec.extra.get("setup"))
    parts = ", ".join(f"{k} {v}" for k, v in report.tensors.items())
    return f"official TPSMM checkpoint (tensors: {parts}; {_params(model)})"


def _mraa_official(path: Path, spec) -> str:
    from baselines.mraa import convert

    ckpt = _load_dict(path, "MRAA checkpoint")
    model, cfg, report = convert.load_official(ckpt, setup=spec.extra.get("setup"))
    parts = ", ".join(f"{k} {v}" for k, v in report.tensors.items())
    return f"official MRAA checkpoint (tensors: {parts}; {_params(model)})"


def _dynast_official(path: Path, spec) -> str:
    import torch

    from baselines.dynast import convert

    state = _load_dict(path, "DynaST generator")
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{str(path)!r} is not a plain state dict (the official latest_net_G.pth layout)")
    model = convert.generator_from_official(state)
    return f"official DynaST generator ({len(state)} tensors, {_params(model)})"


# the released CorrNet checkpoints: classes including the CTC blank (weights_catalog origin notes)
_CORRNET_CLASSES = {"corrnet.phoenix2014t-official": 1116, "corrnet.csl-daily-official": 2001}


def _corrnet_official(path: Path, spec) -> str:
    from slvg_bench.recognition.checkpoint import load_corrnet

    model, _ = load_corrnet(path)
    want, got = _CORRNET_CLASSES.get(spec.id), model.config.num_classes
    if want is not None and got != want:
        raise CheckpointError(f"CorrNet checkpoint {str(path)!r} has {got} classes; {spec.id} has {want} "
                              f"(is it the other dataset's checkpoint?)")
    return f"CorrNet checkpoint ({got} classes, {_params(model)})"


def _corrnet_synthsign(path: Path, spec) -> str:
    from slvg_bench.recognition.recognizer import from_checkpoint

    rec = from_checkpoint(path, device="cpu")
    return f"CorrNet recognizer trained here ({rec.glosses.num_classes} classes, {_params(rec.model)})"


def _i3d_tats(path: Path, spec) -> str:
    from slvg_bench.metrics.i3d_loading import load_i3d_state_dict

    model = load_i3d_state_dict(path, "cpu")
    return f"InceptionI3d(400) state dict ({_params(model)})"


def _i3d_torchscript(path: Path, spec) -> str:
    import zipfile

    from slvg_bench.metrics.i3d_loading import TorchScriptI3D

    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{str(path)!r} is not a TorchScript archive (expected StyleGAN-V's i3d_torchscript.pt)")
    module = TorchScriptI3D(path, "cpu").module
    n = sum(p.numel() for p in module.parameters())
    if n == 0:
        raise CheckpointError(f"{str(path)!r} is a TorchScript module without parameters, not the I3D network")
    return f"TorchScript I3D module ({n / 1e6:.1f}M parameters)"


def _fid_inception(path: Path, spec) -> str:
    from slvg_bench.metrics.inception_fid import load_fid_inception

    model = load_fid_inception(path, "cpu")
    return f"FID Inception-v3 state dict (pytorch-fid layout, {_params(model)})"


def _posenet(path: Path, spec) -> str:
    from slvg_bench.pose.estimators.posenet import load_posenet

    model, meta = load_posenet(path)
    return f"PoseNet checkpoint ({_params(model)})"


def _method_checkpoint(path: Path, spec) -> str:
    """A model of one of our methods (``extra["method"]``), loaded the way ``run`` loads it."""
    from slvg_bench.methods import METHODS

    method = spec.extra["method"]
    METHODS.get(method).load(str(path), "cpu")
    return f"{method} checkpoint"


def validator_for(spec) -> Optional[Validator]:
    """The structural check of a weight id, or None (ids with a published checksum need none)."""
    wid = spec.id
    if wid.startswith("tpsmm.") and wid.endswith("-official"):
        return _tpsmm_official
    if wid.startswith("mraa.") and wid.endswith("-official"):
        return _mraa_official
    if wid.startswith("dynast.") and wid.endswith("-official"):
        return _dynast_official
    if wid in _CORRNET_CLASSES:
        return _corrnet_official
    if wid == "corrnet.synthsign-slvg":
        return _corrnet_synthsign
    if wid == "i3d.k400-tats":
        return _i3d_tats
    if wid == "i3d.k400-styleganv":
        return _i3d_torchscript
    if wid == "inception-v3.pytorch-fid":
        return _fid_inception
    if wid.startswith("posenet."):
        return _posenet
    if spec.extra.get("method"):
        return _method_checkpoint
    return None


def validate(spec, path: str | Path, shown_as: Optional[str] = None) -> Optional[str]:
    """Check ``path`` for ``spec``'s kind (module docstring): a description, None when no check applies,
    or :class:`~slvg_bench.errors.CheckpointError` ``"weight ID: SOURCE is not a valid FILE (reason);
    nothing was installed"``. ``shown_as``: how to name the file in messages (``path`` may be a temp copy)."""
    check = validator_for(spec)
    if check is None:
        return None
    path = Path(path)
    shown = shown_as or str(path)
    if path.stat().st_size == 0:
        raise CheckpointError(f"weight {spec.id!r}: {shown!r} is empty (0 bytes), not a valid {spec.filename}; "
                              f"nothing was installed")
    try:
        return check(path, spec)
    except SlvgError as e:
        from slvg_bench.safe_load import clean_message

        reason = clean_message(str(e), e.__cause__).replace(repr(str(path)) + " ", "").replace(str(path), "the file")
        raise CheckpointError(f"weight {spec.id!r}: {shown!r} is not a valid {spec.filename} ({reason}); "
                              f"nothing was installed") from e
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0].replace(str(path), "the file")
        raise CheckpointError(f"weight {spec.id!r}: {shown!r} is not a valid {spec.filename} "
                              f"({type(e).__name__}: {first[:300]}); nothing was installed") from e
