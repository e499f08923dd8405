"""The dataset registry: id -> adapter class (imported lazily), and opening an adapter on its data."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from slvg_bench.registry import Registry

# id -> "module:attr" of a DatasetAdapter subclass. Keep sorted by id.
DATASETS: Registry = Registry(
    "dataset",
    {
        "csl": "slvg_bench.data.adapters.csl:CSLDailyAdapter",
        "lsa64": "slvg_bench.data.adapters.lsa64:LSA64Adapter",
        "phoenix": "slvg_bench.data.adapters.phoenix:PhoenixAdapter",
        "synthsign": "slvg_bench.data.adapters.synthsign:SynthSignAdapter",
        "wlasl": "slvg_bench.data.adapters.wlasl:WLASLAdapter",
    },
)


def adapter_class(name: str):
    """The adapter class of dataset ``name`` (unknown names list the valid ones)."""
    return DATASETS.get(name)


def get_adapter(name: str, data_root: Optional[str | Path] = None, *, generate: bool = True):
    """An adapter opened on its release under ``data_root`` (default ``SLVG_BENCH_DATA``).

    ``generate``: for built-in synthetic data, generate it when absent (real
    datasets raise :class:`~slvg_bench.errors.DatasetError` naming where they looked).
    """
    cls = adapter_class(name)
    return cls(cls.locate(data_root, generate=generate))
