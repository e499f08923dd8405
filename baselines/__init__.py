"""Re-implemented baseline methods (TPSMM, MRAA, DynaST)."""
