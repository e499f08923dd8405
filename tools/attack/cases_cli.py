"""Cases on the command line itself: valid baselines of every command, out-of-range or malformed numbers, and
unknown names (did-you-mean)."""

from __future__ import annotations

from .checks import exists, not_exists, stdout_has
from .commands import CMP, EVAL, LB, POSE_EVAL, REC, REC_EVAL, RUN, TRAIN
from .harness import TINY_TPSMM, Case


def valid_cases(out: list[Case]) -> None:
    """Top level and valid baselines."""
    add = out.append
    add(Case("unknown command", "unknown-name", ["evalute"], code=2, names=("evalute", "evaluate")))
    add(Case("unknown group subcommand", "unknown-name", ["weights", "lst"], code=2, names=("lst",)))
    add(Case("unknown option", "unknown-name", ["run", "--methd", "static"], code=2, names=("--methd",)))
    add(Case("--version", "valid", ["--version"], check=stdout_has("slvg-bench")))
    add(Case("no command", "valid", [], code=(0, 2)))
    add(Case("valid run", "valid", RUN + ["--out", "{out}"], check=exists("out/aggregate.json")))
    add(Case("valid evaluate", "valid", EVAL + ["--out", "{out}/r.parquet"], check=exists("out/r.aggregate.json")))
    add(Case("valid reconstruct", "valid", REC + ["--out", "{out}"], check=exists("out/static.mp4")))
    add(Case("valid compare", "valid", CMP + ["--out", "{out}"], check=exists("out/synthsign_s10_a.png")))
    add(Case("valid leaderboard", "valid", LB + ["--out", "{out}"],
             check=exists("out/synthsign_test_reconstruction.md")))
    add(Case("valid check", "valid", ["check", "{run}", "-b", "{baseline}"]))
    add(Case("valid fvd on stored-features-free rows", "bad-file", ["fvd", "{rp}", "{rp}"], code=2,
             names=("no stored FVD features",)))
    add(Case("valid score-wer", "valid", ["score-wer", "--ref", "{in}/ref.txt", "--hyp", "{in}/hyp.txt"],
             setup=lambda c: (c.write("in/ref.txt", "a|A B C\nb|D E\n"), c.write("in/hyp.txt", "a|A B\nb|D E\n")),
             check=stdout_has("WER 20.00%")))
    add(Case("valid video info", "valid", ["video", "info", "{clip}"], check=stdout_has("6")))
    add(Case("valid video convert gif", "valid", ["video", "convert", "{clip}", "{out}/c.gif"], check=exists("out/c.gif")))
    add(Case("valid video convert folder", "valid", ["video", "convert", "{clip}", "{out}/frames"],
             check=exists("out/frames/000005.png")))
    add(Case("valid datasets list", "valid", ["datasets", "list", "--data-root", "{data}", "--json"],
             check=stdout_has("synthsign")))
    add(Case("valid datasets verify", "valid", ["datasets", "verify", "synthsign", "--data-root", "{data}"]))
    add(Case("valid datasets pairs", "valid", ["datasets", "pairs", "synthsign", "--data-root", "{data}", "--out",
                                                "{out}/pairs.csv"], check=exists("out/pairs.csv")))
    add(Case("valid weights list", "valid", ["weights", "list", "--json"], check=stdout_has("posenet.synthsign")))
    add(Case("valid weights path", "valid", ["weights", "path", "posenet.synthsign"], check=stdout_has("posenet")))
    add(Case("valid pose list", "valid", ["pose", "list"], check=stdout_has("posenet-synthsign")))
    add(Case("valid pose estimate", "valid", ["pose", "estimate", "{clip}", "--estimator", "posenet-synthsign",
                                               "--out", "{out}/kp.npy", "--device", "cpu"], check=exists("out/kp.npy")))
    add(Case("valid pose eval", "valid", POSE_EVAL + ["--json"], check=stdout_has("pck")))
    add(Case("valid recognizer recognize", "valid", ["recognizer", "recognize", "{clip}", "--decoder", "greedy"],
             check=stdout_has("clip.mp4|")))
    add(Case("valid recognizer eval", "valid", REC_EVAL + ["--json"], check=stdout_has("wer")))
    add(Case("valid train 1 step", "valid", TRAIN + ["--max-steps", 1, *TINY_TPSMM, "--out", "{out}"],
             check=exists("out/final.pt")))
    add(Case("valid train --print-config", "valid", TRAIN + ["--print-config"], check=stdout_has("model")))
    add(Case("valid weights pack", "valid", ["weights", "pack", "{ckpt}", "{out}/p.pt"], check=exists("out/p.pt")))
    add(Case("valid synth tiny", "valid", ["synth", "--size", "tiny", "--workers", 1, "--out", "{out}/s"],
             check=exists("out/s/index.csv"), timeout=300))


