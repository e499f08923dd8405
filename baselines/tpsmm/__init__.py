"""TPSMM — Thin-Plate Spline Motion Model (CVPR 2022), re-implemented from methods.md §1.

Modules: ``keypoint_detector`` (KPDetector), ``bg_motion_predictor`` (BGMotionPredictor),
``tps`` (KeypointTPS), ``dense_motion`` (DenseMotionNetwork), ``inpainting``
(InpaintingNetwork), ``avd_network`` (AVDNetwork), ``model`` (the TPSMM container),
``losses``, ``config``, ``trainable`` (``build`` for the shared trainer), ``relative``,
``checkpoint`` / ``convert`` (our and official checkpoints), ``animator`` (the
Animator adapter and the ``tpsmm`` MethodSpec). See docs/methods/tpsmm.md.
"""
