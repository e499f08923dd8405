"""Per-frame FID with pytorch-fid's Inception weights: ``fid-inception``.

Protocol (every item is reported next to the number):

- **network**: the TF Inception (2015-12-05) as pytorch-fid 0.3.0 ports it, 2048-d pool3 features
  (:mod:`.inception_fid`), from the weight ``inception-v3.pytorch-fid`` =
  ``pt_inception-2015-12-05-6726825d.pth`` through the weights manager. A missing file makes the
  metric *unavailable* (NaN + the install command), never computed on other weights;
- **frames**: frames ``0, s, 2s, …`` of every video (``s = frame_stride``, default 1 = every
  frame), the same indices in the generated and the target video; each frame is an image.
  Generated frames of all videos are one sample, target frames of all videos the other;
- **preprocessing**: uint8 levels (``round(255·x)``, what a stored frame holds) / 255, bilinear
  resize to 299×299 (``align_corners=False``, on one CPU thread: :mod:`slvg_bench.threads`),
  ``2x − 1`` — pytorch-fid's ``InceptionV3(resize_input=True, normalize_input=True)``;
- **statistics**: float64 mean and unbiased covariance (``np.cov``, n − 1; pytorch-fid takes the
  mean of its float32 activations in float32, a difference of ~1e-7 relative), and pytorch-fid's
  ``calculate_frechet_distance``: ``scipy.linalg.sqrtm`` of Σ₁Σ₂; when not finite, εI (1e-6) added
  to both; the real part taken unless a diagonal imaginary part exceeds 1e-3 (an error) —
  :func:`.frechet.frechet_distance` with ``imag_atol=1e-3`` (tested equal to pytorch-fid's).

Corpus-level like FVD: each row stores its frames' features (``fid-inception:pred|target``,
2048 float32 per frame and side, 8 KiB) and the figure is computed from the rows, so 1 or N
processes or a re-score give the same number. Features are cached by the frame's pixels
(``$SLVG_BENCH_HOME/cache/features/fid-inception``). With fewer frames than 2048 the covariances
are singular (FID still computes through the εI fallback) and FID is biased for small N:
compare methods only at equal N (reported). Not a default metric: Inception at 299² costs about
0.1–0.3 s per frame and side on a CPU core (request it with ``--metrics fid-inception``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from slvg_bench import weights
from slvg_bench.errors import UsageError, WeightsUnavailableError
from slvg_bench.metrics import stored_features
from slvg_bench.metrics.base import CorpusResult, Metric, MetricInfo, MetricSkip, VideoPair
from slvg_bench.metrics.feature_cache import FeatureCache, clip_key
from slvg_bench.metrics.frechet import frechet_distance
from slvg_bench.metrics.inception_fid import FEATURE_DIM, FIDInceptionV3, load_fid_inception

METRIC_ID = "fid-inception"
WEIGHT_ID = "inception-v3.pytorch-fid"
STATE_PRED = f"{METRIC_ID}:pred"
STATE_TARGET = f"{METRIC_ID}:target"
STATE_NETWORK = f"{METRIC_ID}:network"
COLUMNS = stored_features.FeatureColumns(METRIC_ID, "FID", "Inception", FEATURE_DIM)
PREPROCESSING = "uint8/255, bilinear 299x299 align_corners=False, 2x-1"
IMAG_ATOL = 1e-3  # pytorch-fid's calculate_frechet_distance


@dataclass(frozen=True)
class FIDOptions:
    """``frame_stride``: score frames 0, s, 2s, … of each video. ``cache`` never changes a number."""

    frame_stride: int = 1
    cache: bool = True

    def validate(self) -> "FIDOptions":
        if self.frame_stride < 1:
            raise UsageError(f"fid.frame_stride must be at least 1, got {self.frame_stride}")
        return self


def frame_indices(n_frames: int, stride: int) -> list[int]:
    """The frames FID scores in a video of ``n_frames``: ``0, stride, 2·stride, …``."""
    return list(range(0, n_frames, stride))


def protocol(options: FIDOptions) -> dict[str, Any]:
    """The protocol description printed and stored next to every FID."""
    every = "every frame" if options.frame_stride == 1 else f"frames 0, {options.frame_stride}, {2 * options.frame_stride}, …"
    return {
        "frames": f"{every} of each video (same indices generated/target)",
        "frame_stride": options.frame_stride,
        "preprocessing": PREPROCESSING,
        "features": "pool3, 2048-d (pytorch-fid block 3)",
        "covariance": "unbiased (np.cov)",
        "frechet": "pytorch-fid calculate_frechet_distance (eps 1e-6 fallback, imaginary atol 1e-3)",
    }


def fid_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(mu, sigma)`` of ``n×d`` features as pytorch-fid computes them (``np.mean``, ``np.cov(rowvar=False)``,
    unbiased), in float64: pytorch-fid takes the mean of its float32 activations in float32."""
    x = np.asarray(features, np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"FID statistics need n×d features with n >= 2, got shape {x.shape}")
    return x.mean(axis=0), np.cov(x, rowvar=False)


def fid_from_features(real: np.ndarray, fake: np.ndarray) -> float:
    """FID between two ``n×2048`` feature sets: :func:`fid_statistics`, then pytorch-fid's Fréchet step."""
    (mu1, s1), (mu2, s2) = fid_statistics(real), fid_statistics(fake)
    return frechet_distance(mu1, s1, mu2, s2, eps=1e-6, imag_atol=IMAG_ATOL)


