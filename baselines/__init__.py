"""Re-implemented baseline methods (TPSMM, MRAA, DynaST) and their shared building blocks.

``baselines.common`` holds what the FOMM family (TPSMM, MRAA) and PGMM share;
each method lives in its own sub-package with its models, losses, configs,
official-checkpoint converter and Animator adapter.
"""
