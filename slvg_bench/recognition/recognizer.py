"""Videos in, gloss sequences out: a CorrNet + its gloss dictionary + its input path + a decoder.

    rec = load_recognizer("corrnet-synthsign")           # or "corrnet-phoenix2014t", a path, ...
    hyps = rec.recognize([video1, video2])                # videos: T×3×H×W float in [0, 1]
    # -> [["HELLO", "WORLD"], [...]]

Clips are recognised one at a time by default (``batch_size=1``): the correlation
blocks and the temporal convolution see the padding frames, so with the official
test batch of 2 the shorter clip's last steps depend on its batch-mate. One clip per
batch makes every result independent of the others (and of their order).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch

from slvg_bench.errors import CheckpointError
from slvg_bench.recognition.checkpoint import load_corrnet
from slvg_bench.recognition.corrnet import CorrNet
from slvg_bench.recognition.decode import decode
from slvg_bench.recognition.gloss_dict import GlossDict
from slvg_bench.recognition.preprocess import OFFICIAL_INPUT, InputSpec, pad_batch, prepare_video


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class Recognizer:
    """A ready-to-run recognizer.

    Attributes:
        model: a :class:`CorrNet` (put in eval mode here).
        glosses: its vocabulary (``num_classes`` must match the model).
        input_spec: frame size / crop of its input path.
        decoder: ``"beam"`` (official, width ``beam_width``) or ``"greedy"``.
        convention: the WER convention its outputs are scored with (``phoenix``/``csl``/``plain``).
    """

    model: CorrNet
    glosses: GlossDict
    input_spec: InputSpec = OFFICIAL_INPUT
    decoder: str = "beam"
    beam_width: int = 10
    batch_size: int = 1
    device: str = "cpu"
    convention: str = "plain"
    name: str = "corrnet"

    def __post_init__(self) -> None:
        if self.glosses.num_classes != self.model.config.num_classes:
            raise CheckpointError(
                f"recognizer {self.name!r}: the gloss dictionary gives {self.glosses.num_classes} classes "
                f"(largest index + 1) but the model has {self.model.config.num_classes}; wrong gloss_dict?"
            )
        self.model = self.model.to(self.device).eval()

    @torch.no_grad()
    def logits(self, videos: Sequence[torch.Tensor], heads: Sequence[str] | None = None) -> list:
        """Sequence logits ``T'_i×num_classes`` (valid steps only) for each ``T×3×H×W`` [0,1] video.

        ``heads``: names of model outputs (``sequence_logits``, ``conv_logits``) to return instead, as one
        ``{name: T'_i×num_classes}`` dict per video.
        """
        out: list = [None] * len(videos)
        for start in range(0, len(videos), self.batch_size):
            idx = list(range(start, min(start + self.batch_size, len(videos))))
            clips = [prepare_video(torch.as_tensor(videos[i]), self.input_spec) for i in idx]
            batch, lengths, order = pad_batch(clips)
            ret = self.model(batch.to(self.device), lengths)
            for row, j in enumerate(order):
                n = int(ret["feat_len"][row])
                if heads is None:
                    out[idx[j]] = ret["sequence_logits"][:n, row].float().cpu()
                else:
                    out[idx[j]] = {h: ret[h][:n, row].float().cpu() for h in heads}
        return out

    def decode_logits(self, logits: torch.Tensor) -> list[str]:
        """Glosses of one clip's ``T'×num_classes`` logits with this recognizer's decoder."""
        (ids,) = decode(logits[:, None], torch.tensor([logits.shape[0]]), method=self.decoder,
                        beam_width=self.beam_width)
        return self.glosses.decode(ids)

    def recognize(self, videos: Sequence[torch.Tensor]) -> list[list[str]]:
        """Gloss sequence for each video (``T×3×H×W`` float in [0,1], any size, at least 1 frame)."""
        return [self.decode_logits(lg) for lg in self.logits(videos)]


def from_checkpoint(path: str | Path, gloss_dict: str | Path | GlossDict | None = None,
                    input_spec: InputSpec | None = None, device: str | None = None, **kwargs) -> Recognizer:
    """A recognizer from a CorrNet checkpoint (official or made here).

    Checkpoints made by this toolkit carry their gloss dictionary and input path; for the
    official ones pass ``gloss_dict`` (the official ``gloss_dict.npy`` or a JSON copy).
    """
    model, extra = load_corrnet(path)
    if isinstance(gloss_dict, GlossDict):
        glosses = gloss_dict
    elif gloss_dict is not None:
        glosses = GlossDict.load(gloss_dict)
    elif "gloss_dict" in extra:
        glosses = GlossDict(extra["gloss_dict"])
    else:
        raise CheckpointError(
            f"CorrNet checkpoint {str(path)!r} carries no gloss dictionary; pass the official gloss_dict.npy"
        )
    meta = extra.get("slvg_config", {})
    spec = input_spec or InputSpec(**meta.get("input", {}))
    kwargs.setdefault("convention", meta.get("convention", "plain"))
    return Recognizer(model, glosses, spec, device=device or default_device(), name=str(path), **kwargs)


def load_recognizer(name_or_path: str | Path, device: str | None = None, **kwargs) -> Recognizer:
    """A recognizer by registry id (``corrnet-synthsign``, ``corrnet-phoenix2014t``, ``corrnet-csl-daily``)
    or by checkpoint path. Missing weight files raise
    :class:`~slvg_bench.errors.WeightsUnavailableError` naming the install command."""
    from slvg_bench.recognition.specs import RECOGNIZERS, resolve

    if str(name_or_path) in RECOGNIZERS:
        ckpt, gloss_path, spec = resolve(str(name_or_path))
        kwargs.setdefault("convention", spec.convention)
        rec = from_checkpoint(ckpt, gloss_path, spec.input_spec, device=device, **kwargs)
        rec.name = spec.id
        return rec
    check_recognizer_name(name_or_path)
    return from_checkpoint(name_or_path, device=device, **kwargs)


def check_recognizer_name(name_or_path: str | Path) -> None:
    """A name that is not a file and looks like an id (no folder, no suffix) must be a registered recognizer:
    a typo gets "Did you mean ...?" (UnknownNameError) instead of "checkpoint does not exist"."""
    from slvg_bench.recognition.specs import RECOGNIZERS

    name = str(name_or_path)
    if name not in RECOGNIZERS and not Path(name).exists() and "/" not in name and "\\" not in name \
            and not Path(name).suffix:
        RECOGNIZERS.check(name)


def recognize(videos: Sequence[torch.Tensor], recognizer: str | Path | Recognizer = "corrnet-synthsign",
              **kwargs) -> list[list[str]]:
    """Gloss sequences of ``videos`` (each ``T×3×H×W`` float in [0,1]) with a recognizer id, path or object."""
    rec = recognizer if isinstance(recognizer, Recognizer) else load_recognizer(recognizer, **kwargs)
    return rec.recognize(videos)
