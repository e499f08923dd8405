"""``slvg-bench evaluate``: score any method's videos against targets, no model needed."""

from __future__ import annotations

import click

from slvg_bench.commands.resampling import resampling_options
from slvg_bench.devices import device_callback


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@click.command()
@click.option("--pred", "pred", required=True, type=click.Path(), help="Folder of generated videos.")
@click.option("--target", "target", required=True, type=click.Path(), help="Folder of target (real) videos.")
@click.option("--out", "out", required=True, type=click.Path(), help="Result rows (.parquet); aggregate CSV/JSON go next to it.")
@click.option("--metrics", "metrics", default=None,
              help="Comma-separated metric ids or aliases (default: l1,ssim,psnr,lpips-alex,fvd-i3d-k400,tcd "
                   "[+ region metrics with keypoints, + akd with an estimator, + wer with --glosses]).")
@click.option("--glosses", "glosses", type=click.Path(), default=None,
              help="Reference glosses for WER: 'id|gloss gloss …' lines, an STM file, or a CSV with id,glosses "
                   "columns (default: the glosses of --dataset when it is a prepared dataset).")
@click.option("--wer-recognizer", "wer_recognizer", default=None,
              help="Recognizer for WER: corrnet-synthsign, corrnet-phoenix2014t, corrnet-csl-daily or a checkpoint "
                   "path (default: the one for --dataset).")
@click.option("--keypoints", "keypoints", type=click.Path(), default=None,
              help="Folder of target keypoints <video key>.npy (T×133×3, COCO-WholeBody) for region metrics.")
@click.option("--keypoint-estimator", "keypoint_estimator", default=None,
              help="Pose estimator (slvg_bench.pose.estimators) for region metrics without --keypoints and for akd, "
                   "mpjpe and dtw-mje (default for those three: the estimator chosen for --dataset, e.g. "
                   "posenet-synthsign for synthsign).")
@click.option("--align", "align", multiple=True,
              help="Handle mismatched pairs (default: such a pair fails). 'truncate': different frame counts - keep "
                   "frames 0..n-1 of both (n = the shorter length) and drop the rest; nothing is re-timed, frame i "
                   "is compared with frame i, so another frame rate or start offset stays misaligned; a warning "
                   "when more than 2 frames are cut. 'resize': different frame sizes - the prediction is resized "
                   "bilinearly to the target size (antialiased when shrinking). Both: --align truncate,resize.")
@click.option("--fvd-skip-short/--no-fvd-skip-short", "fvd_skip_short", default=None,
              help="Leave videos shorter than the FVD clip out of FVD (counted) instead of failing FVD.")
@click.option("--fvd-clip-length", type=click.IntRange(min=10), default=None, help="Frames per FVD clip (default 16, minimum 10).")
@click.option("--fvd-covariance", type=click.Choice(["unbiased", "biased"]), default=None,
              help="unbiased (TF-GAN, default) or biased (StyleGAN-V).")
@click.option("--fvd-network", type=click.Choice(["auto", "tats", "styleganv"]), default=None,
              help="Which installed I3D file to use (auto: TATS state dict, else StyleGAN-V TorchScript).")
