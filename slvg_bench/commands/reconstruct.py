"""``slvg-bench reconstruct``: one video reconstructed by one method, optionally with its intermediate maps."""

from __future__ import annotations

import click

from slvg_bench.devices import device_callback


@click.command()
@click.option("--method", "-m", required=True, help="Method id (pgmm, tpsmm, mraa, dynast, static, oracle).")
@click.option("--dataset", "-d", required=True, help="Dataset id.")
@click.option("--video", "video_id", required=True, help="Video id of the split (see the dataset's index).")
@click.option("--split", default="test", show_default=True, help="Split that holds the video.")
@click.option("--checkpoint", default=None,
              help="Checkpoint file or weight id (default: the one `slvg-bench train` made for this dataset).")
@click.option("--out", "out_dir", type=click.Path(), default=None,
              help="Output folder (default reconstruct/<dataset>_<video>).")
@click.option("--save-intermediates", is_flag=True,
              help="Also draw the method's intermediate maps (PGMM Fig. 7: flow magnitude, occlusion, |PFM diff|) "
                   "as PNG grids and save them as .npz.")
@click.option("--frames", "n_frames", type=click.IntRange(min=1), default=6, show_default=True, help="Frames (columns) in the PNG grids.")
@click.option("--device", callback=device_callback, default="auto", show_default=True, help="cpu, cuda, cuda:1, … (auto: CUDA when present).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Driving frames per generator batch (default: the method's own: 16 for pgmm, tpsmm and mraa, 8 for dynast); "
                   "a speed and memory setting (frames equal up to float rounding).")
@click.option("--resolution", type=click.IntRange(min=8), default=128, show_default=True, help="Frame size the methods see.")
@click.option("--data-root", type=click.Path(), default=None, help="Root of the real datasets (or SLVG_BENCH_DATA).")
def reconstruct(method, dataset, video_id, split, checkpoint, out_dir, save_intermediates, n_frames, device,
                batch_size, resolution, data_root) -> None:
    """Reconstruct VIDEO of DATASET with METHOD (source = its first frame, drivers = all its frames) and
    write OUT/<method>.mp4; with --save-intermediates also OUT/<method>_intermediates.png, _scales.png
    (per scale) and _intermediates.npz. Never trains: without a checkpoint it says which command makes one."""
    from pathlib import Path

    from slvg_bench.console import err_console
    from slvg_bench.errors import CheckpointError, UsageError
    from slvg_bench.harness.checkpoints import resolve_checkpoint
    from slvg_bench.harness.jobs import find_job, reconstruction_jobs
    from slvg_bench.harness.runner import generate, load_animator
    from slvg_bench.methods import METHODS, methods_with_intermediates
    from slvg_bench.scoring import resolve_device
    from slvg_bench.video import write_mp4

    from slvg_bench.data.registry import DATASETS
    from slvg_bench.outputs import ensure_dir
    from slvg_bench.paths import file_stem

    spec = METHODS.get(method)
    DATASETS.check(dataset)
    if save_intermediates and not spec.intermediates:
        raise UsageError(f"{method} has no intermediate maps; methods that have them: "
                         f"{', '.join(methods_with_intermediates())}")
    job = find_job(reconstruction_jobs(dataset, [split], data_root=data_root, resolution=resolution,
                                       with_unavailable=True), video_id, dataset, split)
    out = ensure_dir(Path(out_dir) if out_dir else Path("reconstruct") / f"{dataset}_{file_stem(video_id)}")
    try:
        ckpt = resolve_checkpoint(method, dataset, checkpoint, train_if_missing=False)
    except CheckpointError as e:
        raise CheckpointError(f"{e} (reconstruct never trains; or pass --checkpoint PATH)") from e
    device = resolve_device(device)
    animator = load_animator(method, ckpt, device, "reconstruction", batch_size)
    if save_intermediates:
        from slvg_bench.harness.runner import generate_with_intermediates
        from slvg_bench.intermediate_maps import write_intermediates

        frames, maps = generate_with_intermediates(animator, job)
    else:
        frames, maps = generate(animator, job), None
    paths = [write_mp4(out / f"{method}.mp4", frames, lossless=True)]
    if maps is not None:
        paths += write_intermediates(out / method, job.driving, frames, maps, n_frames,
                                     title=f"{method} on {dataset}/{video_id}")
    err_console.print("wrote " + ", ".join(map(str, paths)), highlight=False)

