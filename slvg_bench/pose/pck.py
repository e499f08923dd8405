"""Keypoint accuracy: PCK@alpha and mean pixel error, per keypoint group.

PCK@alpha counts a predicted point as correct when its distance to the ground
truth is at most ``alpha · S``. Two normalisations ``S``:

- ``norm="person"`` (default; MMPose's ``PCKAccuracy`` with the instance box): the
  longer side of the bounding box of *all* known ground-truth points of the frame;
- ``norm="group"``: the longer side of the box of the group's own points — the
  body's box for body points, *each hand's own box* for that hand (the hand-dataset
  convention, e.g. OneHand10K/RHD in MMPose), the face's box for the face. Much
  stricter for hands: a 128-px synthsign hand is ~12 px, so PCK@0.1 then means
  within ~1.2 px.

Only points with ground-truth confidence > 0 count; a box with fewer than 2
known points is skipped in that frame. Predictions with confidence 0 are misses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from slvg_bench.pose import layout as L

# group -> list of index sets that each get their own normalising box
PCK_GROUPS: dict[str, tuple[tuple[int, ...], ...]] = {
    "body": (L.BODY,),
    "hands": (L.LEFT_HAND, L.RIGHT_HAND),
    "face": (L.FACE,),
}


def box_size(gt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Longer side of the box of the known points of ``T×N×3`` -> (``T`` sizes, ``T`` valid flags)."""
    known = gt[..., 2] > 0
    big = torch.finfo(gt.dtype).max
    lo = torch.where(known[..., None], gt[..., :2], torch.full_like(gt[..., :2], big)).amin(1)
    hi = torch.where(known[..., None], gt[..., :2], torch.full_like(gt[..., :2], -big)).amax(1)
    size = (hi - lo).amax(-1)
    return size, (known.sum(1) >= 2) & (size > 0)


def _group_counts(pred: torch.Tensor, gt: torch.Tensor, idx: tuple[int, ...], alpha: float, person):
    p, g = pred[:, list(idx)], gt[:, list(idx)]
    known = g[..., 2] > 0
    size, frame_ok = person if person is not None else box_size(g)
    counted = known & frame_ok[:, None]
    dist = (p[..., :2] - g[..., :2]).norm(dim=-1)
    found = counted & (p[..., 2] > 0)
    hit = (dist <= alpha * size[:, None]) & found
    return int(hit.sum()), int(counted.sum()), int(found.sum()), float(dist[found].sum())


@dataclass
class PCKAccumulator:
    """Streaming PCK over many videos: ``update(pred, gt)`` per video, then :meth:`result`."""

    alpha: float = 0.1
    norm: str = "person"  # "person" | "group"
    groups: dict = field(default_factory=lambda: dict(PCK_GROUPS))
    _hits: dict = field(default_factory=dict)
    _count: dict = field(default_factory=dict)
    _found: dict = field(default_factory=dict)
    _dist: dict = field(default_factory=dict)

    def update(self, pred, gt) -> None:
        """pred, gt: ``T×133×3`` in the same pixel frame."""
        pred, gt = torch.as_tensor(pred).double().cpu(), torch.as_tensor(gt).double().cpu()
        if pred.shape != gt.shape or pred.shape[-2:] != (L.NUM_KEYPOINTS, 3):
            raise ValueError(f"pred and gt must both be T×133×3, got {tuple(pred.shape)} and {tuple(gt.shape)}")
        if self.norm not in ("person", "group"):
            raise ValueError(f"norm must be 'person' or 'group', got {self.norm!r}")
        person = box_size(gt) if self.norm == "person" else None
        for name, index_sets in self.groups.items():
            for idx in index_sets:
                h, n, f, d = _group_counts(pred, gt, idx, self.alpha, person)
                self._hits[name] = self._hits.get(name, 0) + h
                self._count[name] = self._count.get(name, 0) + n
                self._found[name] = self._found.get(name, 0) + f
                self._dist[name] = self._dist.get(name, 0.0) + d

    def result(self) -> dict[str, dict[str, float]]:
        """Per group: ``pck`` (misses count as wrong), ``detected`` (fraction of known points the
        estimator returned with confidence > 0), ``mean_error_px`` (over detected points), ``n``
        (known points). NaN where there is nothing to average."""
        out = {}
        nan = float("nan")
        for name in self.groups:
            n, f = self._count.get(name, 0), self._found.get(name, 0)
            out[name] = {
                "pck": self._hits.get(name, 0) / n if n else nan,
                "detected": f / n if n else nan,
                "mean_error_px": self._dist.get(name, 0.0) / f if f else nan,
                "n": n,
            }
        return out


def pck(pred, gt, alpha: float = 0.1, norm: str = "person") -> dict[str, dict[str, float]]:
    """PCK@alpha and mean error per group for one ``T×133×3`` pair (see the module docstring)."""
    acc = PCKAccumulator(alpha=alpha, norm=norm)
    acc.update(pred, gt)
    return acc.result()
