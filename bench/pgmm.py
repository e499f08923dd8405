"""PGMM inference cost at 128×128: FLOPs, achieved GFLOP/s vs this machine's matmul, frames/s,
peak memory, share of time in the Pose Fusion Modules, and the same for TPSMM.

Everything is measured in one run on one machine, so the ratios are what to read:

    python bench/pgmm.py [--frames 8] [--repeats 3] [--threads N] [--pfm-scales all|0,1|…]

Numbers for bench/RESULTS.md. Source encoding is done once per video (as in
the animators); the timed part is one batch of driving frames.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slvg_bench.config import load_config  # noqa: E402


def matmul_gflops(n: int = 1024, repeats: int = 5) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def best_time(fn, repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def pgmm_runner(frames: int, pfm_scales):
    from pgmm.config import PGMMConfig
    from pgmm.model import PGMM

    cfg = load_config(PGMMConfig, Path(__file__).resolve().parents[1] / "pgmm" / "configs" / "synthsign.yaml",
                      overrides=[f"model.pfm_scales={pfm_scales}"])
    model = PGMM(cfg.model).eval()
    src = torch.rand(1, 3, 128, 128)
    drv = torch.rand(frames, 3, 128, 128)
    kp = torch.rand(frames, 133, 3) * 127
    kp[..., 2] = 1
    with torch.no_grad():
        feats = model.source_features(src)
        heat = model.heatmaps(drv, kp)

    def run():
        with torch.no_grad():
            kp_d = model.kp_detector(drv)
            bg = model.bg_predictor(src.expand(frames, -1, -1, -1), drv)
            motion = model.motion(feats["source_down"], feats["kp_source"], kp_d, bg)
            pose = model.pose_features(heat)
            return model.generate(feats["encoder_maps"], motion, pose)["prediction"]

    return model, run


def tpsmm_runner(frames: int):
    from baselines.tpsmm.config import TPSMMConfig
    from baselines.tpsmm.model import TPSMM

    cfg = load_config(TPSMMConfig, Path(__file__).resolve().parents[1] / "baselines" / "tpsmm" / "configs" / "synthsign.yaml")
    model = TPSMM(cfg.model).eval()
    src = torch.rand(1, 3, 128, 128)
    drv = torch.rand(frames, 3, 128, 128)
    with torch.no_grad():
        feats = model.source_features(src)

    def run():
        with torch.no_grad():
            kp_d = model.kp_detector(drv)
            bg = model.bg_predictor(src.expand(frames, -1, -1, -1), drv)
            return model.generate(src, feats["kp_source"], kp_d, bg, source_down=feats["source_down"],
                                  encoder_maps=feats["encoder_maps"])["prediction"]

    return model, run


def pfm_share(model, run, repeats: int) -> float:
    """Fraction of the forward spent inside the PFMs (timed with forward hooks)."""
    spent = [0.0]
    starts = {}

    def pre(mod, _):
        starts[id(mod)] = time.perf_counter()

    def post(mod, _, __):
        spent[0] += time.perf_counter() - starts.pop(id(mod))

    handles = []
    for m in model.generator.fusion.values():
        handles += [m.register_forward_pre_hook(pre), m.register_forward_hook(post)]
    run()
    spent[0] = 0.0
    total = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        total += time.perf_counter() - t
    for h in handles:
        h.remove()
    return spent[0] / total


def flops(run) -> float:
    with FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops()


def measure(name: str, frames: int, repeats: int, scales: str, ref: float) -> dict:
    model, run = pgmm_runner(frames, scales) if name == "pgmm" else tpsmm_runner(frames)
    f = flops(run) / frames
    t = best_time(run, repeats) / frames
    share = pfm_share(model, run, repeats) if name == "pgmm" else float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process only holds one model
    return {"model": name, "gflop": f / 1e9, "fps": 1 / t, "gflops": f / t / 1e9, "of_matmul": f / t / 1e9 / ref,
            "peak_mib": peak, "pfm_share": share}


def main() -> None:
    import json
    import subprocess

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--pfm-scales", default="all", help="'all' or comma-separated scales, e.g. 0,1")
    ap.add_argument("--model", choices=["pgmm", "tpsmm"], help=argparse.SUPPRESS)  # child process mode
    ap.add_argument("--ref", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    scales = "null" if args.pfm_scales == "all" else "[" + args.pfm_scales + "]"
    if args.model:
        print(json.dumps(measure(args.model, args.frames, args.repeats, scales, args.ref)))
        return
    ref = matmul_gflops()
    print(f"machine: {torch.get_num_threads()} threads, matmul 1024² {ref:.1f} GFLOP/s; pfm_scales={args.pfm_scales}")
    rows = []
    for name in ("pgmm", "tpsmm"):  # one process per model so peak memory is its own
        cmd = [sys.executable, __file__, "--model", name, "--ref", str(ref), "--frames", str(args.frames),
               "--repeats", str(args.repeats), "--pfm-scales", args.pfm_scales]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        rows.append(json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()[-1]))
    print(f"{'model':6} {'GFLOP/frame':>12} {'frames/s':>9} {'GFLOP/s':>8} {'of matmul':>9} {'peak RSS MiB':>12} {'PFM share':>9}")
    for r in rows:
        print(f"{r['model']:6} {r['gflop']:12.1f} {r['fps']:9.2f} {r['gflops']:8.1f} {r['of_matmul']:9.0%} "
              f"{r['peak_mib']:12.0f} {r['pfm_share']:9.0%}")
    print(f"pgmm/tpsmm time per frame: {rows[1]['fps'] / rows[0]['fps']:.2f}×")


if __name__ == "__main__":
    main()
