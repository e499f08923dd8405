"""WER as a corpus metric in `evaluate` and `run`: figures from the rows, the real-video WER next to
the generated one, S/D/I counts, the unavailable path (never 0), and the leaderboard columns."""

from __future__ import annotations

import json
import math

import pytest
import torch
from click.testing import CliRunner

from slvg_bench import weights
from slvg_bench.metrics.wer import score_corpus
from slvg_bench.recognition.checkpoint import save_checkpoint
from slvg_bench.recognition.corrnet import CorrNet, CorrNetConfig
from slvg_bench.recognition.gloss_dict import GlossDict
from slvg_bench.recognition.preprocess import InputSpec
from slvg_bench.recognition.recognizer import from_checkpoint
from slvg_bench.video import write_mp4

GLOSSES = ["HELLO", "HOUSE", "TODAY", "WHAT", "NAME"]


def tiny_recognizer_checkpoint(path, glosses=GLOSSES, seed=0):
    """A random-weight CorrNet (width 8, hidden 16) in the toolkit's checkpoint layout, 32→28 input."""
    torch.manual_seed(seed)
    vocab = GlossDict.from_sentences([glosses])
    model = CorrNet(CorrNetConfig(num_classes=vocab.num_classes, hidden_size=16, base_width=8))
    with torch.no_grad():  # a non-trivial classifier, so the decoded outputs are not all blank
        model.classifier.weight.normal_()
    return save_checkpoint(model.eval(), path, gloss_dict=vocab.to_plain(), slvg_config={
        "input": InputSpec(frame_size=32, crop=28, frame_stride=1).to_dict(), "convention": "plain"})


