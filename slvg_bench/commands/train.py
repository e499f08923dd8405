"""``slvg-bench train``: train a method on a dataset with the shared trainer (1 process or torchrun)."""

from __future__ import annotations

import click

from slvg_bench.devices import device_callback


@click.command()
@click.option("--method", "-m", required=True, help="Trainable method id (e.g. tpsmm, mraa, pgmm).")
@click.option("--dataset", "-d", required=True, help="Dataset id (e.g. synthsign).")
@click.option("--preset", default=None, help="Config preset: <config_dir>/<dataset>-<preset>.yaml (e.g. quick).")
@click.option("--config", "config_file", type=click.Path(), default=None, help="YAML file applied after the preset.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override one config key, e.g. --set train.lr=1e-4 (repeatable, applied last).")
@click.option("--max-steps", type=click.IntRange(min=1), default=None, help="Stop after N optimizer steps in total (train.max_steps).")
@click.option("--resume", is_flag=True, help="Continue from OUT/latest.pt (same config required).")
@click.option("--device", callback=device_callback, default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--data-root", type=click.Path(), default=None, help="Where the dataset lives (default: its usual place).")
@click.option("--out", "out_dir", type=click.Path(), default=None,
              help="Run directory [default: $SLVG_BENCH_HOME/training/<method>/<dataset>[-<preset>]].")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
@click.option("--print-config", is_flag=True, help="Print the resolved config as YAML and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def train(method, dataset, preset, config_file, overrides, max_steps, resume, device, data_root, out_dir,
          progress, print_config, as_json) -> None:
    """Train METHOD on DATASET; checkpoints go to OUT/latest.pt and OUT/final.pt.

    Config order: defaults <- <dataset>.yaml <- <dataset>-<preset>.yaml <- --config <- --set <- --max-steps.
    Several processes: torchrun --nproc_per_node N -m slvg_bench train ... (train.batch_size is global).
    """
    import json
    import os

    import yaml

    from slvg_bench.config import to_dict
    from slvg_bench.console import err_console
    from slvg_bench.training.resolve import resolve_config
    from slvg_bench.training.runner import train_resolved

    from slvg_bench.data.registry import DATASETS
    from slvg_bench.errors import UsageError
    from slvg_bench.methods import METHODS

    METHODS.check(method)
    try:
        resolved = resolve_config(method, dataset, preset=preset, config_file=config_file, overrides=overrides,
                                  max_steps=max_steps)
    except UsageError:
        DATASETS.check(dataset)  # an unknown dataset is named as such, not blamed on the preset
        raise
    if print_config:
        click.echo(yaml.safe_dump(to_dict(resolved.config), sort_keys=False), nl=False)
        return
    if os.environ.get("RANK", "0") == "0":  # a read-only or full disk, or a file as --out: fail before training
        from slvg_bench.outputs import ensure_dir
        from slvg_bench.training.checkpoint import default_run_dir

        ensure_dir(out_dir if out_dir is not None else default_run_dir(resolved.method, resolved.dataset,
                                                                       resolved.preset))
    result = train_resolved(resolved, out_dir=out_dir, resume=resume, device=device, data_root=data_root,
                            progress=progress)
    summary = {
        "method": method, "dataset": dataset, "preset": preset, "checkpoint": str(result.checkpoint),
        "step": result.step, "epoch": result.epoch, "finished": result.finished,
        "seconds": round(result.seconds, 3), "data_wait_frac": round(result.data_wait_frac, 4),
    }
    if os.environ.get("RANK", "0") != "0":
        return
    if as_json:
        click.echo(json.dumps(summary))
    err_console.print(
        f"trained {method} on {dataset}: step {result.step}"
        f"{'' if result.finished else ' (stopped by max_steps)'}, checkpoint {result.checkpoint}, "
        f"data wait {100 * result.data_wait_frac:.1f}% of loop time",
        highlight=False,
    )
