"""Every PGMM preset resolves as ``train`` resolves it, and the Table 4 schedule is the same for every row."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pgmm.config import VARIANTS, validate, variant_switches
from slvg_bench.training import resolve_config

PGMM_CONFIGS = Path(__file__).resolve().parents[2] / "pgmm" / "configs"
DATASETS = ("csl", "lsa64", "phoenix", "synthsign", "wlasl")


def _dataset_and_preset(path: Path) -> tuple[str, str | None]:
    for dataset in DATASETS:
        if path.stem == dataset:
            return dataset, None
        if path.stem.startswith(dataset + "-"):
            return dataset, path.stem[len(dataset) + 1:]
    raise AssertionError(f"{path.name}: not named <dataset>[-<preset>].yaml")


@pytest.mark.parametrize("path", sorted(PGMM_CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_pgmm_preset_resolves_and_validates(path):
    dataset, preset = _dataset_and_preset(path)
    cfg = validate(resolve_config("pgmm", dataset, preset=preset).config)
    assert cfg.model.variant in VARIANTS
    if preset is None and dataset != "synthsign":  # the paper-recipe configs: the full model at 128²
        assert cfg.model.variant == "full" and tuple(cfg.model.image_size) == (128, 128)


def _schedule(cfg) -> dict:
    train = dataclasses.asdict(cfg.train)
    return {k: train[k] for k in ("epochs", "lr", "milestones", "batch_size", "pairs_per_video")}


STAGES = ("table4", "table4-ft")


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "baseline"])
def test_table4_rows_share_one_schedule_and_differ_only_in_the_variant(variant, stage):
    base = resolve_config("pgmm", "synthsign", preset=stage).config
    row = validate(resolve_config("pgmm", "synthsign", preset=stage, overrides=[f"model.variant={variant}"]).config)
    assert variant_switches(row.model) == VARIANTS[variant]
    assert _schedule(row) == _schedule(base)
    assert dataclasses.replace(row.model, variant=base.model.variant) == base.model
    assert row.loss == base.loss  # the variant switches L_pd / L_align on, their weights stay the same


def test_table4_blend_prior_comes_in_the_second_stage_only():
    first = resolve_config("pgmm", "synthsign", preset="table4").config
    second = resolve_config("pgmm", "synthsign", preset="table4-ft").config
    assert first.loss.occlusion_sparsity == 0 and second.loss.occlusion_sparsity > 0
    assert first.train.init_from is None and second.train.init_from == "preset:table4"
    assert second.model == first.model and second.train.lr < first.train.lr


@pytest.mark.parametrize("stage", STAGES)
def test_table4_baseline_is_tpsmm_with_the_same_schedule_and_widths(stage):
    pgmm = resolve_config("pgmm", "synthsign", preset=stage).config
    tpsmm = resolve_config("tpsmm", "synthsign", preset=stage).config
    assert _schedule(tpsmm) == _schedule(pgmm) and tpsmm.train.init_from == pgmm.train.init_from
    assert tpsmm.loss.occlusion_sparsity == pgmm.loss.occlusion_sparsity
    assert (tpsmm.loss.pixel, tpsmm.loss.ssim, tpsmm.loss.scales) == (pgmm.loss.pixel, pgmm.loss.ssim, pgmm.loss.scales)
    assert tpsmm.model.num_tps == pgmm.model.num_tps and tpsmm.model.bg == pgmm.model.bg
    assert tpsmm.model.generator.block_expansion == pgmm.model.encoder.block_expansion
    assert tpsmm.model.dense_motion == pgmm.model.dense_motion
