"""MRAA — Motion Representations for Articulated Animation (CVPR 2021), re-implemented from methods.md §2.

Modules: ``region_predictor`` (RegionPredictor: heatmaps -> centres, covariances, SVD affines),
``regions`` (sign rule, relative mode, AVD augmentation), ``bg_motion_predictor``
(BGMotionPredictor), ``flow_predictor`` (PixelwiseFlowPredictor), ``generator`` (the Johnson-style
Generator), ``avd_network`` (AVDNetwork), ``model`` (the MRAA container), ``losses``, ``config``,
``trainable`` (``build`` for the shared trainer), ``checkpoint`` / ``convert`` (our and official
checkpoints), ``animator`` (the Animator adapter and the ``mraa`` MethodSpec). See docs/methods/mraa.md.
"""
