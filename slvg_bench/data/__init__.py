"""Datasets: adapters for the official releases, signer cropping, the preprocessing cache,
training pairs and the evaluation inputs.

Registry ids: ``lsa64``, ``wlasl``, ``phoenix``, ``csl`` (CSL-Daily), ``synthsign``.
The names below are imported on first use, so ``import slvg_bench.data`` stays light
(no torch); see docs/datasets.md for layouts, splits, crop and cache.

- ``DATASETS``, ``get_adapter(name, data_root)``: adapters yielding :class:`Sample` records.
- ``prepare(name, ...)``: build the preprocessing cache (``slvg-bench datasets prepare``).
- ``build_pair_dataset(name, split, ...)``: the training-pair ``torch.utils.data.Dataset``.
- ``iter_reconstruction_clips(name, splits, ...)``: the reconstruction test clips.
- ``cross_person_pairs(name, split, ...)`` / ``iter_cross_person(...)``: the cross-person pair list.
"""

from __future__ import annotations

from slvg_bench.data.registry import DATASETS, adapter_class, get_adapter

_LAZY = {
    "Sample": "slvg_bench.data.sample:Sample",
    "CropConfig": "slvg_bench.data.crop:CropConfig",
    "prepare": "slvg_bench.data.prepare:prepare",
    "open_cache": "slvg_bench.data.cache:open_cache",
    "PreparedCache": "slvg_bench.data.cache:PreparedCache",
    "build_pair_dataset": "slvg_bench.data.pairs:build_pair_dataset",
    "PairDataset": "slvg_bench.data.pairs:PairDataset",
    "iter_reconstruction_clips": "slvg_bench.data.clips:iter_reconstruction_clips",
    "ReconstructionClip": "slvg_bench.data.clips:ReconstructionClip",
    "cross_person_pairs": "slvg_bench.data.cross_person:cross_person_pairs",
    "iter_cross_person": "slvg_bench.data.cross_person:iter_cross_person",
    "read_pairs": "slvg_bench.data.cross_person:read_pairs",
    "DatasetCountWarning": "slvg_bench.data.adapters.base:DatasetCountWarning",
}


def __getattr__(name: str):
    if name in _LAZY:
        from slvg_bench.registry import import_object

        obj = import_object(_LAZY[name])
        globals()[name] = obj
        return obj
    raise AttributeError(f"module 'slvg_bench.data' has no attribute {name!r}")


__all__ = ["DATASETS", "adapter_class", "get_adapter", *_LAZY]
