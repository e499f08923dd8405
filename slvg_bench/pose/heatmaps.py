"""Gaussian keypoint heatmaps and their inverse (soft-argmax, hard argmax).

Coordinate convention (the whole pose layer): a keypoint's (x, y) is in pixel
*index* units of its image, i.e. (0, 0) is the centre of the top-left pixel and
(W-1, H-1) the centre of the bottom-right one. Mapping between two resolutions of
the same image uses pixel centres ("half-pixel" / ``align_corners=False``)::

    x_heatmap = (x_frame + 0.5) * w / W - 0.5

so a heatmap of any size covers exactly the frame it was rendered for.

Heatmaps are float tensors ``...×K×h×w``. :func:`render_heatmaps` draws an
unnormalised Gaussian ``exp(-d² / (2σ²))`` (peak 1) per keypoint, σ in *heatmap*
pixels (default :data:`DEFAULT_SIGMA` = 2, MMPose's ``TopDownGenerateTarget``
value for 64×48 heatmaps), and all zeros where a keypoint's confidence is 0.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

DEFAULT_SIGMA = 2.0

Size = tuple[int, int]  # (height, width)


def _as_tensor(x) -> torch.Tensor:
    t = torch.as_tensor(x)
    return t if t.is_floating_point() else t.float()


def _check_size(size: Sequence[int], what: str) -> Size:
    if len(size) != 2 or min(int(size[0]), int(size[1])) < 1:
        raise ValueError(f"{what} must be (height, width) with positive entries, got {tuple(size)}")
    return int(size[0]), int(size[1])


def rescale_coords(xy: torch.Tensor, from_size: Sequence[int], to_size: Sequence[int]) -> torch.Tensor:
    """Map pixel coordinates ``...×2`` (x, y) between two resolutions of one image (pixel centres align)."""
    (fh, fw), (th, tw) = _check_size(from_size, "from_size"), _check_size(to_size, "to_size")
    scale = xy.new_tensor([tw / fw, th / fh])
    return (xy + 0.5) * scale - 0.5


def render_heatmaps(
    keypoints,
    frame_size: Sequence[int],
    heatmap_size: Sequence[int] | None = None,
    sigma: float = DEFAULT_SIGMA,
    indices: Sequence[int] | None = None,
) -> torch.Tensor:
    """Gaussian heatmaps for keypoints.

    Args:
        keypoints: ``...×K×3`` (x, y in pixels of a ``frame_size`` image, confidence),
            e.g. ``T×133×3``; a tensor (gradients flow to x, y) or an array.
        frame_size: (H, W) of the image the coordinates refer to.
        heatmap_size: (h, w) of the output; default ``frame_size``.
        sigma: Gaussian standard deviation in heatmap pixels.
        indices: keypoints to render (e.g. ``layout.SIGN36``); default all K.

    Returns:
        float tensor ``...×K'×h×w`` in [0, 1], peak 1 at each keypoint with confidence
        > 0, all zeros for keypoints with confidence 0 (unknown).
    """
    kp = _as_tensor(keypoints)
    if kp.ndim < 2 or kp.shape[-1] != 3:
        raise ValueError(f"keypoints must be ...×K×3 (x, y, confidence), got shape {tuple(kp.shape)}")
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    frame_size = _check_size(frame_size, "frame_size")
    h, w = _check_size(heatmap_size, "heatmap_size") if heatmap_size is not None else frame_size
    if indices is not None:
        kp = kp[..., list(indices), :]
    xy = rescale_coords(kp[..., :2], frame_size, (h, w))
    ys = torch.arange(h, dtype=kp.dtype, device=kp.device)
    xs = torch.arange(w, dtype=kp.dtype, device=kp.device)
    # separable: exp(-(dx²+dy²)/2σ²) = exp(-dx²/2σ²)·exp(-dy²/2σ²)
    gx = torch.exp(-((xs - xy[..., 0:1]) ** 2) / (2 * sigma**2))  # ...×K×w
    gy = torch.exp(-((ys - xy[..., 1:2]) ** 2) / (2 * sigma**2))  # ...×K×h
    known = (kp[..., 2] > 0).to(kp.dtype)[..., None, None]
    return gy[..., :, None] * gx[..., None, :] * known


def _grids(h: int, w: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    ys, xs = torch.meshgrid(
        torch.arange(h, dtype=like.dtype, device=like.device),
        torch.arange(w, dtype=like.dtype, device=like.device),
        indexing="ij",
    )
    return xs.reshape(-1), ys.reshape(-1)


def soft_argmax(
    heatmaps: torch.Tensor,
    beta: float | None = None,
    frame_size: Sequence[int] | None = None,
) -> torch.Tensor:
    """Differentiable expected position of each heatmap.

    Args:
        heatmaps: ``...×K×h×w``.
        beta: ``None`` treats the positive part of each heatmap as a distribution
            (``relu(H) / sum relu(H)``), which recovers the centre of a rendered
            Gaussian exactly (up to clipping at the border); a float uses
            ``softmax(beta·H)`` instead, the usual choice for network outputs whose
            background is not exactly 0. Too small a beta lets the background pull the
            estimate toward the centre, too large a beta approaches the integer argmax
            (for peak-1 heatmaps of 64×64, beta ≈ 20 is within 0.25 px).
        frame_size: (H, W): return coordinates in pixels of that frame instead of
            heatmap pixels.

    Returns:
        ``...×K×2`` (x, y). An all-zero heatmap (unknown keypoint) gives (0, 0) in
        heatmap pixels when ``beta`` is None; use the confidence to mask it.
    """
    if heatmaps.ndim < 3:
        raise ValueError(f"heatmaps must be ...×K×h×w, got shape {tuple(heatmaps.shape)}")
    h, w = heatmaps.shape[-2:]
    flat = heatmaps.flatten(-2)
    if beta is None:
        p = flat.clamp(min=0)
        p = p / p.sum(-1, keepdim=True).clamp(min=torch.finfo(p.dtype).tiny)
    else:
        p = torch.softmax(flat * beta, dim=-1)
    xs, ys = _grids(h, w, flat)
    xy = torch.stack([(p * xs).sum(-1), (p * ys).sum(-1)], dim=-1)
    return rescale_coords(xy, (h, w), frame_size) if frame_size is not None else xy


def hard_argmax(heatmaps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Integer position of each heatmap's maximum and the maximum value.

    Returns:
        ``(xy, maxval)``: ``...×K×2`` float (heatmap pixels) and ``...×K``.
    """
    if heatmaps.ndim < 3:
        raise ValueError(f"heatmaps must be ...×K×h×w, got shape {tuple(heatmaps.shape)}")
    w = heatmaps.shape[-1]
    maxval, idx = heatmaps.flatten(-2).max(dim=-1)
    xy = torch.stack([idx % w, torch.div(idx, w, rounding_mode="floor")], dim=-1).to(heatmaps.dtype)
    return xy, maxval


