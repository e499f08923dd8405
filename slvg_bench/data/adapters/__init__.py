"""One module per dataset release: lsa64, wlasl, phoenix, csl (CSL-Daily), synthsign.

Shared by them: ``base`` (the adapter class, scan results) and ``bar_table`` (``|``-separated annotation files).
"""