def clip(seed: int, n: int = 24, size: int = 32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(1, 3, size, size, generator=g)
    return (base + 0.3 * torch.rand(n, 3, size, size, generator=g)).clamp(0, 1)


@pytest.fixture
def folders(tmp_path):
    """pred/ and target/ with 3 videos each, a glosses file (bar form) and a tiny recognizer checkpoint."""
    refs = {"a": ["HELLO", "HOUSE"], "b": ["TODAY"], "sub/c": ["WHAT", "NAME", "HELLO"]}
    for i, key in enumerate(refs):
        write_mp4(tmp_path / "target" / f"{key}.mp4", clip(i), lossless=True)
        write_mp4(tmp_path / "pred" / f"{key}.mp4", clip(100 + i), lossless=True)
    (tmp_path / "glosses.txt").write_text("".join(f"{k.split('/')[-1]}|{' '.join(v)}\n" for k, v in refs.items()))
    ckpt = tiny_recognizer_checkpoint(tmp_path / "rec.pt")
    return tmp_path, refs, ckpt


def test_evaluate_wer_matches_direct_recognition_and_scoring(folders):
    from slvg_bench.evaluate import EvaluateConfig, evaluate
    from slvg_bench.scoring import MetricOptions
    from slvg_bench.metrics.wer_metric import WEROptions
    from slvg_bench.video import read_video

    root, refs, ckpt = folders
    cfg = EvaluateConfig(pred=str(root / "pred"), target=str(root / "target"), metrics=("wer",),
                         glosses=str(root / "glosses.txt"),
                         options=MetricOptions(wer=WEROptions(recognizer=str(ckpt), decoder="greedy")))
    res = evaluate(cfg, root / "ev.parquet", progress=False)
    figures = {e.column: e for e in res.aggregate}
    assert set(figures) == {"wer", "wer-real"}

    rec = from_checkpoint(ckpt, decoder="greedy", device="cpu")
    keys = list(refs)
    hyp = {k: rec.recognize([read_video(root / "pred" / f"{k}.mp4")])[0] for k in keys}
    hyp_real = {k: rec.recognize([read_video(root / "target" / f"{k}.mp4")])[0] for k in keys}
    want, want_real = score_corpus(refs, hyp, "plain"), score_corpus(refs, hyp_real, "plain")
    assert figures["wer"].value == pytest.approx(want.wer) and figures["wer-real"].value == pytest.approx(want_real.wer)
    details = figures["wer"].details
    assert details["generated"]["substitutions"] == want.substitutions
    assert details["generated"]["deletions"] == want.deletions
    assert details["generated"]["insertions"] == want.insertions
    assert details["real"]["n_ref"] == 6 and details["n_videos"] == 3
    # the aggregate JSON carries the counts of both sides
    agg = json.loads(res.json_path.read_text())["aggregate"]
    wer_row = next(a for a in agg if a["column"] == "wer")
    assert wer_row["direction"] == "↓" and wer_row["details"]["real"]["errors"] == want_real.errors
    rows = res.rows.set_index("video_id")
    assert rows.loc["sub/c", "wer:ref"] == "WHAT NAME HELLO"  # matched by the key's last component


def test_evaluate_identical_folders_give_wer_equal_to_wer_real(folders):
    from slvg_bench.evaluate import EvaluateConfig, evaluate

    root, _, ckpt = folders
    cfg = EvaluateConfig(pred=str(root / "target"), target=str(root / "target"), glosses=str(root / "glosses.txt"))
    cfg.metrics = ("wer",)
    cfg.options.wer = type(cfg.options.wer)(recognizer=str(ckpt))
    res = evaluate(cfg, root / "same.parquet", progress=False)
    v = {e.column: e.value for e in res.aggregate}
    assert not math.isnan(v["wer"]) and v["wer"] == v["wer-real"]


def test_evaluate_cli_with_glosses_csv_and_missing_reference(folders):
    from slvg_bench.cli import cli

    root, refs, ckpt = folders
    (root / "glosses.csv").write_text("id,glosses\na,HELLO HOUSE\nb,TODAY\n")  # no reference for sub/c
    r = CliRunner().invoke(cli, ["evaluate", "--pred", str(root / "pred"), "--target", str(root / "target"),
                                 "--out", str(root / "cli.parquet"), "--metrics", "wer", "--glosses",
                                 str(root / "glosses.csv"), "--wer-recognizer", str(ckpt), "--json", "--no-progress"])
    agg = json.loads(r.stdout[r.stdout.index("{"):])["aggregate"]
    wer = next(a for a in agg if a["column"] == "wer")
    assert wer["value"] is None and "no reference glosses for 'sub/c'" in wer["reason"]
    assert r.exit_code != 0  # a requested figure that could not be computed is an error, not a 0


def test_wer_unavailable_without_checkpoint_names_the_fix(folders, monkeypatch, tmp_path):
    from slvg_bench.evaluate import EvaluateConfig, evaluate

    monkeypatch.setattr(weights, "SHIPPED_DIR", tmp_path / "no-shipped-files")  # as if the package had none
    root, _, _ = folders
    assert weights.status("corrnet.synthsign-slvg") == "missing"
    cfg = EvaluateConfig(pred=str(root / "pred"), target=str(root / "target"), metrics=("wer",), dataset="synthsign",
                         glosses=str(root / "glosses.txt"))
    res = evaluate(cfg, root / "na.parquet", progress=False)
    reason = res.summary["unavailable_metrics"]["wer"]
    assert "slvg-bench recognizer train --dataset synthsign" in reason
    for e in res.aggregate:
        assert math.isnan(e.value) and "recognizer train" in e.reason
    assert res.rows["wer_reason"].str.contains("recognizer train").all()


def test_wer_without_a_recognizer_for_the_dataset(folders):
    from slvg_bench.metrics.wer_metric import WER

    m = WER(dataset="some-other-dataset")
    assert "no recognizer is known" in m.unavailable_reason() and "wer.recognizer" in m.unavailable_reason()


def test_run_reports_wer_and_wer_real_and_leaderboard_shows_them(synthsign_home, tmp_path, monkeypatch):
    from slvg_bench.harness.config import RunConfig
    from slvg_bench.harness.runner import run_benchmark
    from slvg_bench.leaderboard import write_leaderboard

    monkeypatch.setenv("SLVG_BENCH_HOME", str(synthsign_home))
    vocab = sorted({g for line in (synthsign_home / "data" / "synthsign" / "index.csv").read_text().splitlines()[1:]
                    for g in line.split(",")[4].split()})
    weights.add("corrnet.synthsign-slvg", tiny_recognizer_checkpoint(tmp_path / "rec.pt", vocab))
    runs = tmp_path / "runs"
    out = {}
    for method in ("oracle", "static"):
        res = run_benchmark(RunConfig(method=method, dataset="synthsign", split="test", metrics=("wer",)),
                            out=runs / method, device="cpu", progress=False, limit=2)
        out[method] = {e.column: e for e in res.entries}
    oracle, static = out["oracle"], out["static"]
    assert not math.isnan(oracle["wer"].value) and oracle["wer"].value == oracle["wer-real"].value
    assert static["wer-real"].value == oracle["wer-real"].value  # same real videos, same recognizer
    assert oracle["wer"].details["recognizer"] == "corrnet-synthsign" and oracle["wer"].n_videos == 2
    for side in ("generated", "real"):
        c = oracle["wer"].details[side]
        assert c["errors"] == c["substitutions"] + c["deletions"] + c["insertions"] and c["n_ref"] > 0
    _, md, _ = write_leaderboard("synthsign", "test", "reconstruction", runs, tmp_path / "lb", include_reported=False)
    text = md.read_text()
    assert "wer ↓" in text and "wer-real ↓" in text and "`wer-real` is the same recogniser" in text
    assert "corrnet-synthsign" in text


def test_run_cross_person_scores_against_the_driving_glosses(synthsign_home, tmp_path, monkeypatch):
    from slvg_bench.data import cross_person_pairs
    from slvg_bench.harness.config import RunConfig
    from slvg_bench.harness.runner import run_benchmark
    from slvg_bench.recognition.gloss_videos import read_index

    monkeypatch.setenv("SLVG_BENCH_HOME", str(synthsign_home))
    videos = read_index(synthsign_home / "data" / "synthsign")
    vocab = sorted({g for v in videos for g in v.glosses})
    weights.add("corrnet.synthsign-slvg", tiny_recognizer_checkpoint(tmp_path / "rec.pt", vocab))
    res = run_benchmark(RunConfig(method="static", dataset="synthsign", task="cross-person", metrics=("wer",)),
                        out=tmp_path / "cp", device="cpu", progress=False, limit=2)
    pairs, _ = cross_person_pairs("synthsign", "test")
    glosses = {v.id: " ".join(v.glosses) for v in videos}
    refs = dict(zip(res.rows["video_id"], res.rows["wer:ref"]))
    assert refs == {p.pair_id: glosses[p.driving_id] for p in pairs[:2]}
    assert all(not math.isnan(e.value) for e in res.entries)
