"""PGMM: the reference Pose-Guided Motion Model."""
