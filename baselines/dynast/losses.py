"""DynaST training losses (all on images in [-1, 1]; each returns an unweighted scalar).

- :func:`hinge_d` / :func:`hinge_g`: hinge GAN on the final patch scores of every
  discriminator scale, averaged over scales (official ``GANLoss('hinge')``).
- :func:`discriminator_feature_matching`: Σ_scales Σ_stages L1(fake, real.detach()) / num_scales,
  over every stage but the last.
- :func:`vgg_feature_matching`: Σ_i λ_i · L1(φ_i(fake), φ_i(real)) with λ = 1/32, 1/16, 1/8, 1/4, 1
  on relu1_2 … relu5_2.
- :func:`warp_self`: Σ over the warped references of L1(warp, avg_pool(real)).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

VGG_LAYER_WEIGHTS = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0)


def hinge_d(pred_fake: Sequence[Sequence[torch.Tensor]], pred_real: Sequence[Sequence[torch.Tensor]]):
    """``(loss_fake, loss_real)`` = mean over scales of ``mean(relu(1 + D(fake)))`` and ``mean(relu(1 - D(real)))``."""
    fake = sum(F.relu(1 + p[-1]).mean() for p in pred_fake) / len(pred_fake)
    real = sum(F.relu(1 - p[-1]).mean() for p in pred_real) / len(pred_real)
    return fake, real


def hinge_g(pred_fake: Sequence[Sequence[torch.Tensor]]) -> torch.Tensor:
    """``-mean D(fake)``, averaged over scales."""
    return sum(-p[-1].mean() for p in pred_fake) / len(pred_fake)


def discriminator_feature_matching(pred_fake, pred_real) -> torch.Tensor:
    total = 0.0
    for fake, real in zip(pred_fake, pred_real):
        for f, r in zip(fake[:-1], real[:-1]):
            total = total + F.l1_loss(f, r.detach())
    return total / len(pred_fake)


def vgg_feature_matching(fake_feats: Sequence[torch.Tensor], real_feats: Sequence[torch.Tensor]) -> torch.Tensor:
    return sum(w * F.l1_loss(f, r.detach()) for w, f, r in zip(VGG_LAYER_WEIGHTS, fake_feats, real_feats))


def warp_self(warps: Sequence[torch.Tensor], real: torch.Tensor) -> torch.Tensor:
    total = 0.0
    for warp in warps:
        factor = real.shape[-1] // warp.shape[-1]
        target = F.avg_pool2d(real, factor, stride=factor) if factor > 1 else real
        total = total + F.l1_loss(warp, target)
    return total


def blend_selection(logit: torch.Tensor, generated: torch.Tensor, base: torch.Tensor,
                    target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the blend mask's ``logit`` (``B×1×S×S``) towards the per-pixel choice
    ``|generated − target| < |base − target|`` (channel means; images ``B×3×S×S`` in [-1, 1]; the choice
    is detached: the term moves the mask, and through it the features the mask head reads, never the two
    images)."""
    with torch.no_grad():
        choose = ((generated - target).abs().mean(1, keepdim=True) < (base - target).abs().mean(1, keepdim=True))
    return F.binary_cross_entropy_with_logits(logit.float(), choose.float())
