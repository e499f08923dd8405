#!/usr/bin/env bash
# GPU check (issue 15, item 8), ≤ 8 minutes on one CUDA GPU. Run from the repository root with the package
# installed (`pip install -e .`):
#
#     bash bench/gpu_check.sh [OUT_DIR]
#
# 1. trains pgmm and tpsmm with their PHOENIX-shaped paper configs (pgmm/configs/phoenix.yaml,
#    baselines/tpsmm/configs/phoenix.yaml: full widths, K = 20, all-scale PFM, batch 8 / 28) on synthsign at
#    128² for STEPS steps, in fp32 (the default) and, for pgmm, in bf16 autocast; prints samples/s (the
#    trainer's log.csv, steady-state rows) and peak GPU memory; the pose inputs are synthsign's exact
#    keypoints and P_e is the shipped posenet-synthsign (HRNet/ImageNet VGG are not needed);
# 2. runs the shipped synthsign models of pgmm and tpsmm on the first VIDEOS test videos on the GPU and on
#    the CPU and checks that L1, SSIM and TCD agree within TOL.
# Everything goes to OUT_DIR (default $OUT, else ./gpu_check); the summary is OUT_DIR/summary.json.
set -euo pipefail
OUT_DIR=${1:-${OUT:-gpu_check}}
STEPS=${STEPS:-300}
VIDEOS=${VIDEOS:-3}
TOL=${TOL:-1e-4}
mkdir -p "$OUT_DIR"
export SLVG_BENCH_HOME=${SLVG_BENCH_HOME:-$OUT_DIR/home}
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: this check needs one')"
slvg-bench datasets prepare synthsign > "$OUT_DIR/prepare.log" 2>&1

train() {  # method config amp label
  python - "$1" "$2" "$3" "$4" "$OUT_DIR" "$STEPS" <<'EOF'
import csv, json, sys, time, torch
from slvg_bench.training import train
method, config, amp, label, out, steps = sys.argv[1:7]
over = ["loss.perceptual_weights=auto", f"train.amp={amp}", "train.num_workers=4", "train.checkpoint_every=100000"]
if method == "pgmm":
    over += ["model.pose.source=keypoints", "model.pose.estimator=posenet-synthsign"]
torch.cuda.reset_peak_memory_stats()
t = time.time()
res = train(method, "synthsign", config_file=config, overrides=over, max_steps=int(steps), device="cuda",
            out_dir=f"{out}/train-{label}", progress=False)
wall = time.time() - t
rows = list(csv.DictReader(open(f"{out}/train-{label}/log.csv")))
steady = [float(r["samples_per_s"]) for r in rows[len(rows) // 3:]]
info = {"label": label, "method": method, "config": config, "amp": amp == "true", "steps": int(steps),
        "wall_s": round(wall, 1), "samples_per_s": round(sum(steady) / len(steady), 2),
        "peak_gpu_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2),
        "final_loss": float(rows[-1]["loss"]), "device": torch.cuda.get_device_name()}
print(json.dumps(info))
json.dump(info, open(f"{out}/train-{label}.json", "w"))
EOF
}

train pgmm pgmm/configs/phoenix.yaml false pgmm-fp32
train pgmm pgmm/configs/phoenix.yaml true pgmm-bf16
train tpsmm baselines/tpsmm/configs/phoenix.yaml false tpsmm-fp32

for method in pgmm tpsmm; do
  for device in cuda cpu; do
    slvg-bench run -m "$method" -d synthsign --limit "$VIDEOS" --device "$device" --metrics l1,ssim,tcd \
      --out "$OUT_DIR/run-$method-$device" > "$OUT_DIR/run-$method-$device.log" 2>&1
  done
done

python - "$OUT_DIR" "$TOL" <<'EOF'
import glob, json, sys
out, tol = sys.argv[1], float(sys.argv[2])
summary = {"training": [json.load(open(p)) for p in sorted(glob.glob(f"{out}/train-*.json"))], "cpu_vs_gpu": []}
ok = True
for method in ("pgmm", "tpsmm"):
    def primary(device):
        rows = json.load(open(f"{out}/run-{method}-{device}/aggregate.json"))["aggregate"]
        return {r["metric"]: r["value"] for r in rows if r["primary"]}
    gpu, cpu = primary("cuda"), primary("cpu")
    for metric in ("l1", "ssim", "tcd"):
        g, c = gpu[metric], cpu[metric]
        row = {"method": method, "metric": metric, "gpu": g, "cpu": c, "abs_diff": abs(g - c), "ok": abs(g - c) <= tol}
        ok &= row["ok"]
        summary["cpu_vs_gpu"].append(row)
summary["all_ok"] = ok
json.dump(summary, open(f"{out}/summary.json", "w"), indent=2)
print(json.dumps(summary, indent=2))
sys.exit(0 if ok else 1)
EOF
