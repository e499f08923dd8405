"""Keypoints in the COCO-WholeBody 133 layout: named groups, subsets, heatmaps, estimators.

A keypoint sequence is a float tensor/array ``T×133×3``: (x, y) in pixels of the
stored frame and a confidence in [0, 1]; confidence 0 where a point is unknown.
"""
