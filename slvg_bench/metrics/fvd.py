"""FVD (Unterthiner et al. 2018): Fréchet distance between I3D embeddings of real and generated clips.

Protocol (every item is reported next to the number):

- network: Kinetics-400 Inception-I3D (TF-Hub ``i3d-kinetics-400/1``), its 400
  time-averaged pre-softmax logits — not the 1024-d pool; from
  ``i3d.k400-tats`` or ``i3d.k400-styleganv`` (:mod:`.i3d_loading`);
- clips: ``clip_length`` (16) consecutive frames; ``clips="first"``: one clip from
  frame 0 of each video; ``"all"``: every non-overlapping clip. Videos shorter
  than a clip are an error naming the video, or are left out and counted when
  ``skip_short`` is set (``--fvd-skip-short``);
- preprocessing: uint8 levels, bilinear resize straight to 224×224, ``[-1, 1]``
  (``resize="stretch"``, TATS) or short side + centre crop (``short-side-crop``,
  common_metrics) — :mod:`.fvd_clips`;
- statistics: float64, unbiased covariance (TF-GAN; ``covariance="biased"`` for
  StyleGAN-V's), ``scipy.linalg.sqrtm`` with the εI fallback — :mod:`.frechet`.

FVD is corpus-level: each video contributes its clips' features (stored in its
result row and in a content-addressed cache, so FVD can be recomputed between
any two result files without re-running I3D — :func:`fvd_between`); the figure
is computed from the rows. Real = target clips, generated = predicted clips.
The Fréchet distance is biased for small sample counts: compare methods only at
equal N (reported).

Neither I3D file has a published sha256; the git blob SHA-1 upstream publishes is compared when
the file is loaded and stored per row (``fvd-i3d-k400:upstream``: official / unofficial /
unknown). An FVD from any row with an unofficial file carries a warning
(:func:`unofficial_warning`) that the console table, the aggregate files and the leaderboard
footnotes show with the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from slvg_bench.errors import UsageError, WeightsUnavailableError
from slvg_bench.metrics import fvd_clips, stored_features
from slvg_bench.metrics.base import CorpusResult, Metric, MetricInfo, MetricSkip, VideoPair
from slvg_bench.metrics.feature_cache import FeatureCache, clip_key
from slvg_bench.metrics.frechet import COVARIANCES, frechet_distance_from_features
from slvg_bench.metrics.i3d_loading import NETWORK_WEIGHTS, NETWORKS, I3DExtractor, load_extractor, resolve_network

METRIC_ID = "fvd-i3d-k400"
STATE_PRED = f"{METRIC_ID}:pred"
STATE_TARGET = f"{METRIC_ID}:target"
STATE_NETWORK = f"{METRIC_ID}:network"
# "official" / "unofficial" / "unknown": the I3D file's git blob SHA-1 against the one upstream publishes
STATE_UPSTREAM = f"{METRIC_ID}:upstream"
FEATURE_DIM = 400
SKIPPED_SHORT = "skipped (--fvd-skip-short)"
COLUMNS = stored_features.FeatureColumns(METRIC_ID, "FVD", "I3D", FEATURE_DIM, skippable=SKIPPED_SHORT)
UNOFFICIAL = "unofficial"


def upstream_status(matches: bool | None) -> str:
    """``I3DExtractor.matches_upstream`` -> the value stored per row (:data:`STATE_UPSTREAM`)."""
    return "unknown" if matches is None else "official" if matches else UNOFFICIAL


def unofficial_warning(networks: list[str]) -> str:
    """The warning shown with an FVD computed by an I3D file that is not the published one."""
    return (f"NOT THE OFFICIAL I3D: the network file ({', '.join(networks)}) differs from the file upstream "
            f"publishes (git blob SHA-1 mismatch; installed with `weights add`?), so this FVD is not comparable "
            f"with published FVDs or with runs on the official file")


def upstream_check(rows) -> tuple[bool | None, str | None]:
    """``(matches_upstream_git_blob, warning)`` of the rows' stored I3D check: False and the warning
    when any row used an unofficial file, True when all used the official one, else None (rows
    written before the check was stored, or a network without a published digest)."""
    if STATE_UPSTREAM not in rows.columns or not len(rows):
        return None, None
    values = {v if isinstance(v, str) else "unknown" for v in rows[STATE_UPSTREAM]}
    if UNOFFICIAL in values:
        bad = rows[rows[STATE_UPSTREAM] == UNOFFICIAL]
        nets = sorted(set(bad[STATE_NETWORK].dropna())) if STATE_NETWORK in bad.columns else []
        return False, unofficial_warning(nets or ["?"])
    return (True, None) if values == {"official"} else (None, None)


@dataclass(frozen=True)
class FVDOptions:
    """FVD protocol options (module docstring). ``cache`` only saves time, never changes a number."""

    clip_length: int = 16
    clips: str = "first"
    resize: str = "stretch"
    covariance: str = "unbiased"
    network: str = "auto"
    skip_short: bool = False
    cache: bool = True
    batch_clips: int = 8

    def validate(self) -> "FVDOptions":
        if self.clip_length < fvd_clips.MIN_CLIP_LENGTH:
            raise UsageError(f"fvd.clip_length must be >= {fvd_clips.MIN_CLIP_LENGTH} (I3D needs it), got {self.clip_length}")
        for name, value, valid in [
            ("clips", self.clips, fvd_clips.CLIP_MODES),
            ("resize", self.resize, fvd_clips.RESIZES),
            ("covariance", self.covariance, COVARIANCES),
            ("network", self.network, NETWORKS),
        ]:
            if value not in valid:
                raise UsageError(f"fvd.{name} must be one of {', '.join(valid)}, got {value!r}")
        if self.batch_clips < 1:
            raise UsageError(f"fvd.batch_clips must be >= 1, got {self.batch_clips}")
        return self


def protocol(options: FVDOptions) -> dict[str, Any]:
    """The protocol description printed and stored next to every FVD."""
    resize = (
        "bilinear (align_corners=False) straight to 224×224"
        if options.resize == "stretch"
        else "bilinear short side to 224 + centre crop 224×224"
    )
    return {
        "clip_length": options.clip_length,
        "clips": "one clip from frame 0 per video" if options.clips == "first" else "all non-overlapping clips",
        "resize": resize,
        "range": "[-1, 1] from uint8 levels",
        "covariance": options.covariance,
        "features": "I3D Kinetics-400 logits, 400-d, time-averaged",
    }


class FVD(Metric):
    """FVD between the target clips (real) and the predicted clips (generated)."""

    options_key = "fvd"
    options_class = FVDOptions
    info = MetricInfo(
        id=METRIC_ID,
        version=1,
        higher_is_better=False,
        level="corpus",
        weights=(NETWORK_WEIGHTS["tats"], NETWORK_WEIGHTS["styleganv"]),
        value_range="0 (same distribution) … unbounded",
        summary="Fréchet distance of I3D-K400 logits of 16-frame clips, 224² bilinear, [-1,1], unbiased cov.",
        signature=("clip:{clip_length}", "clips:{clips}", "resize:{resize}", "range:[-1,1]", "cov:{covariance}",
                   "feat:logits400"),
    )

    def __init__(self, options: FVDOptions | None = None, device="cpu", batch_frames: int = 32, *,
                 extractor: I3DExtractor | None = None, cache_root: str | Path | None = None):
        super().__init__(options, device, batch_frames)
        self.options.validate()
        self._extractor = extractor
        self.cache = FeatureCache("fvd-i3d", root=cache_root, enabled=self.options.cache)

    # --- availability / provenance -----------------------------------------------------------
    def unavailable_reason(self) -> str | None:
        if self._extractor is not None:
            return None
        try:
            resolve_network(self.options.network)
        except WeightsUnavailableError as e:
            return f"{METRIC_ID} unavailable: the Kinetics-400 I3D is not installed: {e}"
        return None

    @property
    def extractor(self) -> I3DExtractor:
        if self._extractor is None:
            self._extractor = load_extractor(self.options.network, self.device)
        return self._extractor

    def weight_digests(self) -> dict[str, str]:
        return {self.extractor.weight_id: self.extractor.sha256}

    def describe(self) -> dict[str, Any]:
        out = protocol(self.options)
        if self._extractor is not None:
            out["network"] = self._extractor.tag
            out["matches_upstream_git_blob"] = self._extractor.matches_upstream
        return out

    # --- per-video state ---------------------------------------------------------------------
    def features(self, video: torch.Tensor) -> np.ndarray:
        """float ``T×3×H×W`` in [0, 1] -> ``N×400`` float32 features of its clips (cached by content)."""
        o = self.options
        clips = fvd_clips.sample_clips(video.cpu(), o.clip_length, o.clips)
        keys = [clip_key(c, self.extractor.tag, o.resize) for c in clips]
        out: list[np.ndarray | None] = [self.cache.get(k) for k in keys]
        todo = [i for i, v in enumerate(out) if v is None]
        for start in range(0, len(todo), o.batch_clips):
            idx = todo[start : start + o.batch_clips]
            x = fvd_clips.preprocess(clips[idx], o.resize)
            feats = self.extractor(x).numpy().astype(np.float32)
            if feats.shape[1] != FEATURE_DIM:
                raise ValueError(f"the I3D returned {feats.shape[1]}-d features, expected {FEATURE_DIM}")
            for i, f in zip(idx, feats):
                self.cache.put(keys[i], f)
                out[i] = f
        return np.stack(out) if out else np.zeros((0, FEATURE_DIM), np.float32)

    @classmethod
    def state_columns(cls) -> tuple[str, ...]:
        return (STATE_PRED, STATE_TARGET, STATE_NETWORK, STATE_UPSTREAM)

    def state(self, pair: VideoPair) -> dict[str, Any]:
        o = self.options
        if pair.n_frames < o.clip_length:
            detail = f"the video has {pair.n_frames} frames, FVD clips have {o.clip_length}"
            if o.skip_short:
                raise MetricSkip(f"{SKIPPED_SHORT}: {detail}")
            raise MetricSkip(f"too short: {detail} (pass --fvd-skip-short to leave such videos out)")
        return {
            STATE_PRED: self.features(pair.pred).ravel(),
            STATE_TARGET: self.features(pair.target).ravel(),
            STATE_NETWORK: self.extractor.tag,
            STATE_UPSTREAM: upstream_status(self.extractor.matches_upstream),
        }

    # --- corpus ------------------------------------------------------------------------------
    @classmethod
    def compute_corpus(cls, rows, options: FVDOptions | None = None) -> CorpusResult:
        """FVD from result rows (their stored features); NaN + reason when it cannot be computed."""
        options = options or FVDOptions()
        details = protocol(options)
        chosen = stored_features.select(rows, COLUMNS, details)
        if isinstance(chosen, CorpusResult):
            return chosen
        have = chosen.have
        pred, target = _stack(have[STATE_PRED]), _stack(have[STATE_TARGET])
        matches, warning = upstream_check(have)
        details.update(network=chosen.network, matches_upstream_git_blob=matches,
                       n_videos=int(len(have)), n_clips_generated=int(len(pred)), n_clips_real=int(len(target)))
        if len(pred) < 2 or len(target) < 2:
            return CorpusResult(float("nan"), len(pred), details, f"FVD needs at least 2 clips per side, got {len(pred)}")
        value = frechet_distance_from_features(target, pred, options.covariance)
        return CorpusResult(value, len(pred), details, n_missing=chosen.n_missing, warning=warning)

    @classmethod
    def corpus_resampling(cls, rows, options: FVDOptions | None = None) -> dict[str, Any]:
        """FVD on resampled videos: each video's target (real) and predicted (generated) clip features
        from the rows, the videos :meth:`compute_corpus` uses (a :class:`~slvg_bench.stats.FrechetFigure`)."""
        options = options or FVDOptions()
        return stored_features.resampling_figure(rows, COLUMNS, options.covariance)


def _stack(values) -> np.ndarray:
    """Stored flattened per-video features -> ``N×400`` float32."""
    return stored_features.stack_features(values, FEATURE_DIM)



def fvd_between(
    real_rows, fake_rows, real_side: str = "target", fake_side: str = "pred", covariance: str = "unbiased"
) -> float:
    """FVD between the stored features of two result tables (no I3D run).

    ``real_side``/``fake_side`` pick the ``pred`` or ``target`` features of each
    table, e.g. the targets of run A against the predictions of run B.
    """
    def collect(rows, side: str) -> np.ndarray:
        if side not in ("pred", "target"):
            raise UsageError(f"side must be 'pred' or 'target', got {side!r}")
        col = STATE_PRED if side == "pred" else STATE_TARGET
        feats = _stack(rows[col]) if col in rows.columns else _stack([])
        if len(feats) == 0:
            raise UsageError(f"the result table holds no stored FVD features ({col})")
        return feats

    nets = {n for rows in (real_rows, fake_rows) if STATE_NETWORK in rows.columns for n in rows[STATE_NETWORK].dropna()}
    if len(nets) > 1:
        raise UsageError(f"the two result tables used different I3D files: {sorted(nets)}")
    return frechet_distance_from_features(collect(real_rows, real_side), collect(fake_rows, fake_side), covariance)
