"""``slvg-bench pose``: list, run, evaluate and train pose estimators."""

from __future__ import annotations

import click

from slvg_bench.commands import FiniteFloatRange
from slvg_bench.devices import device_callback


@click.group()
def pose() -> None:
    """Whole-body pose estimators (COCO-WholeBody 133 keypoints)."""


def _synthsign_root(data_root: str | None):
    from pathlib import Path

    if data_root:
        return Path(data_root)
    from slvg_bench.data.synthsign import ensure

    return ensure()


@pose.command("list")
def list_() -> None:
    """Show the registered estimators and whether their weights are installed."""
    from rich.table import Table

    from slvg_bench import weights
    from slvg_bench.console import out_console
    from slvg_bench.pose.estimators import ESTIMATORS

    table = Table("estimator", "differentiable", "heatmaps", "weights")
    hints = []
    for name in ESTIMATORS.names():
        try:
            cls = ESTIMATORS.get(name)
        except Exception as e:  # noqa: BLE001  (an optional dependency is missing)
            table.add_row(name, "?", "?", "unavailable")
            hints.append(f"{name}: {e}")
            continue
        st = weights.status(cls.weight_id) if cls.weight_id else "none needed"
        if st == "missing":
            hints.append(f"{name}: {weights.install_hint(weights.get_spec(cls.weight_id))}")
        table.add_row(name, "yes" if cls.differentiable else "no", "yes" if cls.has_heatmaps else "no", st)
    out_console.print(table)
    for hint in hints:
        out_console.print(hint, soft_wrap=True, highlight=False)


@pose.command("estimate")
@click.argument("video", type=click.Path())
@click.option("--estimator", "name", required=True, help="Estimator id (see `slvg-bench pose list`).")
@click.option("--out", required=True, type=click.Path(), help="Keypoints file to write (.npy, float32 T×133×3).")
@click.option("--overlay", type=click.Path(), help="Also write the video with the skeleton drawn (.mp4/.gif/folder).")
@click.option("--device", callback=device_callback, default=None, help="torch device (default: cuda if available).")
def estimate(video: str, name: str, out: str, overlay: str | None, device: str | None) -> None:
    """Estimate keypoints for every frame of VIDEO."""
    from pathlib import Path

    import numpy as np

    from slvg_bench.errors import UsageError
    from slvg_bench.outputs import ensure_dir, ensure_file_target
    from slvg_bench.pose.estimators import ESTIMATORS, load_estimator
    from slvg_bench.video import read_video, video_info, write_video

    ESTIMATORS.check(name)  # a typo fails before decoding the video
    # outputs checked before any work; numpy would append .npy to any other name (a file not asked for)
    if Path(out).suffix.lower() != ".npy":
        raise UsageError(f"--out {out!r} must be a file name ending in .npy")
    ensure_file_target(out, "--out")
    if overlay:
        if Path(overlay).suffix.lower() not in (".mp4", ".gif", ""):
            raise UsageError(f"--overlay {overlay!r} must end in .mp4 or .gif, or be a folder name without a "
                             f"suffix (PNG frames)")
        if Path(overlay).suffix:
            ensure_file_target(overlay, "--overlay")
        else:
            ensure_dir(overlay, "--overlay")
    frames = read_video(video)
    kp = load_estimator(name, device=device).estimate(frames).cpu().numpy().astype(np.float32)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    np.save(out, kp)
    click.echo(f"wrote {out} ({len(kp)} frames)", err=True)
    if overlay:
        from slvg_bench.pose.draw import draw_keypoints

        write_video(overlay, draw_keypoints(frames, kp), fps=video_info(video).fps or 25.0)
        click.echo(f"wrote {overlay}", err=True)


