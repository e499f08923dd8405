"""What the trainer reports: ``log.csv`` always, TensorBoard when installed, rich progress on stderr.

``log.csv`` has one row every ``train.log_every`` steps (and at the last step):

    step, epoch, lr, loss, <each named loss>, grad_norm,
    data_s, compute_s, data_wait_frac, samples_per_s

Losses are means over the steps since the previous row and over the ranks.
``data_s`` is the time the loop spent blocked waiting for the next batch,
``compute_s`` the rest of the step (transfer, forward, backward, optimizer
step); ``data_wait_frac = data_s / (data_s + compute_s)``. A resumed run
first drops rows newer than the checkpoint it resumes from, so the file
never holds a step twice. A loss name that first appears later (e.g. a
loss switched on at some epoch) widens the header; earlier rows leave it empty.
"""

from __future__ import annotations

import csv
import importlib.util
import math
from pathlib import Path
from typing import Optional

from slvg_bench.console import err_console

FIXED_FIRST = ["step", "epoch", "lr", "loss"]
FIXED_LAST = ["grad_norm", "data_s", "compute_s", "data_wait_frac", "samples_per_s"]


def tensorboard_available() -> bool:
    return importlib.util.find_spec("tensorboard") is not None


class TrainLog:
    """CSV (+ TensorBoard) writer of the main process.

    Args:
        out_dir: the run directory.
        resume_step: when resuming, rows with ``step > resume_step`` are dropped.
        tensorboard: True/False, or None to use it when the package is installed.
    """

    def __init__(self, out_dir: Path, resume_step: Optional[int] = None, tensorboard: Optional[bool] = None):
        self.path = Path(out_dir) / "log.csv"
        self.columns: list[str] = []
        if self.path.is_file() and resume_step is not None:
            self._truncate(resume_step)
        elif self.path.is_file():
            self.path.unlink()
        self.tb = None
        if tensorboard is None:
            tensorboard = tensorboard_available()
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.tb = SummaryWriter(log_dir=str(Path(out_dir) / "tensorboard"), purge_step=resume_step)

    def _read(self) -> tuple[list[str], list[dict]]:
        with open(self.path, newline="") as f:
            reader = csv.DictReader(f)
            return list(reader.fieldnames or []), list(reader)

    def _rewrite(self, columns: list[str], rows: list[dict]) -> None:
        tmp = self.path.with_suffix(".csv.tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns, restval="")
            writer.writeheader()
            writer.writerows(rows)
        tmp.replace(self.path)
        self.columns = columns

    def _truncate(self, resume_step: int) -> None:
        columns, rows = self._read()
        self._rewrite(columns, [r for r in rows if r.get("step") and int(r["step"]) <= resume_step])

    def write(self, row: dict) -> None:
        """Append one row (a dict with the fixed keys and the loss names)."""
        losses = sorted(k for k in row if k not in FIXED_FIRST + FIXED_LAST)
        wanted = FIXED_FIRST + sorted(set(losses) | {c for c in self.columns if c not in FIXED_FIRST + FIXED_LAST})
        wanted += FIXED_LAST
        if wanted != self.columns:
            rows = self._read()[1] if self.path.is_file() else []
            self._rewrite(wanted, rows)
        with open(self.path, "a", newline="") as f:
            csv.DictWriter(f, fieldnames=self.columns, restval="").writerow(
                {k: _fmt(v) for k, v in row.items()}
            )
        if self.tb is not None:
            step = int(row["step"])
            for k, v in row.items():
                if k in ("step", "epoch") or v is None:
                    continue
                group = "loss" if k == "loss" or k in losses else "train"
                self.tb.add_scalar(f"{group}/{k}", float(v), step)
            self.tb.flush()

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else str(v)
    return str(v)


class ProgressView:
    """Rich progress bar of the main process: step count, epoch, latest losses."""

    def __init__(self, total: int, completed: int, enabled: bool):
        self.enabled = enabled and err_console.is_terminal
        self.plain = enabled and not err_console.is_terminal  # log lines instead of a live bar
        self.progress = None
        self.named = ""
        if self.enabled:
            from rich.progress import TextColumn

            from slvg_bench.console import make_progress

            self.progress = make_progress()
            self.progress.columns = (*self.progress.columns, TextColumn("{task.fields[info]}"))
            self.progress.start()
            self.task = self.progress.add_task("train", total=total, completed=completed, info="")

    def update(self, step: int, epoch: int, loss: float) -> None:
        if self.progress is not None:
            info = f"loss {loss:.4g}" + (f"  [dim]({self.named})[/]" if self.named else "")
            self.progress.update(self.task, completed=step, description=f"train e{epoch}", info=info)

    def log_row(self, row: dict) -> None:
        """Show the named losses of a log row (bar: until the next row; plain mode: one line)."""
        named = [k for k in row if k not in FIXED_FIRST + FIXED_LAST]
        self.named = "  ".join(f"{k} {row[k]:.4g}" for k in named if row.get(k) is not None)
        if self.plain:
            keys = ["loss"] + [k for k in row if k not in FIXED_FIRST + FIXED_LAST]
            parts = "  ".join(f"{k} {row[k]:.4g}" for k in keys if row.get(k) is not None)
            err_console.print(
                f"step {row['step']} epoch {row['epoch']} lr {row['lr']:.3g}  {parts}  "
                f"data wait {100 * row['data_wait_frac']:.0f}%",
                highlight=False,
            )

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
