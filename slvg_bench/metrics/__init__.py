"""Metrics: one module per metric, a registry, batched torch on CPU or CUDA.

- :mod:`.base` — the interface (``Metric``, ``MetricInfo``, ``VideoPair``, ``MetricSkip``,
  ``Missing``, ``CorpusResult``); :mod:`.registry` — ``METRICS`` (id -> class, lazy).
- per-video: :mod:`.l1`, :mod:`.ssim`, :mod:`.psnr`, :mod:`.lpips_metric`, :mod:`.tcd`,
  :mod:`.regions` (+ :mod:`.region_boxes`), :mod:`.keypoint_distance` (akd, mpjpe),
  :mod:`.dtw_mje` (+ :mod:`.keypoint_norm`).
- corpus-level: :mod:`.fvd` (+ :mod:`.i3d`, :mod:`.i3d_loading`, :mod:`.fvd_clips`,
  :mod:`.frechet`, :mod:`.feature_cache`), :mod:`.fid` (+ :mod:`.inception_fid`); WER lives
  with the recognition module.
- :mod:`.keypoint_source` — keypoint folders and the pose-estimator hook.

Definitions, references and tolerances: ``docs/metrics.md``. Importing this package
imports no torch.
"""
