"""The DynaST generator: exemplar + target pose map -> image, coarse to fine over four levels.

Levels: L4 = 1/8 of the crop (dense attention), L3 = 1/4, L2 = 1/2, L1 = full
(dynamic sparse attention). Widths with ``ngf``/``max_multi``: ``C_L = ngf ·
min(max_multi, 8/4/2/1)``; attention width ``(ngf + pos_dim) · m``; prune
width ``prune_dim · m``. Inputs and output are images in [-1, 1] and pose maps
in [0, 1]; the exemplar branch (``encoder_kv`` and the ``*_kv*`` modules) does
not depend on the target pose, so :meth:`DynaSTGenerator.encode_exemplar` can
run once per exemplar and be shared by many targets.

``forward(..., trace=dict)`` records named intermediates (the names of the
official-code parity fixture: ``enc_q.feat_L4``, ``L3.block0.attn_output``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F
from torch import nn

from baselines.dynast.layers import FeatureEncoder, SPADEResnetBlock, conv3x3, init_dynast_weights, up_block
from baselines.dynast.transformer import DynamicSparseTransformerBlock, DynamicTransformerBlock


@dataclass
class GeneratorConfig:
    """Architecture options (official names). The official DeepFashion model: crop 256, ngf 64."""

    crop_size: int = 128
    ngf: int = 64
    max_multi: int = 8
    n_layers: int = 2  # attention blocks per level (the released model uses 2)
    top_k: int = 4
    smooth: float = 0.01  # softmax temperature of the sparse levels
    pos_dim: int = 16
    prune_dim: int = 16
    # Not in DynaST: blend the output with an image of the exemplar through a learned mask,
    # ``m·G + (1 − m)·E`` (TPSMM/PGMM end the same way with their warped source). "none" = official;
    # "exemplar": E = the exemplar image as it is; "warped": E = the exemplar warped by the last
    # full-resolution attention block. The mask head's bias starts at ``blend_init_bias`` (−3: m ≈ 0.05,
    # so an untrained model starts close to E).
    output_blend: str = "none"
    blend_init_bias: float = -3.0


OUTPUT_BLENDS = ("none", "exemplar", "warped")


class Exemplar(NamedTuple):
    """Exemplar features per level (coarsest first) and the exemplar image, batch B or 1."""

    kv: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]  # kv4, kv3, kv2, kv1
    image: torch.Tensor  # B×3×S×S in [-1, 1]


class DynaSTGenerator(nn.Module):
    """Official attribute tree (``encoder_q``, ``embed_q4``, ``transformer_3.0``, ``decoder_10``, ...)."""

    def __init__(self, cfg: GeneratorConfig, semantic_nc: int):
        super().__init__()
        if cfg.crop_size % 8:
            raise ValueError(f"crop_size must be a multiple of 8, got {cfg.crop_size}")
        self.cfg = cfg
        self.semantic_nc = semantic_nc
        ngf, mm, sc = cfg.ngf, cfg.max_multi, semantic_nc
        width = {lvl: ngf * min(mm, m) for lvl, m in ((4, 8), (3, 4), (2, 2), (1, 1))}
        mult = {lvl: min(mm, m) for lvl, m in ((4, 8), (3, 4), (2, 2), (1, 1))}
        qk = {lvl: (ngf + cfg.pos_dim) * mult[lvl] for lvl in mult}
        prune = {lvl: cfg.prune_dim * mult[lvl] for lvl in mult}

        self.encoder_q = FeatureEncoder(sc, ngf, mm)
        self.encoder_kv = FeatureEncoder(sc + 3, ngf, mm)
        self.pos_embed = nn.Parameter(torch.randn(1, cfg.pos_dim * mult[4], cfg.crop_size // 8, cfg.crop_size // 8))
        self.embed_q4 = SPADEResnetBlock(width[4], sc)
        self.embed_kv4 = SPADEResnetBlock(width[4], sc + 3)
        self.transformer_4 = nn.ModuleList(
            DynamicTransformerBlock(qk[4], width[4], prune[4], sc) for _ in range(cfg.n_layers)
        )
        for hi, lo in ((4, 3), (3, 2), (2, 1)):
            tag = f"{hi}{lo}"
            setattr(self, f"decoder_{tag}", up_block(width[hi], width[lo], nn.ReLU()))
            setattr(self, f"decoder_q{tag}", up_block(width[hi], width[lo], nn.ReLU()))
            setattr(self, f"decoder_kv{tag}", up_block(width[hi], width[lo], nn.ReLU()))
            setattr(self, f"pos_{tag}", up_block(cfg.pos_dim * mult[hi], cfg.pos_dim * mult[lo], nn.LeakyReLU(0.01)))
            setattr(self, f"embed_q{lo}", SPADEResnetBlock(width[lo], sc))
            setattr(self, f"embed_kv{lo}", SPADEResnetBlock(width[lo], sc + 3))
            setattr(self, f"transformer_{lo}", nn.ModuleList(
                DynamicSparseTransformerBlock(qk[lo], width[lo], prune[lo], sc, cfg.smooth, inter_scale=i == 0)
                for i in range(cfg.n_layers)
            ))  # fmt: skip
            if lo > 1:  # the official model also builds an embed_1, but its forward never uses it
                setattr(self, f"embed_{lo}", SPADEResnetBlock(width[lo], sc))
        self.decoder_10 = nn.Sequential(conv3x3(width[1], 3), nn.Tanh())
        if cfg.output_blend not in OUTPUT_BLENDS:
            raise ValueError(f"output_blend must be one of {', '.join(OUTPUT_BLENDS)}, got {cfg.output_blend!r}")
        if cfg.output_blend != "none":
            self.blend_head = conv3x3(width[1], 1)
        init_dynast_weights(self)
        if cfg.output_blend != "none":
            nn.init.constant_(self.blend_head.bias, cfg.blend_init_bias)

    # ------------------------------------------------------------------ exemplar branch

    def encode_exemplar(self, ref_img: torch.Tensor, ref_seg: torch.Tensor) -> Exemplar:
        """Exemplar features at every level; ``ref_img`` ``B×3×S×S`` in [-1, 1], ``ref_seg`` ``B×C×S×S``."""
        ref_input = torch.cat([ref_img, ref_seg], dim=1)
        e4, e3, e2, e1 = self.encoder_kv(ref_input)
        kv4 = self.embed_kv4(e4, ref_input)
        kv3 = self.embed_kv3(self.decoder_kv43(kv4) + e3, ref_input)
        kv2 = self.embed_kv2(self.decoder_kv32(kv3) + e2, ref_input)
        kv1 = self.embed_kv1(self.decoder_kv21(kv2) + e1, ref_input)
        return Exemplar((kv4, kv3, kv2, kv1), ref_img)

    # ------------------------------------------------------------------ full pass

    def forward(
        self, ref_img: torch.Tensor, seg: torch.Tensor, ref_seg: Optional[torch.Tensor] = None, *,
        exemplar: Optional[Exemplar] = None, with_warps: bool = False, trace: Optional[dict] = None,
    ) -> dict:
        """Generate images.

        Args:
            ref_img: exemplar ``B×3×S×S`` in [-1, 1] (may be batch 1 when ``exemplar`` is given).
            seg: target pose maps ``B×C×S×S`` in [0, 1].
            ref_seg: exemplar pose maps (unused when ``exemplar`` is given).
            exemplar: precomputed :meth:`encode_exemplar` output (batch B or 1).
            with_warps: also return the 8 (2 per level) warped references of the training loss.
            trace: dict to fill with named intermediates (parity checks).

        Returns:
            ``{"fake": B×3×S×S in [-1, 1], "warps": list of B×3×s×s (only with_warps),
            and with an output blend: "blend_mask" B×1×S×S in [0, 1] (the weight of the generated image),
            "blend_logit" (its logit), "generated" (the image before the blend) and "blend_base" (the
            image it is blended with), all B×…×S×S}``.
        """
        rec = trace if trace is not None else {}
        record = trace is not None
        b = seg.shape[0]
        top_k = self.cfg.top_k
        if exemplar is None:
            if ref_seg is None:
                raise ValueError("either ref_seg or exemplar must be given")
            ref_input = torch.cat([ref_img, ref_seg], dim=1)
            feats_kv = self.encoder_kv(ref_input)
        q_feats = self.encoder_q(seg)
        if record:
            for i, lvl in enumerate((4, 3, 2, 1)):
                rec[f"enc_q.feat_L{lvl}"] = q_feats[i]
                if exemplar is None:
                    rec[f"enc_kv.feat_L{lvl}"] = feats_kv[i]
        image = ref_img if exemplar is None else exemplar.image
        if image.shape[0] != b:
            image = image.expand(b, -1, -1, -1)
        warps: list[torch.Tensor] = []
        blend = self.cfg.output_blend
        final_warp: Optional[torch.Tensor] = None

        def warp_source(level: int) -> Optional[torch.Tensor]:
            if not with_warps:
                return None
            factor = 2 ** (level - 1)
            return F.avg_pool2d(image, factor, stride=factor) if factor > 1 else image

        def kv_at(level: int, prev_kv: Optional[torch.Tensor]) -> torch.Tensor:
            if exemplar is not None:
                kv = exemplar.kv[4 - level]
            elif level == 4:
                kv = self.embed_kv4(feats_kv[0], ref_input)
            else:
                up = getattr(self, f"decoder_kv{level + 1}{level}")(prev_kv)
                if record:
                    rec[f"L{level}.kv_up"] = up
                kv = getattr(self, f"embed_kv{level}")(up + feats_kv[4 - level], ref_input)
            if record:
                rec[f"L{level}.kv"] = kv
            return kv

        # level 4: dense attention
        q = self.embed_q4(q_feats[0], seg)
        kv = kv_at(4, None)
        kv_b = kv.expand(b, -1, -1, -1) if kv.shape[0] != b else kv
        if record:
            rec["L4.q"] = q
        pos = self.pos_embed
        x = q
        for i, block in enumerate(self.transformer_4):
            res = block(x, kv_b, pos, seg, warp_source(4))
            x = res.out
            self._record_block(rec, record, f"L4.block{i}", res, dense=True)
            if with_warps:
                warps.append(res.attention.warped)
        prev_top_k = torch.topk(res.attention.logits, top_k, dim=-1).indices

        # levels 3, 2, 1: sparse attention, then fusion with the upsampled running image features
        for level in (3, 2, 1):
            tag = f"{level + 1}{level}"
            x_up = getattr(self, f"decoder_{tag}")(x)
            q_up = getattr(self, f"decoder_q{tag}")(q)
            q = getattr(self, f"embed_q{level}")(q_up + q_feats[4 - level], seg)
            kv = kv_at(level, kv)
            kv_b = kv.expand(b, -1, -1, -1) if kv.shape[0] != b else kv
            pos = getattr(self, f"pos_{tag}")(pos)
            if record:
                rec.update({f"L{level}.x_up": x_up, f"L{level}.q_up": q_up, f"L{level}.q": q, f"L{level}.pos": pos})
            t = q
            for i, block in enumerate(getattr(self, f"transformer_{level}")):
                last = level == 1 and i == len(self.transformer_1) - 1
                if record:
                    rec[f"L{level}.block{i}.prev_top_k_idx"] = prev_top_k
                v2 = warp_source(level)
                if last and blend == "warped" and v2 is None:
                    v2 = image
                res = block(t, kv_b, pos, seg, prev_top_k, top_k, v2, need_top_k=not last)
                if last and blend == "warped":
                    final_warp = res.attention.warped
                t, prev_top_k = res.out, res.top_k
                self._record_block(rec, record, f"L{level}.block{i}", res, dense=False)
                if with_warps:
                    warps.append(res.attention.warped)
            # the official model fuses the last level with embed_q1 (embed_1 is never used)
            fuse = self.embed_q1 if level == 1 else getattr(self, f"embed_{level}")
            x = fuse(x_up + t, seg)
            if record:
                rec[f"L{level}.fused" if level > 1 else "L1.fused_via_embed_q1"] = x
        pre = self.decoder_10[0](x)
        fake = generated = self.decoder_10[1](pre)
        mask = None
        if blend != "none":
            logit = self.blend_head(x)
            mask = torch.sigmoid(logit)
            base = image if blend == "exemplar" else final_warp
            fake = mask * generated + (1 - mask) * base
        if record:
            rec["final.pre_tanh"] = pre
            rec["fake_image"] = fake
            if mask is not None:
                rec["fake_image_unblended"] = generated
            for i, w in enumerate(warps):
                rec[f"warp_out.{i}"] = w
        out = {"fake": fake}
        if mask is not None:
            out.update(blend_mask=mask, blend_logit=logit, generated=generated, blend_base=base)
        if with_warps:
            out["warps"] = warps
        return out

    @staticmethod
    def _record_block(rec: dict, record: bool, name: str, res, dense: bool) -> None:
        if not record:
            return
        rec[f"{name}.attn_output"] = res.attention.output
        rec[f"{name}.conf"] = res.attention.conf
        rec[f"{name}.out"] = res.out
        if dense:
            rec[f"{name}.cor_map"] = res.attention.logits
        elif res.top_k is not None:
            rec[f"{name}.next_top_k_idx"] = res.top_k
