"""One module per dataset release: lsa64, wlasl, phoenix, csl (CSL-Daily), synthsign."""
