"""slvg-bench: benchmark toolkit for sign-language video generation.

The package is split by concern (see docs/architecture.md): ``video`` for IO,
``data`` for datasets, ``metrics`` for scores, ``pose`` for keypoints,
``methods`` for the Animator registry, ``cli`` for the command line.
Importing the package imports no torch, so ``slvg-bench --help`` stays fast;
``slvg_bench.Evaluator`` (metrics on tensors, :mod:`slvg_bench.evaluator`) is
imported on first use.
"""

__version__ = "0.1.0"

# public names imported on first access: name -> "module:attr"
_LAZY = {
    "Evaluator": "slvg_bench.evaluator:Evaluator",
    "EvaluationResult": "slvg_bench.evaluator:EvaluationResult",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        from slvg_bench.registry import import_object

        obj = import_object(_LAZY[name])
        globals()[name] = obj
        return obj
    raise AttributeError(f"module 'slvg_bench' has no attribute {name!r}")
