"""Config checks the FOMM-family methods share: the perceptual-loss settings (TPSMM, MRAA, PGMM;
baselines/common/loss_config.py) and the resolution rules' common behaviour (TPSMM, MRAA)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from baselines.mraa.config import MRAAConfig, MRAAModelConfig
from baselines.mraa.config import check_resolution as check_resolution_mraa
from baselines.mraa.config import validate as validate_mraa
from baselines.mraa.model import MRAA
from baselines.tpsmm.config import TPSMMConfig, TPSMMModelConfig
from baselines.tpsmm.config import check_resolution as check_resolution_tpsmm
from baselines.tpsmm.config import validate as validate_tpsmm
from baselines.tpsmm.model import TPSMM
from pgmm.config import PGMMConfig
from pgmm.config import validate as validate_pgmm
from slvg_bench.errors import UsageError
from tests.baselines import mraa_helpers, tpsmm_helpers

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


RESOLUTION = {"tpsmm": (TPSMMModelConfig, check_resolution_tpsmm, validate_tpsmm, TPSMM, tpsmm_helpers),
              "mraa": (MRAAModelConfig, check_resolution_mraa, validate_mraa, MRAA, mraa_helpers)}


@pytest.mark.parametrize("method", sorted(RESOLUTION))
def test_resolution_rules_give_clear_errors(method):
    model_config_cls, check_resolution, validate, model_cls, helpers = RESOLUTION[method]
    official = model_config_cls()  # 0.25 × 5 hourglass blocks (TPSMM: and 3 down blocks) -> multiples of 128
    check_resolution(official, 128, 384)
    with pytest.raises(UsageError, match=rf"^{method}: .*multiples of 128"):
        check_resolution(official, 100, 128)
    cfg = helpers.tiny_config()
    cfg.model.image_size = (48, 64)
    with pytest.raises(UsageError, match=rf"^{method}: model\.image_size 48×64"):
        validate(cfg)
    with pytest.raises(UsageError, match="multiples of 32"):
        model_cls(helpers.tiny_model_config()).check_input(torch.zeros(1, 3, 40, 64))
