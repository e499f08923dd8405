"""``slvg-bench score-wer`` on bar, STM and CTM files, and the transcript readers."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from slvg_bench.cli import cli
from slvg_bench.errors import UsageError
from slvg_bench.recognition.transcripts import read_transcripts, write_ctm


def _run(*args):
    return CliRunner().invoke(cli, ["score-wer", *args], catch_exceptions=False)


def test_bar_files_with_empty_hypothesis(tmp_path):
    ref = tmp_path / "ref.txt"
    hyp = tmp_path / "hyp.txt"
    ref.write_text("v1|A B C\nv2|D E\n# comment\n\nv3|F\n")
    hyp.write_text("v1|A C D\nv2|\nv9|X\n")  # v2 empty, v3 missing, v9 unknown
    r = _run("--ref", str(ref), "--hyp", str(hyp), "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    # v1: C D C I -> D1 I1; v2: [EMPTY] vs D E -> S1 D1; v3: [EMPTY] vs F -> S1
    assert (res["substitutions"], res["deletions"], res["insertions"], res["n_ref"]) == (2, 2, 1, 6)
    assert res["wer"] == pytest.approx(500 / 6)
    assert "1 reference ids have no hypothesis" in r.stderr and "1 hypothesis ids have no reference" in r.stderr
    plain = _run("--ref", str(ref), "--hyp", str(hyp))
    assert plain.stdout.startswith("WER 83.33%  (S 2, D 2, I 1; 6 reference glosses in 3 sentences")


def test_official_stm_and_ctm_with_phoenix_rules(tmp_path):
    stm = tmp_path / "gt.stm"
    stm.write_text("s1 1 Signer01 0.0 1.79769e+308 REGEN SONNE ZEIGEN-BILDSCHIRM\n"
                   "s2 1 Signer02 0.0 1.79769e+308 __ON__ MORGEN __OFF__")  # no final newline
    ctm = write_ctm(tmp_path / "hyp.ctm", {"s2": ["__ON__", "MORGEN", "__OFF__"],
                                           "s1": ["loc-REGEN", "__EMOTION__", "S0NNE", "ZEIGEN"]})
    lines = ctm.read_text().splitlines()
    assert lines[0] == "s2 1 0.00 0.01 __ON__"
    r = _run("--ref", str(stm), "--hyp", str(ctm), "--convention", "phoenix", "--json")
    assert json.loads(r.stdout)["errors"] == 0
    r = _run("--ref", str(stm), "--hyp", str(ctm), "--convention", "plain", "--json")
    res = json.loads(r.stdout)
    assert (res["substitutions"], res["insertions"]) == (3, 1)  # loc-REGEN, S0NNE, ZEIGEN; __EMOTION__ inserted


def test_ctm_lines_sorted_by_start_time(tmp_path):
    ctm = tmp_path / "h.ctm"
    ctm.write_text("a 1 0.02 0.03 C\na 1 0.00 0.01 A\nb 1 0.00 0.01 X\na 1 0.01 0.02 B 0.9\n")
    assert read_transcripts(ctm) == {"a": ["A", "B", "C"], "b": ["X"]}


@pytest.mark.parametrize("content, fmt, match", [
    ("a b c\n", None, "cannot tell the format"),
    ("x|A\nx|B\n", None, "appears twice"),
    ("s1 1 A\n", "stm", "STM line needs"),
    ("a 1 zero 0.1 G\n", "ctm", "not a number"),
])
def test_malformed_files(tmp_path, content, fmt, match):
    path = tmp_path / "f.txt"
    path.write_text(content)
    with pytest.raises(UsageError, match=match):
        read_transcripts(path, fmt)


def test_cli_usage_errors_exit_2(tmp_path):
    import subprocess
    import sys

    ref = tmp_path / "r.txt"
    ref.write_text("a b\n")
    out = subprocess.run([sys.executable, "-m", "slvg_bench", "score-wer", "--ref", str(ref), "--hyp", str(ref)],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "cannot tell the format" in out.stderr and "Traceback" not in out.stderr
