"""slvg-bench: benchmark toolkit for sign-language video generation.

The package is split by concern (see docs/architecture.md): ``video`` for IO,
``data`` for datasets, ``metrics`` for scores, ``pose`` for keypoints,
``methods`` for the Animator registry, ``cli`` for the command line.
Importing the package imports no torch, so ``slvg-bench --help`` stays fast.
"""

__version__ = "0.1.0"