def number_cases(out: list[Case]) -> None:
    """Out-of-range / malformed numbers."""
    add = out.append
    numeric = [
        (RUN, "--limit", ["0", "-1", "abc"]), (RUN, "--batch-size", ["0", "1.5"]), (RUN, "--resolution", ["7", "-8"]),
        (RUN, "--plot-frame", ["-1"]), (RUN, "--resamples", ["-1", "1e3"]), (RUN, "--resample-seed", ["-1", "2**70"]),
        (EVAL, "--limit", ["0"]), (EVAL, "--batch-frames", ["0"]), (EVAL, "--fvd-clip-length", ["9", "0"]),
        (EVAL, "--resamples", ["-5"]), (EVAL, "--seed", ["-1"]),
        (REC, "--frames", ["0"]), (REC, "--batch-size", ["0"]), (REC, "--resolution", ["4"]),
        (CMP, "--frames", ["0", "-3"]), (LB, "--resamples", ["-1"]), (LB, "--resample-seed", ["-9"]),
        (TRAIN, "--max-steps", ["0", "-2", "x"]),
        (["synth", "--out", "{out}/s"], "--seed", ["-1"]), (["synth", "--out", "{out}/s"], "--workers", ["0"]),
        (["datasets", "prepare", "synthsign", "--data-root", "{data}"], "--resolution", ["7"]),
        (["datasets", "prepare", "synthsign", "--data-root", "{data}"], "--workers", ["0"]),
        (["datasets", "pairs", "synthsign", "--data-root", "{data}"], "--seed", ["-1"]),
        (["datasets", "verify", "synthsign", "--data-root", "{data}"], "--show", ["-1"]),
        (POSE_EVAL, "--alpha", ["0", "1.5", "nan", "-inf"]), (POSE_EVAL, "--limit", ["0"]),
        (REC_EVAL, "--limit", ["0"]),
        (["video", "convert", "{clip}", "{out}/c.mp4"], "--fps", ["0", "-1", "nan", "inf", "1e9"]),
        (["check", "{run}", "-b", "{baseline}"], "--alpha", ["0", "1", "nan", "2"]),
        (["check", "{run}", "-b", "{baseline}"], "--resamples", ["0", "-4"]),
        (["check", "{run}", "-b", "{baseline}"], "--seed", ["-1"]),
        (["check", "{run}", "-b", "{out}/b.yaml", "--write-baseline"], "--relative", ["-0.1", "nan", "inf"]),
        (["check", "{run}", "-b", "{out}/b.yaml", "--write-baseline"], "--absolute", ["-1", "nan"]),
    ]
    for base, opt, values in numeric:
        for v in values:
            add(Case(f"{base[0]} {base[1] if base[0] in ('datasets', 'pose', 'recognizer', 'video') else ''} {opt} {v}"
                     .replace("  ", " "), "number-range", base + [opt, v], code=2, names=(opt,),
                     check=not_exists("out")))
    POSE_TRAIN = ["pose", "train", "--data-root", "{data}/synthsign", "--out", "{out}/p.pt", "--device", "cpu", "--set",
                  "steps=2", "--set", "batch_size=2", "--set", "crop=null"]
    TRAIN1 = TRAIN + ["--max-steps", 1, *TINY_TPSMM, "--out", "{out}"]
    config_numbers = [
        (TRAIN1, "train.lr=nan"), (TRAIN1, "train.lr=-1"), (TRAIN1, "train.batch_size=0"), (TRAIN1, "train.epochs=-1"),
        (TRAIN1, "train.lr=abc"), (TRAIN1, "model.num_tps=0"),
        (POSE_TRAIN, "steps=-1"),
        (POSE_TRAIN, "batch_size=0"),
        (POSE_TRAIN, "lr=nan"),
        (["recognizer", "train", "--data-root", "{data}/synthsign", "--out", "{out}/r.pt", "--no-install", "--no-progress", "--set", "train_size=null", "--set", "epochs=1", "--set", "temporal_epochs=0"], "epochs=0"),
        (["recognizer", "train", "--data-root", "{data}/synthsign", "--out", "{out}/r.pt", "--no-install", "--no-progress", "--set", "train_size=null", "--set", "epochs=1", "--set", "temporal_epochs=0"], "batch_size=-1"),
        (["recognizer", "train", "--data-root", "{data}/synthsign", "--out", "{out}/r.pt", "--no-install", "--no-progress", "--set", "train_size=null", "--set", "epochs=1", "--set", "temporal_epochs=0"], "lr=inf"),
        (["datasets", "prepare", "synthsign", "--data-root", "{data}"], "margin=-1"),
        (["datasets", "prepare", "synthsign", "--data-root", "{data}"], "margin=nan"),
        (EVAL + ["--out", "{out}/r.parquet"], "options.fvd.batch_clips=0"),
        (EVAL + ["--out", "{out}/r.parquet"], "options.tcd.reduction=bogus"),
    ]
    for base, kv in config_numbers:
        key = kv.split("=")[0]
        add(Case(f"{' '.join(base[:2]) if base[0] in ('pose', 'recognizer', 'datasets') else base[0]} --set {kv}",
                 "number-range", base + ["--set", kv], code=2, names=(key.split(".")[-1],), check=not_exists("out/final.pt")))


