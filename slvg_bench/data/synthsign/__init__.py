"""synthsign: the built-in synthetic signer dataset (no downloads needed).

Procedurally rendered, anti-aliased 2D signers at 128×128 with jointed fingers,
a moving face (mouth shapes, brows, blinks), 12 identities (8 train, 2 dev,
2 test — disjoint), a 48-gloss vocabulary, isolated signs and 2–6-gloss
sentences, and exact COCO-WholeBody 133 keypoints for every frame.

    generate(out_dir, seed=0, size="small")   # deterministic: same seed -> same bytes
    ensure()                                  # the default copy under $SLVG_BENCH_HOME

The on-disk layout is described in :mod:`slvg_bench.data.synthsign.generate`.
"""

from slvg_bench.data.synthsign.generate import GENERATOR_VERSION, SIZES, ensure, generate, load_index

__all__ = ["GENERATOR_VERSION", "SIZES", "ensure", "generate", "load_index"]