class FIDInception(Metric):
    """FID between the target frames (real) and the generated frames of all videos."""

    options_key = "fid"
    options_class = FIDOptions
    info = MetricInfo(
        id=METRIC_ID,
        version=1,
        higher_is_better=False,
        level="corpus",
        weights=(WEIGHT_ID,),
        unit="FID (squared feature distance)",
        value_range="0 (same distribution) … unbounded",
        summary="Fréchet distance of pytorch-fid Inception pool3 features of every frame, 299² bilinear, [-1,1]",
    )

    def __init__(self, options: FIDOptions | None = None, device="cpu", batch_frames: int = 32, *,
                 weights_path: str | Path | None = None, network: FIDInceptionV3 | None = None,
                 cache_root: str | Path | None = None):
        super().__init__(options, device, batch_frames)
        self.options.validate()
        self.weights_path = Path(weights_path) if weights_path is not None else None
        self._network = network
        self.cache = FeatureCache(METRIC_ID, root=cache_root, enabled=self.options.cache)

    # --- availability / provenance -----------------------------------------------------------
    def unavailable_reason(self) -> str | None:
        if self._network is not None or self.weights_path is not None:
            return None
        try:
            weights.require(WEIGHT_ID)
        except WeightsUnavailableError as e:
            return f"{METRIC_ID} unavailable: {e}"
        return None

    def _path(self) -> Path:
        return self.weights_path if self.weights_path is not None else weights.require(WEIGHT_ID)

    @property
    def network(self) -> FIDInceptionV3:
        if self._network is None:
            self._network = load_fid_inception(self._path(), self.device)
        return self._network

    def weight_digests(self) -> dict[str, str]:
        if self._network is not None and self.weights_path is None:
            return {WEIGHT_ID: "given network (tests only)"}
        return {WEIGHT_ID: weights.cached_sha256(self._path())}

    @property
    def tag(self) -> str:
        """Names the network file by content (cache keys and the stored ``network`` column)."""
        digest = self.weight_digests()[WEIGHT_ID]
        return f"pytorch-fid:{digest[:16]}"

    def describe(self) -> dict[str, Any]:
        return protocol(self.options)

    # --- per-video state ---------------------------------------------------------------------
    def features(self, frames: torch.Tensor) -> np.ndarray:
        """float ``N×3×H×W`` in [0, 1] → ``N×2048`` float32 (cached by each frame's uint8 pixels)."""
        from slvg_bench.metrics.fvd_clips import video_to_uint8_levels
        from slvg_bench.threads import torch_threads

        levels = video_to_uint8_levels(frames.cpu())
        tag = self.tag
        keys = [clip_key(f[None], tag, PREPROCESSING) for f in levels]
        out: list[np.ndarray | None] = [self.cache.get(k) for k in keys]
        todo = [i for i, v in enumerate(out) if v is None]
        net = self.network if todo else None
        for start in range(0, len(todo), max(1, self.batch_frames)):
            idx = todo[start : start + self.batch_frames]
            x = levels[idx].to(self.device).float() / 255.0
            with torch_threads(1, x.device):  # the last bits of a bilinear resize depend on the thread count
                x = FIDInceptionV3.preprocess(x)
            with torch.no_grad():
                feats = net.features(x).cpu().numpy().astype(np.float32)
            for i, f in zip(idx, feats):
                self.cache.put(keys[i], f)
                out[i] = f
        return np.stack(out) if out else np.zeros((0, FEATURE_DIM), np.float32)

    @classmethod
    def state_columns(cls) -> tuple[str, ...]:
        return (STATE_PRED, STATE_TARGET, STATE_NETWORK)

    def state(self, pair: VideoPair) -> dict[str, Any]:
        idx = frame_indices(pair.n_frames, self.options.frame_stride)
        if not idx:
            raise MetricSkip("the video has no frames")
        return {
            STATE_PRED: self.features(pair.pred[idx]).ravel(),
            STATE_TARGET: self.features(pair.target[idx]).ravel(),
            STATE_NETWORK: self.tag,
        }

    # --- corpus ------------------------------------------------------------------------------
    @classmethod
    def compute_corpus(cls, rows, options: FIDOptions | None = None) -> CorpusResult:
        """FID from result rows (their stored features); NaN + reason when it cannot be computed."""
        options = options or FIDOptions()
        details = protocol(options)
        chosen = stored_features.select(rows, COLUMNS, details)
        if isinstance(chosen, CorpusResult):
            return chosen
        have = chosen.have
        fake, real = _stack(have[STATE_PRED]), _stack(have[STATE_TARGET])
        details.update(network=chosen.network, n_videos=int(len(have)),
                       n_frames_generated=int(len(fake)), n_frames_real=int(len(real)))
        if len(fake) < 2 or len(real) < 2:
            return CorpusResult(float("nan"), len(fake), details, f"FID needs at least 2 frames per side, got {len(fake)}")
        return CorpusResult(fid_from_features(real, fake), len(fake), details)

    @classmethod
    def corpus_resampling(cls, rows, options: FIDOptions | None = None) -> dict[str, Any]:
        """FID on resampled videos: a resampled video brings all its scored frames (frames of one video
        are not independent samples), real = its target frames, generated = its predicted ones
        (a :class:`~slvg_bench.stats.FrechetFigure` with the unbiased covariance FID uses)."""
        return stored_features.resampling_figure(rows, COLUMNS, "unbiased")


def _stack(values) -> np.ndarray:
    return stored_features.stack_features(values, FEATURE_DIM)