def quarter_offset(heatmaps: torch.Tensor, xy: torch.Tensor) -> torch.Tensor:
    """MMPose's default refinement: move an argmax 0.25 px toward the higher neighbour.

    Applied per axis where the argmax is strictly inside ``1 < x < w-1`` and
    ``1 < y < h-1`` (MMPose 0.x ``keypoints_from_heatmaps``, ``post_process='default'``).
    """
    h, w = heatmaps.shape[-2:]
    px, py = xy[..., 0].long(), xy[..., 1].long()
    inside = (px > 1) & (px < w - 1) & (py > 1) & (py < h - 1)
    pxc, pyc = px.clamp(1, w - 2), py.clamp(1, h - 2)

    def at(dx: int, dy: int) -> torch.Tensor:
        flat_idx = ((pyc + dy) * w + (pxc + dx)).unsqueeze(-1)
        return heatmaps.flatten(-2).gather(-1, flat_idx).squeeze(-1)

    diff = torch.stack([at(1, 0) - at(-1, 0), at(0, 1) - at(0, -1)], dim=-1)
    return xy + torch.sign(diff) * 0.25 * inside.unsqueeze(-1).to(xy.dtype)


def local_soft_argmax(heatmaps: torch.Tensor, radius: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """Sub-pixel peak: the argmax refined by the centre of mass of ``relu(H)`` in a window around it.

    The window is ``(2·radius + 1)²`` pixels, clipped at the border. Robust to a
    noisy background (unlike a global soft-argmax) and finer than the quarter-pixel
    rule. Not differentiable w.r.t. the window's position. Returns
    ``(xy ...×K×2 in heatmap pixels, maxval ...×K)``.
    """
    h, w = heatmaps.shape[-2:]
    xy, maxval = hard_argmax(heatmaps)
    offsets = torch.arange(-radius, radius + 1, device=heatmaps.device)
    wx = (xy[..., 0:1].long() + offsets).clamp(0, w - 1)  # ...×K×n
    wy = (xy[..., 1:2].long() + offsets).clamp(0, h - 1)
    valid_x = (xy[..., 0:1] + offsets >= 0) & (xy[..., 0:1] + offsets <= w - 1)
    valid_y = (xy[..., 1:2] + offsets >= 0) & (xy[..., 1:2] + offsets <= h - 1)
    idx = (wy[..., :, None] * w + wx[..., None, :]).flatten(-2)  # ...×K×n²
    vals = heatmaps.flatten(-2).gather(-1, idx).clamp(min=0)
    vals = vals * (valid_y[..., :, None] & valid_x[..., None, :]).flatten(-2).to(vals.dtype)
    total = vals.sum(-1)
    n = len(offsets)
    gx = wx.to(vals.dtype)[..., None, :].expand(*wx.shape[:-1], n, n).flatten(-2)
    gy = wy.to(vals.dtype)[..., :, None].expand(*wy.shape[:-1], n, n).flatten(-2)
    safe = total.clamp(min=torch.finfo(vals.dtype).tiny)
    refined = torch.stack([(vals * gx).sum(-1) / safe, (vals * gy).sum(-1) / safe], dim=-1)
    return torch.where((total > 0).unsqueeze(-1), refined, xy), maxval


def keypoints_from_heatmaps(
    heatmaps: torch.Tensor,
    frame_size: Sequence[int] | None = None,
    method: str = "hard",
    beta: float | None = None,
) -> torch.Tensor:
    """Heatmaps ``...×K×h×w`` -> keypoints ``...×K×3`` (x, y, confidence).

    ``method``: ``"hard"`` = argmax + MMPose's quarter-pixel refinement,
    ``"local"`` = :func:`local_soft_argmax` (sub-pixel, robust to background),
    ``"soft"`` = :func:`soft_argmax` (differentiable). The
    confidence is the heatmap maximum clipped to [0, 1] (0 where the heatmap is
    nowhere positive). Coordinates are in pixels of ``frame_size`` when given.
    """
    hm_xy, maxval = hard_argmax(heatmaps)
    if method == "hard":
        xy = quarter_offset(heatmaps, hm_xy)
        if frame_size is not None:
            xy = rescale_coords(xy, heatmaps.shape[-2:], frame_size)
    elif method == "local":
        xy = local_soft_argmax(heatmaps)[0]
        if frame_size is not None:
            xy = rescale_coords(xy, heatmaps.shape[-2:], frame_size)
    elif method == "soft":
        xy = soft_argmax(heatmaps, beta=beta, frame_size=frame_size)
    else:
        raise ValueError(f"method must be 'hard', 'local' or 'soft', got {method!r}")
    return torch.cat([xy, maxval.clamp(0, 1).unsqueeze(-1)], dim=-1)


def resize_heatmaps(heatmaps: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Bilinear resize of ``B×K×h×w`` heatmaps to ``size`` (pixel centres aligned, differentiable)."""
    return F.interpolate(heatmaps, size=_check_size(size, "size"), mode="bilinear", align_corners=False)
