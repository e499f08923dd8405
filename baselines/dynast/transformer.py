"""DynaST transformer blocks: the dense block (coarsest level) and the dynamic sparse block (finer levels).

A block takes the query features ``q`` (``B×C×H×W``), the key/value features
``kv`` (the exemplar's), a positional embedding ``pos`` (``1×Cpos×H×W``) and the
conditioning pose map. Queries and keys are ``cat(L2-normalised features, pos)``
projected by 1×1 convs ``f``/``g`` (values: ``h`` on the raw ``kv``), prune
features by ``f_prune``/``g_prune``. The block output is

    res_block(PN(attn_out + (1 - conf) · spade(q, pose) + q))

so positions whose attention was pruned away fall back on the SPADE-modulated query.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch
from torch import nn

from baselines.dynast.attention import (
    AttentionResult,
    dense_attention,
    inner_scale_candidates,
    inter_scale_candidates,
    select_top_k,
    sparse_attention,
)
from baselines.dynast.layers import SPADE, ResidualBlock, feature_normalize, positional_norm


class BlockOutput(NamedTuple):
    out: torch.Tensor  # B×C×H×W
    attention: AttentionResult
    top_k: Optional[torch.Tensor]  # B×N×k flat key positions for the next block (None when not needed)


class _AttentionBlockBase(nn.Module):
    def __init__(self, dim_qk: int, dim_v: int, dim_prune: int, cond_channels: int):
        super().__init__()
        self.f = nn.Conv2d(dim_qk, dim_qk, 1)
        self.g = nn.Conv2d(dim_qk, dim_qk, 1)
        self.h = nn.Conv2d(dim_v, dim_v, 1)
        self.f_prune = nn.Conv2d(dim_qk, dim_prune, 1)
        self.g_prune = nn.Conv2d(dim_qk, dim_prune, 1)
        self.spade = SPADE(dim_v, cond_channels)
        self.res_block = ResidualBlock(dim_v)

    def _project(self, q: torch.Tensor, kv: torch.Tensor, pos: torch.Tensor):
        pos = pos.expand(q.shape[0], -1, -1, -1)
        query = torch.cat([feature_normalize(q), pos], dim=1)
        key = torch.cat([feature_normalize(kv), pos.expand(kv.shape[0], -1, -1, -1)], dim=1)
        return self.f(query), self.g(key), self.f_prune(query), self.g_prune(key), self.h(kv)

    def _fuse(self, q: torch.Tensor, cond: torch.Tensor, att: AttentionResult) -> torch.Tensor:
        y = positional_norm(att.output + (1 - att.conf) * self.spade(q, cond) + q)
        return self.res_block(y)


class DynamicTransformerBlock(_AttentionBlockBase):
    """Dense attention over every key, softmax temperature ``sqrt(dim_qk)``, prune score / its width."""

    def forward(
        self, q: torch.Tensor, kv: torch.Tensor, pos: torch.Tensor, cond: torch.Tensor,
        warp_source: Optional[torch.Tensor] = None,
    ) -> BlockOutput:
        fq, gk, fp, gp, hv = self._project(q, kv, pos)
        att = dense_attention(fq, gk, fp, gp, hv, None, warp_source)
        return BlockOutput(self._fuse(q, cond, att), att, None)


class DynamicSparseTransformerBlock(_AttentionBlockBase):
    """Attention over candidate keys (inter-scale: from the coarser level's top-k; inner-scale: same level)."""

    def __init__(self, dim_qk: int, dim_v: int, dim_prune: int, cond_channels: int, smooth: float, inter_scale: bool):
        super().__init__(dim_qk, dim_v, dim_prune, cond_channels)
        self.smooth = smooth
        self.inter_scale = inter_scale

    def candidates(self, prev_top_k: torch.Tensor, height: int, width: int) -> torch.Tensor:
        build = inter_scale_candidates if self.inter_scale else inner_scale_candidates
        return build(prev_top_k, height, width)

    def forward(
        self, q: torch.Tensor, kv: torch.Tensor, pos: torch.Tensor, cond: torch.Tensor, prev_top_k: torch.Tensor,
        top_k: int, warp_source: Optional[torch.Tensor] = None, need_top_k: bool = True,
    ) -> BlockOutput:
        fq, gk, fp, gp, hv = self._project(q, kv, pos)
        cands = self.candidates(prev_top_k, q.shape[2], q.shape[3])
        att = sparse_attention(fq, gk, fp, gp, hv, cands, self.smooth, 1.0, warp_source)
        next_top_k = select_top_k(att.attn, cands, top_k) if need_top_k else None
        return BlockOutput(self._fuse(q, cond, att), att, next_top_k)
