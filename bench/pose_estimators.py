"""Benchmark: pose-estimator throughput on 128×128 frames, and the cost of a gradient through one.

Times, in one run on the same frames: ``estimate()`` (keypoints, no gradients)
for HRNet-W32 wholebody (random weights: the speed does not depend on them; with
and without flip test), the synthsign PoseNet (default training config, random
weights) and MediaPipe Holistic (when installed); and ``heatmaps()`` forward +
backward to the input frames for the two differentiable ones (what PGMM's Pose
Distance loss pays per generated batch). Ratios are against HRNet-W32 with flip
test, the paper's P_e, measured in the same run.

    PYTHONPATH=$PWD python bench/pose_estimators.py [--frames 16] [--repeats 2] [--device cpu]
"""

from __future__ import annotations

import argparse
import time

import torch

from slvg_bench.pose.estimators.hrnet import HRNetConfig, HRNetPose
from slvg_bench.pose.estimators.hrnet_wholebody import HRNetWholeBody
from slvg_bench.pose.estimators.posenet import PoseNet, PoseNetSynthsign
from slvg_bench.pose.train import PoseTrainConfig


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.manual_seed(0)
    frames = torch.rand(args.frames, 3, 128, 128)
    hrnet = HRNetPose(HRNetConfig.w32())
    estimators = {
        "hrnet-w32-wholebody, flip test (reference)": HRNetWholeBody(args.device, model=hrnet, flip_test=True),
        "hrnet-w32-wholebody, no flip": HRNetWholeBody(args.device, model=hrnet, flip_test=False),
        "posenet-synthsign": PoseNetSynthsign(args.device, model=PoseNet(PoseTrainConfig().model)),
    }
    try:
        from slvg_bench.pose.estimators.mediapipe_holistic import MediaPipeHolistic

        estimators["mediapipe (Holistic, tracking)"] = MediaPipeHolistic()
    except Exception as e:  # noqa: BLE001  (optional extra)
        print(f"mediapipe skipped: {e}")
    rows = []
    for name, est in estimators.items():
        est.estimate(frames[:2])  # warm-up
        rows.append((name, "estimate", args.frames / best_of(lambda e=est: e.estimate(frames), args.repeats)))
    for name in ("hrnet-w32-wholebody, flip test (reference)", "posenet-synthsign"):
        est = estimators[name]

        def fwd_bwd(e=est):
            x = frames[:8].clone().requires_grad_(True)
            e.heatmaps(x).square().mean().backward()

        fwd_bwd()
        rows.append((name, "heatmaps fwd+bwd", 8 / best_of(fwd_bwd, args.repeats)))
    ref = rows[0][2]
    print(f"threads: {torch.get_num_threads()}, device: {args.device}, {args.frames} frames of 128×128")
    print("| estimator | what | frames/s | vs reference |")
    print("|---|---|---:|---:|")
    for name, what, fps in rows:
        print(f"| {name} | {what} | {fps:.3g} | {fps / ref:.2f}× |")


if __name__ == "__main__":
    main()
