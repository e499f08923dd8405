"""``slvg-bench compare``: side-by-side video, GIF and frame grid of several methods on one video."""

from __future__ import annotations

import click


@click.command()
@click.option("--dataset", "-d", required=True, help="Dataset id.")
@click.option("--methods", required=True, help="Comma-separated method ids whose runs hold the video.")
@click.option("--video", "video_id", required=True, help="Video id (as in the run's results).")
@click.option("--split", default="test", show_default=True)
@click.option("--task", type=click.Choice(["reconstruction", "cross-person"]), default="reconstruction", show_default=True)
@click.option("--runs", "runs_dir", type=click.Path(), default="runs", show_default=True, help="Where the runs are.")
@click.option("--frames", "n_frames", type=click.IntRange(min=1), default=6, show_default=True,
              help="Frames in the PNG grid (at least 1).")
@click.option("--out", "out_dir", type=click.Path(), default="compare", show_default=True)
@click.option("--data-root", type=click.Path(), default=None)
def compare(dataset, methods, video_id, split, task, runs_dir, n_frames, out_dir, data_root) -> None:
    """Write COMPARE/<dataset>_<video>.{mp4,gif,png}: target | each method, and a frame grid with a
    zoomed hand row (from the target's keypoints), like the paper's Fig. 5/6."""
    from pathlib import Path

    from slvg_bench.console import err_console
    from slvg_bench.errors import SlvgError, UsageError
    from slvg_bench.harness.jobs import cross_person_jobs, reconstruction_jobs
    from slvg_bench.harness.runner import video_path
    from slvg_bench.paths import file_stem
    from slvg_bench.video import read_video_uint8, to_uint8
    from slvg_bench.viz import write_comparison

    from slvg_bench.data.registry import DATASETS
    from slvg_bench.harness.jobs import find_job
    from slvg_bench.methods import METHODS

    DATASETS.check(dataset)
    ids = [m.strip() for m in methods.split(",") if m.strip()]
    if not ids:
        raise UsageError(f"--methods names no method (got {methods!r}); expected ids such as static,oracle")
    for m in ids:
        METHODS.check(m)
    videos, labels = [], []
    jobs = (reconstruction_jobs(dataset, [split], data_root=data_root, with_unavailable=True)
            if task == "reconstruction" else cross_person_jobs(dataset, split, data_root=data_root,
                                                               with_unavailable=True))
    job = find_job(jobs, video_id, dataset, split, task)
    from slvg_bench.outputs import ensure_dir

    ensure_dir(out_dir)
    for m in ids:
        path = video_path(Path(runs_dir) / f"{dataset}_{split}_{task}" / m, video_id)
        if not path.is_file():
            raise SlvgError(f"{path} not found: run `slvg-bench run --method {m} --dataset {dataset} --split {split}"
                            f"{'' if task == 'reconstruction' else ' --task ' + task}` first")
        videos.append(read_video_uint8(path))
        labels.append(m)
    videos.insert(0, to_uint8(job.target))
    labels.insert(0, "target")
    paths = write_comparison(Path(out_dir) / f"{dataset}_{file_stem(video_id)}", videos, labels, job.driving_keypoints,
                             n_frames=n_frames)
    err_console.print("wrote " + ", ".join(map(str, paths)), highlight=False)