def unknown_name_cases(out: list[Case]) -> None:
    """Unknown names (did-you-mean); a case name holds the number of cases before it."""
    add = out.append
    unknown = [
        (["run", "-m", "statc", "-d", "synthsign", "--data-root", "{data}"], ("statc", "static")),
        (["run", "-m", "static", "-d", "synthsing", "--data-root", "{data}"], ("synthsing", "synthsign")),
        (RUN + ["--split", "tset", "--out", "{out}"], ("tset", "test")),
        (["run", "-m", "static", "-d", "synthsign", "--data-root", "{data}", "--metrics", "l11,ssim", "--out", "{out}"], ("l11", "l1")),
        (RUN + ["--keypoint-estimator", "posenet-synthsig", "--metrics", "akd", "--out", "{out}"], ("posenet-synthsig",)),
        (RUN + ["--wer-recognizer", "corrnet-synthsig", "--metrics", "wer", "--out", "{out}"], ("corrnet-synthsig",)),
        (RUN + ["--train-preset", "quik", "--out", "{out}"], ("quik",)),
        (["run", "-m", "tpsmm", "-d", "synthsign", "--data-root", "{data}", "--train-preset", "quik", "--checkpoint",
          "tpsmm.synthsign", "--metrics", "l1", "--out", "{out}"], ("quik",)),
        (EVAL + ["--metrics", "ssm", "--out", "{out}/r.parquet"], ("ssm", "ssim")),
        (EVAL + ["--align", "trunc", "--out", "{out}/r.parquet"], ("trunc", "truncate")),
        (EVAL + ["--keypoint-estimator", "posenet-synthsig", "--metrics", "akd", "--out", "{out}/r.parquet"], ("posenet-synthsig",)),
        (EVAL + ["--wer-recognizer", "corrnet-synthsig", "--metrics", "wer", "--out", "{out}/r.parquet"], ("corrnet-synthsig",)),
        (EVAL + ["--set", "options.tcd.reductoin=any", "--out", "{out}/r.parquet"], ("reductoin",)),
        (EVAL + ["--set", "nosuchkey=1", "--out", "{out}/r.parquet"], ("nosuchkey",)),
        (["train", "-m", "tpsmn", "-d", "synthsign", "--data-root", "{data}"], ("tpsmn", "tpsmm")),
        (["train", "-m", "static", "-d", "synthsign", "--data-root", "{data}"], ("static",)),
        (["train", "-m", "tpsmm", "-d", "synthsign", "--data-root", "{data}", "--preset", "quik", "--device", "cpu"],
         ("quik", "quick")),
        (TRAIN + ["--set", "trian.lr=1", "--max-steps", 1, "--out", "{out}"], ("trian",)),
        (["reconstruct", "-m", "statc", "-d", "synthsign", "--data-root", "{data}", "--video", "s10_a"], ("statc",)),
        (REC + ["--split", "tset"], ("tset",)),
        (["reconstruct", "-m", "static", "-d", "synthsign", "--data-root", "{data}", "--video", "s10_c"], ("s10_c",)),
        (["compare", "-d", "synthsign", "--data-root", "{data}", "--methods", "statc", "--video", "s10_a", "--runs",
          "{runs}", "--out", "{out}"], ("statc",)),
        (["compare", "-d", "synthsign", "--data-root", "{data}", "--methods", "static", "--video", "s10_c", "--runs",
          "{runs}", "--out", "{out}"], ("s10_c",)),
        (["compare", "-d", "synthsign", "--data-root", "{data}", "--methods", "static", "--video", "s10_a", "--runs",
          "{runs}", "--split", "tset", "--out", "{out}"], ("tset",)),
        (["leaderboard", "-d", "synthsing", "--runs", "{runs}", "--out", "{out}"], ("synthsing",)),
        (LB + ["--split", "tset", "--out", "{out}"], ("tset",)),
        (["datasets", "verify", "synthsing", "--data-root", "{data}"], ("synthsing", "synthsign")),
        (["datasets", "prepare", "synthsing", "--data-root", "{data}"], ("synthsing",)),
        (["datasets", "pairs", "synthsing", "--data-root", "{data}"], ("synthsing",)),
        (["datasets", "pairs", "synthsign", "--data-root", "{data}", "--split", "tset", "--out", "{out}/p.csv"], ("tset",)),
        (["datasets", "prepare", "synthsign", "--data-root", "{data}", "--keypoints", "posenet-synth"], ("posenet-synth",)),
        (["datasets", "prepare", "synthsign", "--data-root", "{data}", "--set", "marign=0.2"], ("marign",)),
        (["weights", "add", "posenet.synthsing", "{clip}"], ("posenet.synthsing", "posenet.synthsign")),
        (["weights", "path", "posenet.synthsing"], ("posenet.synthsing",)),
        (["weights", "download", "posenet.synthsing"], ("posenet.synthsing",)),
        (["pose", "estimate", "{clip}", "--estimator", "posenet-synthsing", "--out", "{out}/kp.npy"], ("posenet-synthsing",)),
        (["pose", "eval", "--estimator", "posenet", "--data-root", "{data}/synthsign"], ("posenet",)),
        (POSE_EVAL + ["--split", "tset"], ("tset",)),
        (["pose", "train", "--data-root", "{data}/synthsign", "--set", "stpes=1", "--out", "{out}/p.pt"], ("stpes",)),
        (["recognizer", "eval", "--recognizer", "corrnet-synthsig", "--data-root", "{data}/synthsign"], ("corrnet-synthsig",)),
        (["recognizer", "recognize", "{clip}", "--recognizer", "corrnet-synthsig"], ("corrnet-synthsig",)),
        (REC_EVAL[:-4] + ["--kinds", "sentance"], ("sentance",)),
        (REC_EVAL + ["--split", "tset"], ("tset",)),
        (["recognizer", "eval", "--dataset", "phoenix", "--data-root", "{data}/synthsign"], ("phoenix",)),
        (["recognizer", "train", "--dataset", "synthsing", "--data-root", "{data}/synthsign"], ("synthsing",)),
        (["recognizer", "train", "--data-root", "{data}/synthsign", "--set", "epoch=1", "--out", "{out}/r.pt"], ("epoch",)),
        (["check", "{run}", "-b", "{baseline}", "--require", "l11"], ("l11",)),
        (["check", "{run}", "-b", "{out}/b.yaml", "--write-baseline", "--metric", "ssm"], ("ssm",)),
        (["score-wer", "--ref", "{in}/r.txt", "--hyp", "{in}/r.txt", "--convention", "phonix"], ("phonix",)),
    ]

    def wer_files(c):
        c.write("in/r.txt", "a|A B\n")

    for argv, names in unknown:
        # an unknown split of pose/recognizer eval and a --require that names no figure fail the run (exit 1)
        code = (1, 2) if (names[0] == "tset" and argv[0] in ("pose", "recognizer")) or names[0] == "l11" and \
            argv[0] == "check" else (2,)
        add(Case(f"unknown name {' '.join(a for a in argv[:2])} {names[0]} ({len(out)})", "unknown-name", argv,
                 setup=wer_files if "score-wer" in argv else None, code=code, names=names[:1] + names[1:],
                 check=not_exists("out")))
