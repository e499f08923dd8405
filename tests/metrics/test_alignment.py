"""--align truncate: what it does (cut, no re-timing) is said in --help and docs, and a cut of more
than 2 frames warns — in the row, after evaluate's table, and from Evaluator.update."""

import io
import re
import warnings

import pytest
import torch
from click.testing import CliRunner
from rich.console import Console

from slvg_bench.evaluate import evaluate
from slvg_bench.scoring import TRUNCATE_TOLERANCE, AlignmentWarning, align_pair
from slvg_bench.video import write_mp4
from tests.metrics.helpers import noisy, structured_video
from tests.metrics.test_evaluate import cfg


def test_truncate_keeps_the_first_frames_and_warns_beyond_two(tmp_path):
    target = structured_video(13, 16, 16)
    for n_pred in (12, 11, 14, 15):  # gaps of 1 and 2: a plain note
        pred, tgt, note = align_pair(target[:n_pred] if n_pred <= 13 else structured_video(n_pred, 16, 16), target,
                                     ("truncate",))
        n = min(n_pred, 13)
        assert torch.equal(tgt, target[:n]) and pred.shape[0] == n and "WARNING" not in note
    pred, tgt, note = align_pair(target[:10], target, ("truncate",))
    assert torch.equal(tgt, target[:10]) and torch.equal(pred, target[:10])  # frame i against frame i
    assert note.startswith("truncated to 10 frames (prediction 10, target 13); WARNING: lengths differ by 3 "
                           "frames: the target's last 3 frames were cut without re-timing")
    assert TRUNCATE_TOLERANCE == 2


def test_evaluate_lists_long_cuts_and_prints_a_warning(tmp_path):
    from slvg_bench.commands.evaluate import print_report

    for key, n_pred in (("short", 12), ("close", 15)):
        target = structured_video(16, 24, 24, seed=1)
        write_mp4(tmp_path / "target" / f"{key}.mp4", target, lossless=True)
        write_mp4(tmp_path / "pred" / f"{key}.mp4", noisy(target[:n_pred], 0.02), lossless=True)
    res = evaluate(cfg(tmp_path / "pred", tmp_path / "target", metrics=("l1",), align=("truncate",)),
                   tmp_path / "r.parquet", progress=False)
    assert list(res.summary["truncated_videos"]) == ["short"]
    assert "lengths differ by 4 frames" in res.summary["truncated_videos"]["short"]
    buf = io.StringIO()
    print_report(Console(file=buf, width=400, no_color=True), res)
    assert ("warning: --align truncate cut more than 2 frames from 1 video(s); frames are compared by index, not "
            "re-timed (first short:") in buf.getvalue()


def test_evaluator_raises_an_alignment_warning():
    from slvg_bench import Evaluator

    target = structured_video(16, 24, 24)
    ev = Evaluator(("l1",), device="cpu", align=("truncate",))
    with pytest.warns(AlignmentWarning, match=r"video 'a': truncated to 12 frames .* cut without re-timing"):
        ev.update(target[:12], target, video_id="a")
    with warnings.catch_warnings():
        warnings.simplefilter("error", AlignmentWarning)
        ev.update(target[:14], target, video_id="b")  # 2 frames: no warning


def test_help_says_what_truncate_does():
    from slvg_bench.cli import cli

    text = " ".join(CliRunner().invoke(cli, ["evaluate", "--help"]).output.split())
    text = re.sub(r"re- timed", "re-timed", text)  # click may wrap at the hyphen
    assert "keep frames 0..n-1 of both (n = the shorter length) and drop the rest; nothing is re-timed" in text
    assert "a warning when more than 2 frames are cut" in text
