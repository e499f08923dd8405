"""The perceptual-loss checks shared by the TPSMM, MRAA and PGMM configs (baselines/common/loss_config.py)."""

from __future__ import annotations

import dataclasses

import pytest

from baselines.mraa.config import MRAAConfig
from baselines.mraa.config import validate as validate_mraa
from baselines.tpsmm.config import TPSMMConfig
from baselines.tpsmm.config import validate as validate_tpsmm
from pgmm.config import PGMMConfig
from pgmm.config import validate as validate_pgmm
from slvg_bench.errors import UsageError

METHODS = {"tpsmm": (TPSMMConfig, validate_tpsmm), "mraa": (MRAAConfig, validate_mraa),
           "pgmm": (PGMMConfig, validate_pgmm)}


def _with_loss(cls, **changes):
    cfg = cls()
    return dataclasses.replace(cfg, loss=dataclasses.replace(cfg.loss, **changes))


@pytest.mark.parametrize("method", sorted(METHODS))
def test_perceptual_loss_checks_name_the_method(method):
    cls, validate = METHODS[method]
    validate(cls())
    with pytest.raises(UsageError, match=rf"^{method}: loss\.perceptual needs 5 layer weights"):
        validate(_with_loss(cls, perceptual=(1.0, 1.0)))
    smallest = min(cls().model.image_size) // 32
    with pytest.raises(UsageError, match=rf"^{method}: loss\.scales .* give a {smallest}-pixel pyramid level"):
        validate(_with_loss(cls, scales=(1, 1 / 32)))
    validate(_with_loss(cls, scales=(1, 1 / 32), perceptual=(0.0,) * 5))  # no perceptual loss: any pyramid
    with pytest.raises(UsageError, match=rf"^{method}: loss\.perceptual_weights must be imagenet, random or auto"):
        validate(_with_loss(cls, perceptual_weights="vgg"))
