"""DynaST attention: dense attention with learned pruning, and dynamic sparse attention over candidates.

Shapes: queries ``B×C×H×W`` (N = H·W positions), keys/values ``B×C×Hk×Wk``
(M positions). Every query attends to keys with

    logits = (Q · K) / smooth,   attn = softmax(logits),   mask = step(prune score)
    out = Σ mask·attn·V,         conf = Σ mask·attn

where ``step`` is a hard 0/1 threshold (> 0) whose backward is the sigmoid's
derivative (a straight-through estimator). The dense level uses every key and
divides the prune score by its channel count; the sparse levels only look at
``K`` candidate keys per query, given as an index tensor ``B×N×K`` into the
key grid, which is how both of DynaST's sparse schemes are expressed here:

- inter-scale (first block of a finer level): the candidates of a query are the
  2×2 children of its parent query's top-k keys at the coarser level (4k
  candidates, in parent-rank-major, child-minor order);
- inner-scale (later blocks): the query's own top-k plus the top-k of its four
  neighbours shifted one pixel towards it (5k candidates; duplicates are kept
  and count twice in the softmax, as in the official code).

After a sparse block, the next top-k list is the k best candidates by the
*unmasked* attention. Optionally every function also "warps" a second value
tensor (the reference image) with ``softmax(logits with the kept positions set to -1e4)``,
which is what the official training code does for its warp-self loss.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch


class _StepWithSigmoidGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        s = torch.sigmoid(x)
        ctx.save_for_backward(s)
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s * (1 - s)


def hard_mask(score: torch.Tensor) -> torch.Tensor:
    """1 where ``score > 0`` else 0; gradient ``σ(score)(1 - σ(score))``."""
    return _StepWithSigmoidGrad.apply(score)


class AttentionResult(NamedTuple):
    output: torch.Tensor  # B×Cv×H×W
    conf: torch.Tensor  # B×1×H×W, Σ of the kept attention
    attn: torch.Tensor  # B×N×K (sparse) or B×N×M (dense): softmax before masking
    logits: torch.Tensor  # same shape: (Q·K) / smooth
    warped: Optional[torch.Tensor]  # B×C2×H×W or None


def dense_attention(
    q: torch.Tensor, k: torch.Tensor, q_prune: torch.Tensor, k_prune: torch.Tensor, v: torch.Tensor,
    smooth: Optional[float] = None, v2: Optional[torch.Tensor] = None,
) -> AttentionResult:
    """Attention over all keys (DynaST's coarsest level). ``smooth`` defaults to ``sqrt(C_qk)``."""
    b, c, h, w = q.shape
    qf = q.flatten(2).transpose(1, 2)  # B×N×C
    kf = k.flatten(2)  # B×C×M
    vf = v.flatten(2).transpose(1, 2)  # B×M×Cv
    kp = k_prune.flatten(2)
    score = torch.bmm(q_prune.flatten(2).transpose(1, 2), kp) / kp.shape[1]
    mask = hard_mask(score)
    logits = torch.bmm(qf, kf) / (c**0.5 if smooth is None else smooth)
    attn = torch.softmax(logits, dim=-1)
    kept = attn * mask
    output = torch.bmm(kept, vf).transpose(1, 2).reshape(b, -1, h, w)
    conf = kept.sum(-1).view(b, 1, h, w)
    warped = None
    if v2 is not None:
        warp_attn = torch.softmax(logits.masked_fill(mask.bool(), -1e4), dim=-1)
        warped = torch.bmm(warp_attn, v2.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, -1, h, w)
    return AttentionResult(output, conf, attn, logits, warped)


def _gather_positions(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``x``: B×C×Hk×Wk, ``idx``: B×N×K (flat key positions) -> B×N×K×C."""
    b, c = x.shape[:2]
    flat = x.flatten(2).transpose(1, 2)  # B×M×C
    n, kk = idx.shape[1:]
    return torch.gather(flat, 1, idx.reshape(b, n * kk, 1).expand(-1, -1, c)).view(b, n, kk, c)


def sparse_attention(
    q: torch.Tensor, k: torch.Tensor, q_prune: torch.Tensor, k_prune: torch.Tensor, v: torch.Tensor,
    candidates: torch.Tensor, smooth: float, prune_scale: float = 1.0, v2: Optional[torch.Tensor] = None,
) -> AttentionResult:
    """Attention of every query over its own candidate keys.

    Args:
        q, q_prune: ``B×C×H×W`` / ``B×P×H×W`` query features and prune features.
        k, k_prune, v: key features ``B×C×Hk×Wk``, key prune features, values ``B×Cv×Hk×Wk``.
        candidates: ``B×N×K`` int64 flat key positions (N = H·W, row-major query order).
        smooth: softmax temperature (logits are divided by it).
        prune_scale: the prune score is multiplied by it (1 at the sparse levels).
        v2: optional second values to warp (``B×C2×Hk×Wk``).
    """
    b, c, h, w = q.shape
    qf = q.flatten(2).transpose(1, 2).unsqueeze(-1)  # B×N×C×1
    kc = _gather_positions(k, candidates)  # B×N×K×C
    logits = torch.matmul(kc, qf).squeeze(-1) / smooth  # B×N×K
    qp = q_prune.flatten(2).transpose(1, 2).unsqueeze(-1)
    score = torch.matmul(_gather_positions(k_prune, candidates), qp).squeeze(-1)
    mask = hard_mask(score * prune_scale if prune_scale != 1.0 else score)
    attn = torch.softmax(logits, dim=-1)
    kept = attn * mask
    vc = _gather_positions(v, candidates)  # B×N×K×Cv
    output = torch.matmul(kept.unsqueeze(-2), vc).squeeze(-2).transpose(1, 2).reshape(b, -1, h, w)
    conf = kept.sum(-1).view(b, 1, h, w)
    warped = None
    if v2 is not None:
        warp_attn = torch.softmax(logits.masked_fill(mask.bool(), -1e4), dim=-1)
        v2c = _gather_positions(v2, candidates)
        warped = torch.matmul(warp_attn.unsqueeze(-2), v2c).squeeze(-2).transpose(1, 2).reshape(b, -1, h, w)
    return AttentionResult(output, conf, attn, logits, warped)


def inter_scale_candidates(prev_top_k: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Candidates at a level of size ``height×width`` from the coarser level's top-k list.

    Args:
        prev_top_k: ``B×(H/2·W/2)×k`` flat positions on the ``H/2×W/2`` key grid, one row per coarse query.

    Returns:
        ``B×(H·W)×4k``: for every fine query, the 2×2 children of its parent's top-k keys,
        ordered [(2y,2x), (2y,2x+1), (2y+1,2x), (2y+1,2x+1)] within each parent key.
    """
    b, _, top_k = prev_top_k.shape
    hc, wc = height // 2, width // 2
    py, px = prev_top_k // wc, prev_top_k % wc
    children = torch.stack(
        [(2 * py) * width + 2 * px, (2 * py) * width + 2 * px + 1,
         (2 * py + 1) * width + 2 * px, (2 * py + 1) * width + 2 * px + 1], dim=-1,
    ).reshape(b, hc, wc, 4 * top_k)  # fmt: skip
    # every fine query (y, x) inherits the list of its parent (y // 2, x // 2)
    return children.repeat_interleave(2, dim=1).repeat_interleave(2, dim=2).reshape(b, height * width, 4 * top_k)


def inner_scale_candidates(prev_top_k: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Candidates from the same level's top-k list: own + 4 neighbours' lists shifted towards the query.

    Args:
        prev_top_k: ``B×(H·W)×k`` flat positions on the ``H×W`` key grid.

    Returns:
        ``B×(H·W)×5k``: [own, from above (+1 row), from below (-1 row), from the left (+1 col),
        from the right (-1 col)], each neighbour taken with replicate padding and each shifted
        position clipped to the grid.
    """
    b, _, top_k = prev_top_k.shape
    grid = prev_top_k.view(b, height, width, top_k)
    ky, kx = grid // width, grid % width

    def neighbour(t: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
        # value at (y + dy, x + dx), clamped to the grid (replicate padding)
        ys = (torch.arange(height, device=t.device) + dy).clamp(0, height - 1)
        xs = (torch.arange(width, device=t.device) + dx).clamp(0, width - 1)
        return t[:, ys][:, :, xs]

    up_y, up_x = neighbour(ky, -1, 0), neighbour(kx, -1, 0)
    down_y, down_x = neighbour(ky, 1, 0), neighbour(kx, 1, 0)
    left_y, left_x = neighbour(ky, 0, -1), neighbour(kx, 0, -1)
    right_y, right_x = neighbour(ky, 0, 1), neighbour(kx, 0, 1)
    cands = torch.cat(
        [grid,
         (up_y + 1).clamp(max=height - 1) * width + up_x,
         (down_y - 1).clamp(min=0) * width + down_x,
         left_y * width + (left_x + 1).clamp(max=width - 1),
         right_y * width + (right_x - 1).clamp(min=0)], dim=-1,
    )  # fmt: skip
    return cands.reshape(b, height * width, 5 * top_k)


def select_top_k(attn: torch.Tensor, candidates: torch.Tensor, top_k: int) -> torch.Tensor:
    """The ``top_k`` candidates with the largest attention: ``B×N×top_k`` flat key positions."""
    return torch.gather(candidates, -1, torch.topk(attn, top_k, dim=-1).indices)
