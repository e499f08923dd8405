"""Pictures of a method's intermediate maps (the PGMM paper's Fig. 7), drawn with matplotlib (Agg).

Input: the driving video and the output (``T×3×H×W`` float in [0, 1] or ``T×H×W×3`` uint8)
and the ``maps`` of :meth:`IntermediatesAnimator.intermediates
<slvg_bench.methods.IntermediatesAnimator>` (``name -> [T×1×h×w per scale, coarse to fine]``).
:func:`write_intermediates` writes, for one video:

- ``<stem>_intermediates.png``: rows driving | output | one heatmap row per map at its finest
  scale; one column per sampled frame; a colour bar per heatmap row (flow magnitude in
  pixels, blue = low and yellow = high, as Fig. 7; occlusion white = occluded; |PFM diff|);
- ``<stem>_scales.png`` (when a map has several scales): one row per (map, scale);
- ``<stem>_intermediates.npz``: the raw arrays — ``driving``/``output`` uint8 ``T×H×W×3``
  and ``<map>_s<i>`` float32 ``T×h×w`` at each scale's own resolution (``s0`` = coarsest).

Coarse maps are shown enlarged with nearest-neighbour sampling (their cells stay visible).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

# name -> (row label, colour map, unit); maps of other names are drawn with viridis
MAP_STYLES = {
    "flow_magnitude": ("flow magnitude", "viridis", "px"),
    "occlusion": ("occlusion", "gray", "1 = occluded"),
    "pfm_difference": ("|PFM diff|", "magma", "RGB mean"),
}
FIXED_RANGES = {"occlusion": (0.0, 1.0)}


@dataclass
class Row:
    """One row of a picture grid: RGB frames (``vmax`` None) or 2-D maps drawn with ``cmap``."""

    label: str
    images: list
    cmap: Optional[str] = None
    vmin: float = 0.0
    vmax: Optional[float] = None
    unit: str = ""


def sample_frames(n_total: int, n: int) -> np.ndarray:
    """``min(n, n_total)`` evenly spaced frame indices from 0 to ``n_total − 1``."""
    return np.linspace(0, n_total - 1, max(1, min(n, n_total))).round().astype(int)


def _rgb(video) -> np.ndarray:
    from slvg_bench.video import _as_uint8

    return _as_uint8(video)


def _as_numpy(x) -> np.ndarray:
    return x.detach().float().cpu().numpy() if hasattr(x, "detach") else np.asarray(x, dtype=np.float32)


def enlarge(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``h×w`` map -> ``H×W`` by nearest-neighbour sampling (pixel centres)."""
    h, w = image.shape
    rows = np.minimum((np.arange(size[0]) + 0.5) * h / size[0], h - 1).astype(int)
    cols = np.minimum((np.arange(size[1]) + 0.5) * w / size[1], w - 1).astype(int)
    return image[rows][:, cols]


def map_row(name: str, per_frame: np.ndarray, picks: np.ndarray, size: tuple[int, int], suffix: str = "") -> Row:
    """A heatmap row of map ``name`` (``T×h×w``) at frames ``picks``; the colour range spans all frames."""
    label, cmap, unit = MAP_STYLES.get(name, (name.replace("_", " "), "viridis", ""))
    vmin, vmax = FIXED_RANGES.get(name, (0.0, max(float(per_frame.max()), 1e-6)))
    return Row(label + suffix, [enlarge(per_frame[i], size) for i in picks], cmap, vmin, vmax, unit)


def draw_grid(rows: Sequence[Row], column_titles: Sequence[str], path: Path, title: str = "") -> Path:
    """Write the grid as a PNG: images without axes, row labels on the left, a colour bar per heatmap row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_rows, n_cols = len(rows), len(column_titles)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.25 * n_cols + 1.6, 1.25 * n_rows + 0.4), squeeze=False,
                             layout="constrained")
    for r, row in enumerate(rows):
        im = None
        for c in range(n_cols):
            ax = axes[r, c]
            ax.set_xticks([]), ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if row.cmap is None:
                ax.imshow(row.images[c], interpolation="nearest")
            else:
                im = ax.imshow(row.images[c], cmap=row.cmap, vmin=row.vmin, vmax=row.vmax, interpolation="nearest")
            if r == 0:
                ax.set_title(column_titles[c], fontsize=8)
        axes[r, 0].set_ylabel(row.label, fontsize=8)
        if im is not None:
            bar = fig.colorbar(im, ax=list(axes[r, :]), fraction=0.04, pad=0.01, aspect=8)
            bar.ax.tick_params(labelsize=6)
            if row.unit:
                bar.set_label(row.unit, fontsize=6)
    if title:
        fig.suptitle(title, fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_intermediates(out_stem: str | Path, driving, output, maps: dict, n_frames: int = 6,
                        title: str = "") -> list[Path]:
    """Write the PNG grids and the ``.npz`` of one video (module docstring); returns the paths."""
    out_stem = Path(out_stem)
    drv, gen = _rgb(driving), _rgb(output)
    t, size = gen.shape[0], gen.shape[1:3]
    per_scale = {name: [_as_numpy(m)[:, 0] for m in scales] for name, scales in maps.items()}
    for name, scales in per_scale.items():
        if any(s.shape[0] != t for s in scales):
            raise ValueError(f"map {name!r} has {[s.shape[0] for s in scales]} frames, the output {t}")
    picks = sample_frames(t, n_frames)
    columns = [f"frame {i}" for i in picks]
    paths = []

    rows = [Row("driving", [drv[i] for i in picks]), Row("output", [gen[i] for i in picks])]
    for name, scales in per_scale.items():
        finest = scales[-1]
        suffix = f"\n{finest.shape[1]}×{finest.shape[2]}" if len(scales) > 1 else ""
        rows.append(map_row(name, finest, picks, size, suffix))
    paths.append(draw_grid(rows, columns, out_stem.with_name(out_stem.name + "_intermediates.png"), title))

    if any(len(s) > 1 for s in per_scale.values()):
        rows = [Row("driving", [drv[i] for i in picks])]
        for name, scales in per_scale.items():
            for s in scales:
                rows.append(map_row(name, s, picks, size, f"\n{s.shape[1]}×{s.shape[2]}"))
        paths.append(draw_grid(rows, columns, out_stem.with_name(out_stem.name + "_scales.png"),
                               (title + " — " if title else "") + "per generator scale, coarse to fine"))

    arrays = {"driving": drv, "output": gen}
    for name, scales in per_scale.items():
        for i, s in enumerate(scales):
            arrays[f"{name}_s{i}"] = s.astype(np.float32)
    npz = out_stem.with_name(out_stem.name + "_intermediates.npz")
    np.savez_compressed(npz, **arrays)
    paths.append(npz)
    return paths