@click.option("--config", "config_file", type=click.Path(), default=None, help="YAML with EvaluateConfig keys.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override any config key, e.g. --set options.tcd.reduction=any.")
@click.option("--method", "method", default=None, help="Method label for the rows (default: the --pred folder name).")
@click.option("--dataset", "dataset", default=None, help="Dataset label for the rows (default: the --target folder name).")
@click.option("--device", callback=device_callback, default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--batch-frames", type=click.IntRange(min=1), default=32, show_default=True, help="Frames per batch (memory only).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Score only the first N targets (quick look).")
@click.option("--overwrite", is_flag=True, help="Replace results of a different configuration in --out.")
@click.option("--json", "as_json", is_flag=True, help="Print the aggregate as JSON on stdout (table goes to stderr).")
@click.option("--progress/--no-progress", default=True, show_default=True)
@resampling_options
def evaluate(pred, target, out, metrics, glosses, wer_recognizer, keypoints, keypoint_estimator, align, fvd_skip_short, fvd_clip_length,
             fvd_covariance, fvd_network, config_file, overrides, method, dataset, device, batch_frames, limit,
             overwrite, as_json, progress, resamples, resample_seed) -> None:
    """Score generated videos (--pred) against targets (--target), matched by relative path.

    Any readable form on either side (mp4, avi, webm, mov, mkv, gif, frame
    folders). One row per video in --out (resumable: rerun the same command to
    continue), the aggregate as a table and as <out>.aggregate.csv/.json.
    Metrics whose weight files are missing are reported unavailable with the
    command that installs them; the others are computed.
    """
    import json

    from slvg_bench.metrics.registry import resolve

    if metrics:
        resolve(metrics)  # unknown ids fail here, before torch is imported

    from slvg_bench.config import load_config
    from slvg_bench.console import err_console, out_console
    from slvg_bench.errors import SlvgError
    from slvg_bench.evaluate import EvaluateConfig, evaluate as run_evaluate
    from slvg_bench.results import aggregate_records
    from slvg_bench.scoring import resolve_device

    layer: dict = {"pred": pred, "target": target}
    if metrics:
        layer["metrics"] = _split((metrics,))
    if glosses:
        from slvg_bench.outputs import check_text_file

        check_text_file(glosses, "--glosses")
        layer["glosses"] = glosses
    if keypoints:
        layer["keypoints"] = keypoints
    if keypoint_estimator:
        layer["keypoint_estimator"] = keypoint_estimator
    if align:
        layer["align"] = _split(align)
    if method:
        layer["method"] = method
    if dataset:
        layer["dataset"] = dataset
    fvd = {k: v for k, v in {"skip_short": fvd_skip_short, "clip_length": fvd_clip_length,
                             "covariance": fvd_covariance, "network": fvd_network}.items() if v is not None}
    if fvd:
        layer["options"] = {"fvd": fvd}
    if wer_recognizer:
        layer.setdefault("options", {})["wer"] = {"recognizer": wer_recognizer}
    if resamples is not None or resample_seed is not None:
        layer["bootstrap"] = {k: v for k, v in {"resamples": resamples, "seed": resample_seed}.items()
                              if v is not None}
    cfg = load_config(EvaluateConfig, config_file, layer, overrides=overrides)
    result = run_evaluate(cfg, out, device=resolve_device(device), batch_frames=batch_frames, limit=limit,
                          overwrite=overwrite, progress=progress)

    console = err_console if as_json else out_console
    print_report(console, result)
    if as_json:
        click.echo(json.dumps({"aggregate": aggregate_records(result.aggregate), "summary": result.summary},
                              indent=2, default=str, ensure_ascii=False).replace("NaN", "null"))
    from slvg_bench.results import incomplete_message

    problem = incomplete_message(result.summary, result.summary["n_expected"], str(result.out_path))
    if problem:
        raise SlvgError(problem)
    if result.summary["errors"]:
        raise SlvgError("; ".join(result.summary["errors"]))


def print_report(console, result) -> None:
    """The aggregate table, protocol notes, unavailable metrics and failed videos."""
    from slvg_bench.report import print_aggregate

    n_ok = int((result.rows["status"] == "ok").sum()) if len(result.rows) else 0
    print_aggregate(console, f"slvg-bench evaluate — {n_ok} of {len(result.rows)} videos scored", result.aggregate,
                    result.summary)
    s = result.summary
    cut = s.get("truncated_videos") or {}
    if cut:
        from rich.markup import escape

        from slvg_bench.scoring import TRUNCATE_TOLERANCE

        vid, msg = next(iter(cut.items()))
        console.print(f"[bold yellow]warning:[/] --align truncate cut more than {TRUNCATE_TOLERANCE} frames from "
                      f"{len(cut)} video(s); frames are compared by index, not re-timed (first {escape(vid)}: "
                      f"{escape(msg)})", highlight=False, soft_wrap=True)
    if s["n_predictions_without_target"]:
        from rich.markup import escape

        first = (s.get("predictions_without_target") or [""])[0]
        console.print(f"[yellow]{s['n_predictions_without_target']} prediction(s) have no target and were ignored"
                      f" (e.g. {escape(repr(first))})[/]", highlight=False, soft_wrap=True)
    console.print(f"rows: {result.out_path}; aggregate: {result.csv_path}, {result.json_path}",
                  highlight=False, soft_wrap=True)
