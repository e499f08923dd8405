"""The base command lines the case tables extend ({data}, {out}, ... are filled in per case by Ctx.fmt)."""

RUN = ["run", "-m", "static", "-d", "synthsign", "--data-root", "{data}", "--metrics", "l1", "--device", "cpu",
       "--resamples", "50"]
EVAL = ["evaluate", "--pred", "{pred}", "--target", "{target}", "--metrics", "l1", "--no-progress",
        "--resamples", "50"]
REC = ["reconstruct", "-m", "static", "-d", "synthsign", "--data-root", "{data}", "--video", "s10_a", "--device", "cpu"]
TRAIN = ["train", "-m", "tpsmm", "-d", "synthsign", "--data-root", "{data}", "--preset", "quick", "--no-progress",
         "--device", "cpu"]
CMP = ["compare", "-d", "synthsign", "--data-root", "{data}", "--methods", "static,oracle", "--video", "s10_a",
       "--runs", "{runs}", "--frames", "2"]
LB = ["leaderboard", "-d", "synthsign", "--runs", "{runs}", "--resamples", "50", "--no-reported"]
POSE_EVAL = ["pose", "eval", "--estimator", "posenet-synthsign", "--data-root", "{data}/synthsign", "--device", "cpu"]
REC_EVAL = ["recognizer", "eval", "--data-root", "{data}/synthsign", "--no-shuffled", "--kinds", "isolated", "--decoder",
            "greedy"]
