"""``slvg-bench recognizer``: train the synthsign recognizer, measure WER, recognise videos."""

from __future__ import annotations

import click

TRAINABLE_DATASETS = ("synthsign",)
KINDS = ("sentence", "isolated")  # the kind column of a gloss-annotated index.csv


def _dataset_root(dataset: str, data_root: str | None):
    from pathlib import Path

    from slvg_bench.errors import UsageError

    if dataset not in TRAINABLE_DATASETS:
        raise UsageError(f"recognizer training/evaluation supports --dataset {', '.join(TRAINABLE_DATASETS)}, "
                         f"got {dataset!r}")
    if data_root:
        return Path(data_root)
    from slvg_bench.data.synthsign import ensure

    return ensure()


@click.group()
def recognizer() -> None:
    """CorrNet sign-language recognizers (the WER metric's model)."""


@recognizer.command("train")
@click.option("--dataset", default="synthsign", show_default=True, help="Dataset to train on.")
@click.option("--data-root", type=click.Path(), default=None,
              help="Dataset folder (default: the synthsign copy under $SLVG_BENCH_HOME, generated on first use).")
@click.option("--config", "config_path", type=click.Path(), default=None, help="YAML with RecognizerTrainConfig keys.")
@click.option("--set", "overrides", multiple=True, help="Override a config key, e.g. --set epochs=10.")
@click.option("--out", "out_path", type=click.Path(), default=None,
              help="Write the checkpoint here (default: install it into the weights cache).")
@click.option("--install/--no-install", default=True, show_default=True,
              help="Install the result as weight 'corrnet.synthsign-slvg' (used by WER on synthsign).")
@click.option("--progress/--no-progress", default=True, show_default=True)
def train(dataset: str, data_root: str | None, config_path: str | None, overrides: tuple[str, ...],
          out_path: str | None, install: bool, progress: bool) -> None:
    """Train a CorrNet-architecture recognizer (reduced width) on CPU; see docs/wer.md."""
    import json
    import tempfile
    from pathlib import Path

    from slvg_bench import weights
    from slvg_bench.config import load_config
    from slvg_bench.recognition.train import RecognizerTrainConfig, train_recognizer

    cfg = load_config(RecognizerTrainConfig, config_path, overrides=overrides)
    # outputs checked before the training copy is rendered and the model trained (minutes)
    from slvg_bench.outputs import ensure_dir, ensure_file_target

    if out_path:
        ensure_file_target(out_path, "--out")
    if install:
        ensure_dir(weights.cache_path("corrnet.synthsign-slvg").parent, "the weights cache")
    root = _dataset_root(dataset, data_root)
    if cfg.train_size:
        root = _training_copy(cfg, progress)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(out_path) if out_path else Path(tmp) / "corrnet_synthsign.pt"
        summary = train_recognizer(root, cfg, target, log=lambda m: click.echo(m, err=True), progress=progress)
        if install:
            dest = weights.add("corrnet.synthsign-slvg", target)
            summary["installed"] = str(dest)
        if out_path:
            summary["checkpoint"] = str(target)
    click.echo(json.dumps(summary, indent=2))


def _training_copy(cfg, progress: bool):
    """The synthsign copy the recognizer trains on (generated on first use; see RecognizerTrainConfig.train_size)."""
    import time

    from slvg_bench import paths
    from slvg_bench.data.synthsign import generate

    extra = f"-x{cfg.extra_signers}" if cfg.extra_signers else ""
    root = paths.home() / "data" / f"synthsign-recognizer-{cfg.train_size}{extra}-r{cfg.frame_size}-s{cfg.train_seed}"
    if not (root / "meta.json").is_file():
        start = time.time()
        click.echo(f"rendering the recognizer's training copy of synthsign ({cfg.train_size}, {cfg.frame_size}px) "
                   f"into {root}", err=True)
        generate(root, seed=cfg.train_seed, size=cfg.train_size, resolution=cfg.frame_size,
                 workers=cfg.threads or None, progress=progress, extra_signers=cfg.extra_signers)
        click.echo(f"rendered in {time.time() - start:.0f}s", err=True)
    return root


