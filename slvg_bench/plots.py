"""Per-video metric plots of ``slvg-bench run --plots``: L1, SSIM and TCD over time, and a TCD map.

One PNG per video (``<run dir>/plots/<video>.png``, matplotlib Agg):

- three line plots sharing the frame axis: L1 per frame (:func:`~slvg_bench.metrics.l1.l1_per_frame`),
  SSIM per frame (Wang settings, :func:`~slvg_bench.metrics.ssim.ssim_per_frame`) and TCD's
  per-frame fraction of eq. 13 (:func:`~slvg_bench.metrics.tcd.tcd_per_frame`, defined for
  t = 1 … T−2), each with the video's mean as a dotted line and the map's frame marked;
- for one frame t: target, generated, and the per-pixel TCD map ``D_t = |Î_t − ½(I_{t−1} + I_{t+1})|``
  of eq. 12 (channel mean, on the TCD scale: grey levels 0–255 by default) for the generated video,
  next to the same map of the target against itself (the floor: real motion). Pixels above the
  threshold T are what TCD counts.

The curves are recomputed from the pair (cheap per-frame functions; the result rows keep only
per-video values) with the run's TCD options, so they match the run's numbers: the mean of each
curve is the video's ``l1`` / ``ssim`` / ``tcd`` value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import torch

PLOTS_DIR = "plots"


def plot_path(run_dir: str | Path, video_id: str) -> Path:
    """``<run>/plots/<file_stem(video_id)>.png`` (safe and injective, :func:`slvg_bench.paths.file_stem`)."""
    from slvg_bench.paths import file_name

    return Path(run_dir) / PLOTS_DIR / file_name(video_id, ".png")


def frame_series(pred: torch.Tensor, target: torch.Tensor, tcd_options=None) -> dict[str, np.ndarray]:
    """``T×3×H×W`` pair in [0, 1] -> ``l1``, ``ssim`` (``T`` values) and ``tcd`` (``T−2`` values, frames
    1 … T−2; empty below 3 frames), float64."""
    from slvg_bench.metrics.l1 import l1_per_frame
    from slvg_bench.metrics.ssim import ssim_per_frame
    from slvg_bench.metrics.tcd import TCDOptions, tcd_per_frame

    o = tcd_options or TCDOptions()
    series = {"l1": l1_per_frame(pred, target).cpu().numpy(), "ssim": ssim_per_frame(pred, target).cpu().numpy()}
    series["tcd"] = (tcd_per_frame(pred, target, o.threshold, o.scale, o.reduction).cpu().numpy()
                     if pred.shape[0] >= 3 else np.zeros(0))
    return series


def tcd_map(pred: torch.Tensor, target: torch.Tensor, t: int, scale: float = 255.0) -> np.ndarray:
    """Eq. 12's ``D_t`` of frame ``t`` (1 ≤ t ≤ T−2) as an ``H×W`` map: channel mean, on the TCD scale."""
    from slvg_bench.metrics.tcd import levels

    if not 1 <= t <= pred.shape[0] - 2:
        raise ValueError(f"the TCD map needs 1 ≤ t ≤ T−2 (T = {pred.shape[0]}), got t = {t}")
    p = levels(pred[t : t + 1], scale).double()
    n = levels(target[t - 1 : t + 2], scale).double()
    return (p[0] - 0.5 * (n[0] + n[2])).abs().mean(0).cpu().numpy()


def choose_frame(n_frames: int, frame: Optional[int] = None) -> Optional[int]:
    """The TCD map's frame: ``frame`` (default the middle one) clamped to 1 … T−2; None below 3 frames."""
    if n_frames < 3:
        return None
    t = n_frames // 2 if frame is None else int(frame)
    return min(max(t, 1), n_frames - 2)


def write_video_plot(path: str | Path, pred: torch.Tensor, target: torch.Tensor, frame: Optional[int] = None,
                     tcd_options=None, title: str = "") -> Path:
    """Write the PNG of one video (module docstring); ``pred``/``target`` ``T×3×H×W`` in [0, 1]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from slvg_bench.metrics.tcd import TCDOptions, tcd_per_frame
    from slvg_bench.video import _as_uint8

    o = tcd_options or TCDOptions()
    pred, target = pred.detach().cpu(), target.detach().cpu()
    series = frame_series(pred, target, o)
    n = pred.shape[0]
    t = choose_frame(n, frame)
    frames = np.arange(n)

    fig = plt.figure(figsize=(9, 7.2), layout="constrained")
    grid = fig.add_gridspec(4, 4, height_ratios=[1, 1, 1, 2.3])
    curves = [("l1", "L1 ↓", frames), ("ssim", "SSIM ↑", frames), ("tcd", "TCD fraction ↓", frames[1:-1])]
    top = None
    for row, (key, label, xs) in enumerate(curves):
        ax = fig.add_subplot(grid[row, :], sharex=top)
        top = top or ax
        ys = series[key]
        if len(ys):
            ax.plot(xs, ys, lw=1.2, color=f"C{row}")
            ax.axhline(float(ys.mean()), ls=":", lw=1, color=f"C{row}", label=f"mean {ys.mean():.4g}")
            ax.legend(loc="upper right", fontsize=7, frameon=False)
        if t is not None:
            ax.axvline(t, ls="--", lw=0.8, color="0.5")
        ax.set_ylabel(label, fontsize=8)
        ax.tick_params(labelsize=7)
        if row < 2:
            ax.tick_params(labelbottom=False)
    top.set_xlim(-0.5, n - 0.5)
    fig.axes[-1].set_xlabel("frame", fontsize=8)

    shown = t if t is not None else n // 2
    for col, (name, video) in enumerate([("target", target), ("generated", pred)]):
        ax = fig.add_subplot(grid[3, col])
        ax.imshow(_as_uint8(video[shown : shown + 1])[0])
        ax.set_title(f"{name}, frame {shown}", fontsize=8)
        ax.axis("off")
    if t is not None:
        d_gen, d_tgt = tcd_map(pred, target, t, o.scale), tcd_map(target, target, t, o.scale)
        vmax = max(float(np.percentile(np.concatenate([d_gen.ravel(), d_tgt.ravel()]), 99.5)), 2 * o.threshold)
        im = None
        floor = tcd_per_frame(target[t - 1 : t + 2], target[t - 1 : t + 2], o.threshold, o.scale, o.reduction)
        panels = [("generated", d_gen, series["tcd"][t - 1]), ("target (floor)", d_tgt, float(floor[0]))]
        for col, (name, d, value) in enumerate(panels, start=2):
            ax = fig.add_subplot(grid[3, col])
            im = ax.imshow(d, cmap="inferno", vmin=0, vmax=vmax, interpolation="nearest")
            ax.set_title(f"D_t {name}\nTCD_t = {value:.4f}", fontsize=8)
            ax.axis("off")
        bar = fig.colorbar(im, ax=fig.axes[-2:], fraction=0.05, shrink=0.8)
        bar.set_label("D_t" + (" (grey levels)" if o.scale == 255.0 else ""), fontsize=7)
        bar.ax.tick_params(labelsize=6)
    else:
        fig.add_subplot(grid[3, 2:]).text(0.5, 0.5, "no TCD map: fewer than 3 frames", ha="center", va="center")
        fig.axes[-1].axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    from slvg_bench.errors import output_error

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=90)
    except OSError as e:
        raise output_error(path, e) from e
    finally:
        plt.close(fig)
    return path