@pose.command("eval")
@click.option("--estimator", "name", required=True, help="Estimator id (see `slvg-bench pose list`).")
@click.option("--dataset", type=click.Choice(["synthsign"]), default="synthsign", show_default=True)
@click.option("--data-root", type=click.Path(), help="Dataset root (default: the generated synthsign copy).")
@click.option("--split", default="test", show_default=True)
@click.option("--alpha", type=FiniteFloatRange(0, 1, min_open=True), default=0.1, show_default=True, help="PCK threshold as a fraction of the box size.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N videos.")
@click.option("--device", callback=device_callback, default=None, help="torch device (default: cuda if available).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout instead of a table.")
@click.option("--preview", type=click.Path(), help="Also write a PNG: frames, ground truth, predictions.")
def eval_(name: str, dataset: str, data_root: str | None, split: str, alpha: float, limit: int | None,
          device: str | None, as_json: bool, preview: str | None) -> None:  # fmt: skip
    """PCK@alpha and mean pixel error per group against the dataset's ground-truth keypoints."""
    import json
    from pathlib import Path

    from slvg_bench.errors import UsageError
    from slvg_bench.pose.estimators import load_estimator
    from slvg_bench.pose.train import evaluate_estimator

    if preview:  # checked before the evaluation, not after it
        from slvg_bench.outputs import ensure_file_target

        if Path(preview).suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise UsageError(f"--preview {preview!r} must be an image file name ending in .png or .jpg")
        ensure_file_target(preview, "--preview")
    estimator = load_estimator(name, device=device)
    root = _synthsign_root(data_root)
    result = evaluate_estimator(estimator, root, split, alpha, limit)
    result["estimator"] = name
    if preview:
        _write_preview(preview, estimator, root, split)
        click.echo(f"wrote {preview}", err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    _print_evaluation(result)


def _write_preview(path: str, estimator, root, split: str, columns: int = 4) -> None:
    """Middle frames of ``columns`` videos spread over the split: frame, ground truth, prediction."""
    from pathlib import Path

    from PIL import Image

    from slvg_bench.pose.draw import keypoint_grid
    from slvg_bench.pose.keypoint_data import load_video_keypoints, read_index
    from slvg_bench.video import to_float

    entries = read_index(root, split)
    picks = [entries[i * len(entries) // columns] for i in range(min(columns, len(entries)))]
    images, truth, predicted = [], [], []
    for entry in picks:
        frames, kp = load_video_keypoints(entry)
        t = len(frames) // 2
        images.append(frames[t])
        truth.append(kp[t])
        predicted.append(estimator.estimate(to_float(frames[t:t + 1]))[0].cpu().numpy())
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(keypoint_grid(images, [truth, predicted])).save(path)


def _print_evaluation(result: dict) -> None:
    from rich.table import Table

    from slvg_bench.console import out_console

    a = result["alpha"]
    table = Table("group", f"PCK@{a} (person box) ↑", f"PCK@{a} (own box) ↑", "detected ↑", "mean error px ↓", "points",
                  title=f"{result.get('estimator', '')} on {result['split']}: {result['videos']} videos, {result['frames']} frames")  # fmt: skip
    for g, r in result["pck_person_box"].items():
        table.add_row(g, f"{r['pck']:.3f}", f"{result['pck_group_box'][g]['pck']:.3f}", f"{r['detected']:.3f}",
                      f"{r['mean_error_px']:.2f}", str(r["n"]))  # fmt: skip
    out_console.print(table)


@pose.command("train")
@click.option("--dataset", type=click.Choice(["synthsign"]), default="synthsign", show_default=True,
              help="Dataset with exact keypoints to train on.")  # fmt: skip
@click.option("--data-root", type=click.Path(), help="Dataset root (default: generate/use the synthsign copy).")
@click.option("--config", "config_file", type=click.Path(), help="YAML with PoseTrainConfig fields.")
@click.option("--set", "overrides", multiple=True, help="Override a config key, e.g. --set steps=500.")
@click.option("--out", type=click.Path(), help="Checkpoint path (default: the weights cache, id posenet.synthsign).")
@click.option("--device", callback=device_callback, default=None, help="torch device (default: cuda if available).")
def train(dataset: str, data_root: str | None, config_file: str | None, overrides: tuple[str, ...],
          out: str | None, device: str | None) -> None:  # fmt: skip
    """Train the small heatmap network on DATASET's exact keypoints and report PCK on its test split."""
    from slvg_bench import weights
    from slvg_bench.config import load_config
    from slvg_bench.outputs import ensure_file_target
    from slvg_bench.pose.train import PoseTrainConfig, train_posenet

    cfg = load_config(PoseTrainConfig, config_file, overrides=overrides)
    # the checkpoint's place is checked before training, not after it
    ensure_file_target(out if out else weights.cache_path("posenet.synthsign"), "--out" if out else "the weights cache")
    report = train_posenet(_synthsign_root(data_root), cfg, out=out, device=device,
                           log=lambda line: click.echo(line, err=True))  # fmt: skip
    report["evaluation"]["estimator"] = "posenet-synthsign"
    _print_evaluation(report["evaluation"])
    click.echo(f"saved {report['checkpoint']} ({report['steps']} steps, {report['train_seconds']:.0f}s)", err=True)