@recognizer.command("eval")
@click.option("--recognizer", "name", default="corrnet-synthsign", show_default=True,
              help="Recognizer id (corrnet-synthsign, corrnet-phoenix2014t, corrnet-csl-daily) or checkpoint path.")
@click.option("--dataset", default="synthsign", show_default=True)
@click.option("--data-root", type=click.Path(), default=None, help="Dataset folder (default: synthsign under $SLVG_BENCH_HOME).")
@click.option("--split", default="test", show_default=True)
@click.option("--decoder", type=click.Choice(["beam", "greedy"]), default="beam", show_default=True)
@click.option("--shuffled/--no-shuffled", default=True, show_default=True,
              help="Also score the same videos with their frames shuffled in time (a sanity floor).")
@click.option("--kinds", default="sentence,isolated", show_default=True,
              help="Which videos of the split: sentence, isolated or both (comma-separated).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N videos.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
def eval_(name: str, dataset: str, data_root: str | None, split: str, decoder: str, shuffled: bool,
          kinds: str, limit: int | None, as_json: bool) -> None:
    """WER of a recognizer on the real videos of a dataset split (and on time-shuffled copies)."""
    import difflib
    import json

    from slvg_bench.errors import UsageError
    from slvg_bench.recognition.evaluate import evaluate_split
    from slvg_bench.recognition.recognizer import load_recognizer

    kinds_t = tuple(k.strip() for k in kinds.split(",") if k.strip())
    for k in kinds_t or ("",):  # checked first: a typo would read as "no such videos in the split"
        if k not in KINDS:
            close = difflib.get_close_matches(k, KINDS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--kinds {k!r} is not a video kind.{hint} Valid: {', '.join(KINDS)} (comma-separated)")
    rec = load_recognizer(name, decoder=decoder)
    root = _dataset_root(dataset, data_root)
    results = {"recognizer": rec.name, "dataset": dataset, "split": split, "decoder": decoder, "kinds": list(kinds_t)}
    counts, _, _ = evaluate_split(rec, root, split, kinds_t, limit=limit, progress=not as_json)
    results["real"] = counts.to_dict()
    if shuffled:
        counts_s, _, _ = evaluate_split(rec, root, split, kinds_t, shuffle_frames=True, limit=limit,
                                        progress=not as_json)
        results["shuffled"] = counts_s.to_dict()
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    for key in ("real", "shuffled"):
        if key in results:
            r = results[key]
            click.echo(f"{key:9s} WER {r['wer']:6.2f}%  (S {r['substitutions']}, D {r['deletions']}, "
                       f"I {r['insertions']}; {r['n_ref']} glosses, {r['n_sentences']} videos)")


@recognizer.command("recognize")
@click.argument("videos", nargs=-1, required=True, type=click.Path())
@click.option("--recognizer", "name", default="corrnet-synthsign", show_default=True, help="Recognizer id or checkpoint path.")
@click.option("--gloss-dict", type=click.Path(), default=None, help="gloss_dict.npy/.json for an official checkpoint path.")
@click.option("--decoder", type=click.Choice(["beam", "greedy"]), default="beam", show_default=True)
def recognize_(videos: tuple[str, ...], name: str, gloss_dict: str | None, decoder: str) -> None:
    """Print 'path|glosses' for each video (the form score-wer reads)."""
    from slvg_bench.recognition.recognizer import from_checkpoint, load_recognizer
    from slvg_bench.video import read_video

    if gloss_dict:
        rec = from_checkpoint(name, gloss_dict=gloss_dict, decoder=decoder)
    else:
        rec = load_recognizer(name, decoder=decoder)
    for path in videos:
        (hyp,) = rec.recognize([read_video(path)])
        click.echo(f"{path}|{' '.join(hyp)}")
