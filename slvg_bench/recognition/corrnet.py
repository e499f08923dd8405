"""CorrNet (Hu et al., CVPR 2023), the continuous sign-language recognizer behind WER.

Read top to bottom: frame encoder (``conv2d``, :mod:`.backbone`) -> temporal conv
K5-P2-K5-P2 (``conv1d``) -> 2-layer BiLSTM (``temporal_model``) -> weight-normalised
classifier shared with the temporal conv (``classifier`` = ``conv1d.fc``) -> CTC.
Module and parameter names are those of the official ``slr_network.SLRModel`` so its
checkpoints load strictly (see :mod:`.checkpoint`).

Forward contract (official, time-major outputs):
    ``model(x, lengths)`` with ``x`` a padded video batch ``B×T×3×H×W`` in [-1, 1] (see
    :mod:`.preprocess` for the official padding) or frame features ``B×C×T``, and
    ``lengths`` the padded lengths (int64, ``B``). Returns a dict with
    ``sequence_logits`` and ``conv_logits`` ``T'×B×num_classes`` (class 0 = CTC blank),
    ``feat_len`` (int64 ``B``; ``T' = ((T-4)//2-4)//2``) and ``visual_feat``/``predictions``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from slvg_bench.recognition.backbone import CorrResNet18

# the temporal-conv layout every released CorrNet uses (official ``conv_type=2``)
KERNELS = ("K5", "P2", "K5", "P2")


@dataclass
class CorrNetConfig:
    """Architecture of a CorrNet. The defaults are the released PHOENIX-2014-T model.

    ``num_classes`` counts the CTC blank (gloss vocabulary + 1). ``base_width`` (64
    official) scales every ResNet stage; frame features have ``8·base_width`` channels.
    ``corr_stages``: ResNet layers followed by a correlation block; ``(3, 4)`` is the
    released CSL-Daily checkpoint. ``hidden_size`` is the width of the temporal conv,
    the BiLSTM output (``hidden_size // 2`` per direction) and the classifier input.
    """

    num_classes: int = 1116
    hidden_size: int = 1024
    base_width: int = 64
    corr_stages: tuple = (2, 3, 4)
    lstm_layers: int = 2
    lstm_dropout: float = 0.3
    pool_grid: int = 1  # frame features: global mean (official) or a g×g grid of means (C·g² features)


PRESETS: dict[str, CorrNetConfig] = {
    "phoenix2014t": CorrNetConfig(num_classes=1116),
    "phoenix2014": CorrNetConfig(num_classes=1296),
    "csl-daily": CorrNetConfig(num_classes=2001, corr_stages=(3, 4)),
}


def temporal_receptive_padding(kernels=KERNELS) -> tuple[int, int]:
    """(left_pad, total_stride) the official collate derives from the kernel list: (6, 4)."""
    left_pad, last_stride, total_stride = 0, 1, 1
    for k in kernels:
        if k[0] == "K":
            left_pad = left_pad * last_stride + (int(k[1]) - 1) // 2
        else:
            last_stride = int(k[1])
            total_stride *= last_stride
    return left_pad, total_stride


def output_lengths(lengths: torch.Tensor, kernels=KERNELS) -> torch.Tensor:
    """Valid output steps per clip: each K5 removes 4 steps, each P2 halves (floor)."""
    out = lengths.long().clone()
    for k in kernels:
        out = out // 2 if k[0] == "P" else out - (int(k[1]) - 1)
    return out


class NormLinear(nn.Module):
    """``x @ normalize(W, dim=0)``: W is (in, out) — transposed w.r.t. nn.Linear — with unit columns."""

    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_dim, out_dim))
        nn.init.xavier_uniform_(self.weight, gain=nn.init.calculate_gain("relu"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.matmul(x, F.normalize(self.weight, dim=0))


class TemporalConv(nn.Module):
    """Conv1d(k5) BN ReLU MaxPool(2) Conv1d(k5) BN ReLU MaxPool(2) over ``B×C×T`` frame features.

    Sequential indices 0..7 as officially (parameters at 0, 1, 4, 5). ``fc`` is set by
    :class:`CorrNet` to the shared classifier.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        layers: list[nn.Module] = []
        cin = input_size
        for k in KERNELS:
            if k[0] == "P":
                layers.append(nn.MaxPool1d(kernel_size=int(k[1])))
            else:
                layers += [nn.Conv1d(cin, hidden_size, kernel_size=int(k[1])), nn.BatchNorm1d(hidden_size),
                           nn.ReLU(inplace=True)]
                cin = hidden_size
        self.temporal_conv = nn.Sequential(*layers)
        self.fc: nn.Module | None = None

    def forward(self, frame_feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``B×C×T`` -> (features ``T'×B×H``, logits ``T'×B×num_classes``)."""
        feat = self.temporal_conv(frame_feat)  # B×H×T'
        logits = self.fc(feat.transpose(1, 2))  # batch-major like the official code (same bits)
        return feat.permute(2, 0, 1), logits.permute(1, 0, 2)


class BiLSTM(nn.Module):
    """Length-aware bidirectional LSTM (official ``BiLSTMLayer``; parameters under ``rnn``)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 2, dropout: float = 0.3):
        super().__init__()
        self.rnn = nn.LSTM(input_size, hidden_size // 2, num_layers=num_layers, dropout=dropout, bidirectional=True)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``T×B×D``, lengths ``B`` -> (outputs ``T×B×H``, zero past each length; hidden ``2L×B×H``).

        ``hidden`` stacks h of every layer then c of every layer, each [forward ‖ backward].
        """
        packed = pack_padded_sequence(x, lengths.cpu().long(), enforce_sorted=False)
        out, (h, c) = self.rnn(packed)
        out, _ = pad_packed_sequence(out, total_length=x.shape[0])

        def cat_directions(s: torch.Tensor) -> torch.Tensor:
            return torch.cat([s[0::2], s[1::2]], dim=2)

        return out, torch.cat([cat_directions(h), cat_directions(c)], dim=0)


class CorrNet(nn.Module):
    """The full recognizer (official ``SLRModel`` with ``share_classifier`` and ``weight_norm``)."""

    def __init__(self, config: CorrNetConfig | None = None):
        super().__init__()
        self.config = config = config or CorrNetConfig()
        self.conv2d = CorrResNet18(config.base_width, config.corr_stages, config.pool_grid)
        self.conv1d = TemporalConv(self.conv2d.out_channels, config.hidden_size)
        self.temporal_model = BiLSTM(config.hidden_size, config.hidden_size, config.lstm_layers, config.lstm_dropout)
        self.classifier = NormLinear(config.hidden_size, config.num_classes)
        self.conv1d.fc = self.classifier  # shared: the state dict holds both keys, same tensor

    def frame_features(self, video: torch.Tensor, record: dict | None = None) -> torch.Tensor:
        """``B×T×3×H×W`` in [-1, 1] -> ``B×C×T`` per-frame features."""
        b, t = video.shape[:2]
        feats = self.conv2d(video.permute(0, 2, 1, 3, 4), record)
        return feats.view(b, t, -1).permute(0, 2, 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, record: dict | None = None) -> dict:
        framewise = self.frame_features(x, record) if x.dim() == 5 else x
        if record is not None:
            record["framewise_in"] = framewise
        visual_feat, conv_logits = self.conv1d(framewise)
        feat_len = output_lengths(lengths).clamp(min=1, max=visual_feat.shape[0])
        predictions, hidden = self.temporal_model(visual_feat, feat_len)
        return {
            "feat_len": feat_len,
            "conv_logits": conv_logits,
            "sequence_logits": self.classifier(predictions),
            "visual_feat": visual_feat,
            "predictions": predictions,
            "hidden": hidden,
        }


def ctc_losses(out: dict, targets: torch.Tensor, target_lengths: torch.Tensor,
               weights: dict[str, float] | None = None, temperature: float = 8.0) -> dict[str, torch.Tensor]:
    """The official training objective: SeqCTC + ConvCTC + 25 · Dist (VAC self-distillation).

    ``targets``: concatenated gloss indices (1-D, no blanks); ``target_lengths``: ``B``.
    CTC (blank 0) is averaged over the batch without target-length normalisation. Dist is
    KL(softmax(seq/T) ‖ softmax(conv/T)) over the non-blank classes, batch-mean over the
    T'·B rows, times T², with the sequence logits detached (the teacher).
    Returns the weighted terms and their sum under ``"total"``.
    """
    weights = weights or {"SeqCTC": 1.0, "ConvCTC": 1.0, "Dist": 25.0}
    lengths = out["feat_len"].cpu().long()
    terms: dict[str, torch.Tensor] = {}
    for name, key in (("SeqCTC", "sequence_logits"), ("ConvCTC", "conv_logits")):
        if weights.get(name):
            logp = out[key].log_softmax(-1)
            loss = F.ctc_loss(logp, targets.cpu().long(), lengths, target_lengths.cpu().long(), blank=0,
                              reduction="none", zero_infinity=False)
            terms[name] = weights[name] * loss.mean()
    if weights.get("Dist"):
        student = F.log_softmax(out["conv_logits"][:, :, 1:] / temperature, dim=-1).flatten(0, 1)
        teacher = F.softmax(out["sequence_logits"].detach()[:, :, 1:] / temperature, dim=-1).flatten(0, 1)
        kl = F.kl_div(student, teacher, reduction="batchmean") * temperature ** 2
        terms["Dist"] = weights["Dist"] * kl
    terms["total"] = sum(terms.values())
    return terms
