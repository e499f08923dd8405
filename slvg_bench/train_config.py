"""The training hyper-parameters every trainable method shares (nested in each method's config).

Defaults follow the paper's recipe (§4.1: Adam, lr 2e-4, ×0.1 at epochs 60 and
90, 100 epochs, 5 pairs per video per epoch).

``batch_size`` is the GLOBAL batch: under DDP each of the N processes takes
``batch_size / N`` pairs, so a run's result does not depend on the process
count. ``max_steps``, ``num_workers``, ``log_every`` and ``checkpoint_every``
control the run, not the result: they are left out of the config hash that a
resumed run must match (see :mod:`slvg_bench.training.resolve`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class PairAugmentConfig:
    """Probabilities and jitter ranges (0 everywhere = no augmentation).

    The official TPSMM/MRAA values: :func:`fomm_augmentation`.
    """

    time_flip: float = 0.0
    horizontal_flip: float = 0.0
    jitter: tuple = (0.0, 0.0, 0.0, 0.0)  # brightness, contrast, saturation, hue

    @property
    def enabled(self) -> bool:
        return bool(self.time_flip or self.horizontal_flip or any(self.jitter))


def fomm_augmentation() -> PairAugmentConfig:
    """The official ``augmentation_params`` of TPSMM and MRAA (vox, taichi, ted): time flip 0.5, else
    horizontal flip 0.5, colour jitter 0.1 (brightness, contrast, saturation, hue)."""
    return PairAugmentConfig(time_flip=0.5, horizontal_flip=0.5, jitter=(0.1, 0.1, 0.1, 0.1))


@dataclass
class TrainConfig:
    epochs: int = 100
    lr: float = 2e-4
    milestones: tuple = (60, 90)  # epochs at which lr *= gamma
    gamma: float = 0.1
    adam_betas: tuple = (0.5, 0.999)  # FOMM/TPSMM/MRAA use beta1 = 0.5
    weight_decay: float = 0.0
    batch_size: int = 8
    pairs_per_video: int = 5  # the FOMM "num_repeats": pairs drawn per video per epoch
    num_workers: int = 2
    checkpoint_every: int = 500  # steps
    log_every: int = 10  # steps
    seed: int = 0
    amp: bool = False  # mixed precision (autocast); off = fp32, as the papers trained
    max_steps: Optional[int] = None  # stop early (quick looks, tests)
    grad_clip: Optional[float] = None  # max global grad norm; None = no clipping
    resolution: int = 128  # frame size (H = W) the training pairs are loaded at
    amp_dtype: str = "bfloat16"  # "bfloat16" or "float16" (CUDA only; adds a GradScaler); CPU: bfloat16 only
    ddp_find_unused_parameters: bool = True  # parts unused in some epochs (e.g. a late-start BG predictor)
    augment: PairAugmentConfig = field(default_factory=PairAugmentConfig)  # see slvg_bench.data.pair_augment
    max_frame_gap: Optional[int] = None  # source/driving at most this many frames apart (None: anywhere, as FOMM)
    max_frame_gap_epochs: Optional[int] = None  # the gap limit holds for this many epochs (None: always)
    init_from: Optional[str] = None  # fine-tune: start from this checkpoint's model weights (same method/architecture)
