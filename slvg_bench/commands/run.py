"""``slvg-bench run``: generate and score one method on one dataset (the benchmark's main job)."""

from __future__ import annotations

import click

from slvg_bench.commands.resampling import bootstrap_options, resampling_options
from slvg_bench.devices import device_callback


@click.command()
@click.option("--method", "-m", required=True, help="Method id (pgmm, tpsmm, mraa, dynast, static, oracle).")
@click.option("--dataset", "-d", required=True, help="Dataset id (synthsign, lsa64, wlasl, phoenix, csl).")
@click.option("--task", type=click.Choice(["reconstruction", "cross-person"]), default="reconstruction",
              show_default=True, help="Reconstruction (source = first frame) or cross-person (fixed pair list).")
@click.option("--split", default="test", show_default=True, help="Evaluation split (test; dev where the dataset has one).")
@click.option("--checkpoint", default=None,
              help="Checkpoint file or weight id (default: the one `slvg-bench train` made for this dataset, "
                   "else train one now).")
@click.option("--train-preset", default=None, help="Preset used when a checkpoint must be trained (synthsign: quick).")
@click.option("--no-train", is_flag=True, help="Fail instead of training when no checkpoint exists.")
@click.option("--metrics", default=None,
              help="Comma-separated metric ids (default: the task's metrics, + wer when the dataset has glosses).")
@click.option("--wer-recognizer", default=None,
              help="Recognizer for WER (default: the dataset's, e.g. corrnet-synthsign), or a checkpoint path.")
@click.option("--keypoint-estimator", default=None, help="Pose estimator for akd, mpjpe and dtw-mje (default when one of them is "
                                                    "requested: the dataset's, e.g. posenet-synthsign for synthsign).")
@click.option("--device", callback=device_callback, default="auto", show_default=True, help="cpu, cuda, cuda:1, … (auto: CUDA when present).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Driving frames per generator batch (default: the method's own: 16 for pgmm, tpsmm and mraa, 8 for dynast); "
                   "a speed and memory setting (frames equal up to float rounding).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N videos per split (a quick look).")
@click.option("--resolution", type=click.IntRange(min=8), default=128, show_default=True, help="Frame size the methods see.")
@click.option("--data-root", type=click.Path(), default=None, help="Root of the real datasets (or SLVG_BENCH_DATA).")
@click.option("--out", type=click.Path(), default=None, help="Run directory (default runs/<dataset>_<split>_<task>/<method>).")
@click.option("--overwrite", is_flag=True, help="Replace a run directory that holds another configuration.")
@click.option("--save-videos/--no-save-videos", default=True, show_default=True, help="Keep the generated videos.")
@click.option("--label", default=None, help="Name on leaderboards (default: the method id), e.g. pgmm-+pfm for an ablation.")
@click.option("--plots", is_flag=True,
              help="Also write plots/<video>.png: L1, SSIM and TCD per frame and a TCD map (reconstruction only).")
@click.option("--plot-frame", type=click.IntRange(min=0), default=None, help="Frame of the TCD map in --plots (default: the middle one).")
@resampling_options
@click.option("--json", "as_json", is_flag=True, help="Print the aggregate as JSON on stdout.")
def run(method, dataset, task, split, checkpoint, train_preset, no_train, metrics, wer_recognizer, keypoint_estimator,
        device, batch_size, limit, resolution, data_root, out, overwrite, save_videos, label, plots, plot_frame,
        resamples, resample_seed, as_json) -> None:
    """Generate every video of TASK with METHOD on DATASET, score it, and write the run directory
    (per-video Parquet rows, aggregate CSV/JSON with provenance, generated videos). Resumable: rerun the
    same command to continue; a finished run prints its results (with --plots: draws the missing plots).
    Works under torchrun (videos sharded). --resamples/--resample-seed only change the intervals:
    a finished run rerun with other values is re-aggregated, not regenerated."""
    import json

    from slvg_bench.console import err_console
    from slvg_bench.harness.config import RunConfig
    from slvg_bench.harness.runner import run_benchmark
    from slvg_bench.report import print_aggregate

    cfg = RunConfig(method=method, dataset=dataset, task=task, split=split, resolution=resolution,
                    metrics=tuple(m.strip() for m in metrics.split(",")) if metrics else None,
                    keypoint_estimator=keypoint_estimator, checkpoint=checkpoint,
                    bootstrap=bootstrap_options(resamples, resample_seed))
    if wer_recognizer:
        from slvg_bench.metrics.wer_metric import WEROptions

        cfg.options.wer = WEROptions(recognizer=wer_recognizer)
    result = run_benchmark(cfg, out=out, device=device, batch_size=batch_size, limit=limit, data_root=data_root,
                           train_if_missing=not no_train, train_preset=train_preset, overwrite=overwrite,
                           save_videos=save_videos, label=label, plots=plots, plot_frame=plot_frame)
    if result.rows is None:  # a non-zero torchrun rank
        return
    n_ok = int((result.rows["status"] == "ok").sum()) if len(result.rows) else 0
    print_aggregate(err_console, f"{method} on {dataset} ({task}) — {n_ok} of {len(result.rows)} videos",
                    result.entries, result.summary)
    err_console.print(f"run directory: {result.out_dir}", highlight=False)
    if as_json:
        click.echo((result.out_dir / "aggregate.json").read_text())
    from slvg_bench.errors import SlvgError
    from slvg_bench.results import incomplete_message

    problem = incomplete_message(result.summary, int(result.summary.get("n_expected", len(result.rows))),
                                 str(result.out_dir))
    if problem:
        raise SlvgError(problem)
