"""Too few frames and mismatched videos (category frames)."""

from __future__ import annotations

from .commands import POSE_EVAL
from .harness import Case, frames_for


def frame_cases(out: list[Case]) -> None:
    """Too few frames, mismatched videos."""
    add = out.append
    def evaluate_case(name, setup, code, names, metrics="l1", extra=(), check=None):
        add(Case(name, "frames", ["evaluate", "--pred", "{in}/pred", "--target", "{in}/target", "--metrics", metrics,
                                  "--no-progress", "--resamples", "50", "--out", "{out}/r.parquet", *extra],
                 setup=setup, code=code, names=names, check=check))

    evaluate_case("one-frame videos l1,ssim", lambda c: c.eval_tree(frames=1), 0, (), "l1,ssim")
    evaluate_case("one-frame videos tcd", lambda c: c.eval_tree(frames=1), (0, 1), ("tcd",), "l1,tcd")
    evaluate_case("two-frame videos tcd", lambda c: c.eval_tree(frames=2), (0, 1), ("tcd", "3 frames"), "l1,tcd")
    evaluate_case("three-frame videos tcd", lambda c: c.eval_tree(frames=3), 0, (), "l1,tcd")
    evaluate_case("short videos fvd", lambda c: c.eval_tree(frames=4), (0, 1), ("fvd",), "l1,fvd")
    evaluate_case("short videos fvd --fvd-skip-short", lambda c: c.eval_tree(frames=4), (0, 1), ("fvd",), "l1,fvd",
                  ("--fvd-skip-short",))
    evaluate_case("pred fewer frames", lambda c: c.eval_tree(frames=6, pred_frames=4), 1, ("--align truncate",))
    evaluate_case("pred fewer frames --align truncate", lambda c: c.eval_tree(frames=6, pred_frames=4), 0, (), "l1",
                  ("--align", "truncate"))
    evaluate_case("pred other size", lambda c: c.eval_tree(size=32, pred_size=48), 1, ("--align resize",))
    evaluate_case("pred other size --align resize", lambda c: c.eval_tree(size=32, pred_size=48), 0, (), "l1",
                  ("--align", "resize"))
    evaluate_case("pred other size and frames --align truncate,resize",
                  lambda c: c.eval_tree(size=32, pred_size=48, pred_frames=5), 0, (), "l1", ("--align", "truncate,resize"))

    def extra_pred(c):
        c.eval_tree()
        c.mp4("in/pred/extra.mp4", seed="x")

    evaluate_case("pred has a video the target lacks", extra_pred, (0, 1), ("extra",),
                  check=lambda c, r: None if r.code != 0 or "extra" in r.err + r.out else "an unmatched prediction was dropped silently")

    def gif_pred(c):
        from slvg_bench.video import write_gif

        c.eval_tree()
        for i in range(3):
            c.p(f"in/pred/v{i}.mp4").unlink()
            write_gif(c.p(f"in/pred/v{i}.gif"), frames_for(f"w{i}", 6))

    evaluate_case("pred gif, target mp4 (matched by stem)", gif_pred, (0, 1), ("v0",))

    def dup_stem(c):
        c.eval_tree()
        from slvg_bench.video import write_gif

        write_gif(c.p("in/target/v0.gif"), frames_for("v0", 6))

    evaluate_case("target v0.mp4 and v0.gif (ambiguous)", dup_stem, (1, 2), ("v0",))

    def png_folders(c, mode="RGB"):
        from PIL import Image

        for side, seed in (("target", "v"), ("pred", "w")):
            for i in range(2):
                for t, frame in enumerate(frames_for(f"{seed}{i}", 4)):
                    img = Image.fromarray(frame)
                    if mode != "RGB":
                        img = img.convert(mode)
                    path = c.p(f"in/{side}/v{i}/{t:03d}.png")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    img.save(path)

    evaluate_case("frame folders RGB", png_folders, 0, ())
    evaluate_case("frame folders RGBA", lambda c: png_folders(c, "RGBA"), 0, ())
    evaluate_case("frame folders grayscale", lambda c: png_folders(c, "L"), 0, ())

    def odd_target(c):
        c.eval_tree()
        c.mp4("in/target/v1.mp4", n=6, h=31, w=33)
        c.mp4("in/pred/v1.mp4", n=6, h=31, w=33)

    evaluate_case("odd frame size 33x31", odd_target, 0, (), "l1,ssim,tcd")

    def tiny_frames(c):
        c.eval_tree()
        for side in ("pred", "target"):
            c.mp4(f"in/{side}/v1.mp4", n=6, h=4, w=4)

    evaluate_case("4x4 frames ssim", tiny_frames, (0, 1), ("v1",), "l1,ssim")

    # run on a dataset whose test videos are too short
    for n in (1, 2):
        vids = [("s00_a", "train", "signer00", 6), ("s10_a", "test", "signer10", n), ("s11_a", "test", "signer11", 6)]
        add(Case(f"run on {n}-frame test video", "frames",
                 ["run", "-m", "static", "-d", "synthsign", "--data-root", "{hd}", "--metrics", "l1,ssim,tcd", "--device",
                  "cpu", "--resamples", "50", "--out", "{out}"],
                 setup=lambda c, vids=vids: c.synth(vids), code=(0, 1), names=("s10_a",)))
    add(Case("cross-person with one test signer", "frames",
             ["run", "-m", "static", "-d", "synthsign", "--data-root", "{hd}", "--task", "cross-person", "--metrics", "l1",
              "--device", "cpu", "--out", "{out}"],
             setup=lambda c: c.synth([("s00_a", "train", "signer00", 6), ("s10_a", "test", "signer10", 6),
                                      ("s10_b", "test", "signer10", 6)]), code=(1, 2), names=("signer",)))
    add(Case("pairs with one test signer", "frames",
             ["datasets", "pairs", "synthsign", "--data-root", "{hd}", "--out", "{out}/p.csv"],
             setup=lambda c: c.synth([("s00_a", "train", "signer00", 6), ("s10_a", "test", "signer10", 6)]),
             code=(1, 2), names=("signer",)))
    add(Case("pose eval on a split with no videos", "frames", POSE_EVAL[:-4] + ["--data-root", "{hd}/synthsign", "--split", "dev"],
             setup=lambda c: c.synth([("s00_a", "train", "signer00", 6), ("s10_a", "test", "signer10", 6)]),
             code=(1, 2), names=("dev",)))
    add(Case("recognizer eval on a split with no videos", "frames",
             ["recognizer", "eval", "--data-root", "{hd}/synthsign", "--split", "dev", "--no-shuffled", "--decoder", "greedy"],
             setup=lambda c: c.synth([("s00_a", "train", "signer00", 6), ("s10_a", "test", "signer10", 6)]),
             code=(1, 2), names=("dev",)))
    add(Case("recognizer recognize a 1-frame video", "frames", ["recognizer", "recognize", "{in}/one.mp4", "--decoder",
                                                                "greedy"],
             setup=lambda c: c.mp4("in/one.mp4", n=1), code=(0, 1), names=("one.mp4",)))
    add(Case("pose estimate a 1-frame 8x8 video", "frames", ["pose", "estimate", "{in}/one.mp4", "--estimator",
                                                            "posenet-synthsign", "--out", "{out}/kp.npy", "--device", "cpu"],
             setup=lambda c: c.mp4("in/one.mp4", n=1, h=8, w=8), code=(0, 1), names=("one.mp4",)))
    add(Case("reconstruct a 1-frame video", "frames",
             ["reconstruct", "-m", "tpsmm", "-d", "synthsign", "--data-root", "{hd}", "--video", "s10_a", "--device",
              "cpu", "--out", "{out}"],
             setup=lambda c: c.synth([("s00_a", "train", "signer00", 6), ("s10_a", "test", "signer10", 1)]),
             code=(0, 1), names=("s10_a",)))
