"""``python -m slvg_bench`` == ``slvg-bench`` (also the entry point for ``torchrun -m slvg_bench``)."""

from slvg_bench.cli import main

if __name__ == "__main__":
    main()
