"""The generic training loop: one model, one pair dataset, one run directory.

The loop knows only the :class:`~slvg_bench.methods.TrainableModel` protocol:
``forward(batch) -> (generated, {name: weighted scalar loss})`` and the optional
hooks ``set_epoch(epoch)`` (called before every epoch, also when a run resumes in
the middle of one), ``param_groups(train_config)`` (Adam groups),
``before_optimizer_step()`` (after backward and, under AMP, after unscaling;
e.g. a method's own gradient clipping) and ``provenance()`` (a dict of plain
values stored in every checkpoint under ``"provenance"``).

One step: wait for the batch (timed as data wait) -> move tensors to the
device -> forward under autocast (``train.amp``: bf16 on CPU/CUDA, or fp16 on CUDA) -> sum the losses
-> stop if the sum is NaN/Inf on any rank -> backward -> global grad norm
(stop if non-finite) -> ``before_optimizer_step()`` -> clip if ``train.grad_clip``
-> Adam step -> for GANs (a ``discriminator`` param-group role) one discriminator
step on ``forward(batch, generated=...)``. After the
last batch of an epoch the MultiStepLR scheduler steps (milestones in epochs).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import torch
from torch import nn

from slvg_bench.config import to_dict
from slvg_bench.errors import CheckpointError, TrainingDivergedError, TrainingInterruptedError
from slvg_bench.training import checkpoint as ckpt_io
from slvg_bench.training import distributed as D
from slvg_bench.training.resolve import config_diff, identity_hash
from slvg_bench.training.sampling import SeededItems, item_seed, make_loader, steps_per_epoch
from slvg_bench.training.train_log import ProgressView, TrainLog


@dataclass
class TrainResult:
    """What a finished (or max-steps-limited) run left behind."""

    out_dir: Path
    checkpoint: Path  # final.pt
    step: int
    epoch: int
    finished: bool  # every epoch ran (False when max_steps stopped it)
    seconds: float
    data_wait_frac: float  # share of this session's loop time spent waiting for data


def move_to_device(batch: dict, device: torch.device) -> dict:
    """Tensors of a collated batch onto ``device`` (lists such as ``id`` stay)."""
    non_blocking = device.type == "cuda"
    return {k: v.to(device, non_blocking=non_blocking) if torch.is_tensor(v) else v for k, v in batch.items()}


MAIN_ROLE = "generator"
ROLES = (MAIN_ROLE, "discriminator")


def build_optimizers(model: nn.Module, tc) -> dict[str, torch.optim.Optimizer]:
    """One Adam per ``role`` over ``model.param_groups(tc)`` (default: every trainable parameter).

    Groups without a ``role`` belong to the generator. A ``discriminator`` role (GANs such as
    DynaST) gets its own optimizer, stepped on ``model(batch, generated=...)``'s losses after
    the generator step; one optimizer for both would let the generator loss update D.
    """
    hook = getattr(model, "param_groups", None)
    groups = hook(tc) if callable(hook) else [{"params": [p for p in model.parameters() if p.requires_grad]}]
    by_role: dict[str, list] = {}
    for g in groups:
        role = g.get("role", MAIN_ROLE)
        if role not in ROLES:
            raise ValueError(f"param group role must be one of {ROLES}, got {role!r}")
        by_role.setdefault(role, []).append(g)
    if MAIN_ROLE not in by_role:
        raise ValueError("param_groups() returned no generator group")
    return {role: torch.optim.Adam(gs, lr=tc.lr, betas=tuple(tc.adam_betas), weight_decay=tc.weight_decay)
            for role, gs in by_role.items()}


def build_optimizer(model: nn.Module, tc) -> torch.optim.Optimizer:
    """The generator's Adam (see :func:`build_optimizers`)."""
    return build_optimizers(model, tc)[MAIN_ROLE]


def grad_total_norm(grads: list, device: torch.device) -> torch.Tensor:
    """L2 norm of all gradients together (0 when there are none)."""
    if not grads:
        return torch.zeros((), device=device)
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.detach().float()) for g in grads]))


def total_loss(losses: dict) -> torch.Tensor:
    if not isinstance(losses, dict) or not losses:
        raise TypeError(f"model.forward must return (generated, non-empty dict of losses), got {type(losses)}")
    for name, value in losses.items():
        if not torch.is_tensor(value) or value.numel() != 1:
            raise TypeError(f"loss {name!r} must be a scalar tensor, got {getattr(value, 'shape', type(value))}")
    return sum(v.float().reshape(()) for v in losses.values())


class Trainer:
    """Trains ``model`` on ``dataset`` with ``config.train``, writing into ``out_dir``.

    Args:
        model: a TrainableModel (built with the seed already set; moved to the device here).
        dataset: map-style dataset of pair dicts (see :mod:`slvg_bench.data`).
        config: the method config dataclass; ``config.train`` is a TrainConfig.
        method: method id written into checkpoints.
        out_dir: the run directory (see :mod:`~slvg_bench.training.checkpoint`).
        ctx: rank/world/device (:func:`~slvg_bench.training.distributed.init_distributed`).
        dataset_name, preset: recorded in checkpoints.
        progress: rich progress bar / log lines on stderr (main process only).
        tensorboard: True/False/None (= when installed).
    """

    def __init__(self, model: nn.Module, dataset, config: Any, *, method: str, out_dir: str | Path,
                 ctx: Optional[D.DistContext] = None, dataset_name: Optional[str] = None,
                 preset: Optional[str] = None, progress: bool = True, tensorboard: Optional[bool] = None):
        self.ctx = ctx or D.DistContext()
        self.config = config
        self.tc = config.train
        self.config_dict = to_dict(config)
        self.config_hash = identity_hash(self.config_dict)
        self.method = method
        self.dataset_name = dataset_name
        self.preset = preset
        self.out_dir = Path(out_dir)
        self.progress_enabled = progress
        self.tensorboard = tensorboard
        self.items = SeededItems(dataset, self.tc.seed)
        self.steps_per_epoch = steps_per_epoch(len(dataset), self.tc.batch_size, self.ctx.world_size)
        self.total_steps = self.tc.epochs * self.steps_per_epoch
        if self.tc.max_steps is not None:
            self.total_steps = min(self.total_steps, self.tc.max_steps)

        dev = self.ctx.device
        self.module = model.to(dev)
        self.optimizers = build_optimizers(self.module, self.tc)
        self.schedulers = {role: torch.optim.lr_scheduler.MultiStepLR(opt, milestones=list(self.tc.milestones),
                                                                      gamma=self.tc.gamma)
                           for role, opt in self.optimizers.items()}
        self.optimizer, self.scheduler = self.optimizers[MAIN_ROLE], self.schedulers[MAIN_ROLE]
        self.use_amp = bool(self.tc.amp) and dev.type in ("cuda", "cpu")
        self.amp_dtype = torch.bfloat16
        if self.use_amp and dev.type == "cuda" and (self.tc.amp_dtype == "float16"
                                                    or not torch.cuda.is_bf16_supported()):
            self.amp_dtype = torch.float16
        self.scaler = torch.amp.GradScaler("cuda") if self.use_amp and self.amp_dtype == torch.float16 else None
        self.ddp = None
        if self.ctx.distributed:
            self.ddp = nn.parallel.DistributedDataParallel(
                self.module, device_ids=[dev.index] if dev.type == "cuda" else None,
                find_unused_parameters=self.tc.ddp_find_unused_parameters)
        self.epoch = 0
        self.epoch_step = 0
        self.step = 0

    # ------------------------------------------------------------------ state

    @property
    def latest_path(self) -> Path:
        return self.out_dir / ckpt_io.LATEST

    def state(self, rng_per_rank: list) -> dict:
        return {
            "method": self.method,
            "config": self.config_dict,
            "config_hash": self.config_hash,
            "model": self.module.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            # optimizers of the other roles (a GAN's discriminator), by role
            "extra_optimizers": {r: o.state_dict() for r, o in self.optimizers.items() if r != MAIN_ROLE},
            "extra_schedulers": {r: s.state_dict() for r, s in self.schedulers.items() if r != MAIN_ROLE},
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            "rng": rng_per_rank,
            "epoch": self.epoch,
            "epoch_step": self.epoch_step,
            "step": self.step,
            "steps_per_epoch": self.steps_per_epoch,
            "world_size": self.ctx.world_size,
            "finished": self.step >= self.tc.epochs * self.steps_per_epoch,
            "dataset": self.dataset_name,
            "preset": self.preset,
            "code_version": ckpt_io.code_version(),
            "torch_version": str(torch.__version__),
            "provenance": self._provenance(),
        }

    def _provenance(self) -> Optional[dict]:
        """The model's optional ``provenance()`` dict (e.g. which perceptual-loss weights were used)."""
        hook = getattr(self.module, "provenance", None)
        return dict(hook()) if callable(hook) else None

    def save(self, final: bool = False) -> None:
        """Write latest.pt (and final.pt) from rank 0; every rank must call it (RNG states are gathered)."""
        rng = D.gather(ckpt_io.capture_rng(), self.ctx)
        if self.ctx.is_main:
            ckpt_io.atomic_torch_save(self.state(rng), self.latest_path)
            if final:
                ckpt_io.link_or_copy_atomic(self.latest_path, self.out_dir / ckpt_io.FINAL)
            self.saved_step = self.step
        D.barrier(self.ctx)

    def load(self, path: Path) -> None:
        """Restore everything from a checkpoint of the same method and config."""
        ck = ckpt_io.read_checkpoint(path)
        if ck["method"] != self.method:
            raise CheckpointError(
                f"{str(path)!r} holds a {ck['method']!r} run, not {self.method!r}; "
                f"start fresh with another --out (or delete {str(self.out_dir)!r})"
            )
        if ck["config_hash"] != self.config_hash:
            diff = config_diff(ck["config"], self.config_dict)
            raise CheckpointError(
                f"{str(path)!r} was trained with another config (differs in: {', '.join(diff) or 'hash only'}); "
                f"resume with the same config, or start fresh with another --out (or delete {str(self.out_dir)!r})"
            )
        if ck.get("steps_per_epoch") != self.steps_per_epoch:
            raise CheckpointError(
                f"{str(path)!r} had {ck.get('steps_per_epoch')} steps per epoch, the dataset now gives "
                f"{self.steps_per_epoch}: the training data changed; start fresh with another --out"
            )
        self.module.load_state_dict(ck["model"], strict=True)
        self.optimizer.load_state_dict(ck["optimizer"])
        self.scheduler.load_state_dict(ck["scheduler"])
        for role, opt in self.optimizers.items():
            if role != MAIN_ROLE:
                opt.load_state_dict(ck["extra_optimizers"][role])
                self.schedulers[role].load_state_dict(ck["extra_schedulers"][role])
        if self.scaler is not None and ck.get("scaler"):
            self.scaler.load_state_dict(ck["scaler"])
        self.epoch, self.epoch_step, self.step = int(ck["epoch"]), int(ck["epoch_step"]), int(ck["step"])
        rng = ck["rng"]
        if len(rng) == self.ctx.world_size:
            ckpt_io.restore_rng(rng[self.ctx.rank])
        else:  # another process count: the data order is unchanged, model-side randomness cannot be
            from slvg_bench.console import err_console

            if self.ctx.is_main:
                err_console.print(f"[yellow]note:[/] checkpoint written by {len(rng)} process(es), resuming "
                                  f"with {self.ctx.world_size}: model-side random draws will differ")
            ckpt_io.seed_everything(item_seed(self.tc.seed, self.step, 1_000_000 + self.ctx.rank))
        self.saved_step = self.step

    # ------------------------------------------------------------------ loop

    def _set_epoch(self, epoch: int) -> None:
        hook = getattr(self.module, "set_epoch", None)
        if callable(hook):
            hook(epoch)

    def _diverged(self, what: str, batch: dict) -> TrainingDivergedError:
        ids = [i for rank_ids in D.gather(list(batch.get("id", [])), self.ctx) for i in rank_ids]
        where = (f"the last good checkpoint is {str(self.latest_path)!r} (step {self.saved_step})"
                 if self.latest_path.is_file() else "no checkpoint was written yet")
        return TrainingDivergedError(
            f"{what} at step {self.step + 1} (epoch {self.epoch}); batch ids: {', '.join(map(str, ids))}; {where}"
        )

    def _train_step(self, batch: dict, window: dict) -> float:
        net = self.ddp or self.module
        with torch.autocast(device_type=self.ctx.device.type, dtype=self.amp_dtype, enabled=self.use_amp):
            generated, losses = net(batch)
        loss = total_loss(losses)
        loss_value = loss.item()
        if D.any_true(not math.isfinite(loss_value), self.ctx):
            bad = {k: float(v.detach().float()) for k, v in losses.items()}
            names = ", ".join(f"{k}={v}" for k, v in bad.items() if not math.isfinite(v)) or "on another rank"
            raise self._diverged(f"non-finite loss ({names})", batch)
        self.optimizer.zero_grad(set_to_none=True)
        params = [p for g in self.optimizer.param_groups for p in g["params"]]
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()
        grads = [p.grad for p in params if p.grad is not None]
        grad_norm = grad_total_norm(grads, self.ctx.device)
        if self.scaler is None and not math.isfinite(float(grad_norm)):
            raise self._diverged("non-finite gradient norm", batch)
        hook = getattr(self.module, "before_optimizer_step", None)
        if callable(hook):  # method-specific clipping etc.; gradients are unscaled here under AMP
            hook()
        if self.tc.grad_clip is not None:
            clip_coef = torch.clamp(self.tc.grad_clip / (grad_norm + 1e-6), max=1.0)
            for g in grads:
                g.mul_(clip_coef.to(g.dtype))
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
        else:
            self.optimizer.step()
        if "discriminator" in self.optimizers:
            losses = {**losses, **self._discriminator_step(net, batch, generated)}
        if self.scaler is not None:
            self.scaler.update()
        for k, v in losses.items():
            window[k] = window.get(k, 0.0) + v.detach().float()
        window["loss"] = window.get("loss", 0.0) + loss.detach()
        window["grad_norm"] = window.get("grad_norm", 0.0) + grad_norm.detach().float()
        return loss_value

    def _discriminator_step(self, net, batch: dict, generated: torch.Tensor) -> dict:
        """One discriminator update on ``net(batch, generated=...)``'s losses (after the generator step)."""
        opt = self.optimizers["discriminator"]
        with torch.autocast(device_type=self.ctx.device.type, dtype=self.amp_dtype, enabled=self.use_amp):
            _, d_losses = net(batch, generated=generated.detach())
        d_loss = total_loss(d_losses)
        if D.any_true(not math.isfinite(d_loss.item()), self.ctx):
            raise self._diverged("non-finite discriminator loss", batch)
        opt.zero_grad(set_to_none=True)  # also drops what the generator loss left in D
        if self.scaler is not None:
            self.scaler.scale(d_loss).backward()
            self.scaler.step(opt)
        else:
            d_loss.backward()
            opt.step()
        return d_losses

    def fit(self, resume: bool = False) -> TrainResult:
        """Run (or continue) training until every epoch ran or ``train.max_steps`` is reached.

        Raises:
            CheckpointError: ``out_dir`` holds a checkpoint and ``resume`` is False, or the
                checkpoint belongs to another method/config.
            TrainingDivergedError: NaN/Inf loss or gradient (latest.pt is left as it was).
            TrainingInterruptedError: Ctrl-C (latest.pt is left as it was).
        """
        self.saved_step = 0
        if self.latest_path.is_file() and not resume:
            raise CheckpointError(
                f"{str(self.out_dir)!r} already holds a checkpoint ({ckpt_io.LATEST}); pass --resume to continue "
                f"it, or choose another --out"
            )
        resumed_from = None
        if resume and self.latest_path.is_file():
            self.load(self.latest_path)
            resumed_from = self.step
        else:
            if resume and self.ctx.is_main:
                from slvg_bench.console import err_console

                err_console.print(f"no checkpoint in {str(self.out_dir)!r} yet; starting fresh", highlight=False)
            ckpt_io.seed_everything(item_seed(self.tc.seed, 0, 1_000_000 + self.ctx.rank))
        if self.ctx.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            from slvg_bench.config import dump_yaml

            dump_yaml(self.config, self.out_dir / "config.yaml")
        log = TrainLog(self.out_dir, resume_step=resumed_from, tensorboard=self.tensorboard) \
            if self.ctx.is_main else None
        view = ProgressView(self.total_steps, self.step, self.progress_enabled and self.ctx.is_main)
        t_start = time.perf_counter()
        totals = {"data": 0.0, "compute": 0.0}
        if resumed_from is not None and self.step >= self.total_steps and self.ctx.is_main:
            from slvg_bench.console import err_console

            err_console.print(f"nothing to do: {str(self.latest_path)!r} is at step {self.step} "
                              f"(target {self.total_steps})", highlight=False)
            if not (self.out_dir / ckpt_io.FINAL).is_file():
                ckpt_io.link_or_copy_atomic(self.latest_path, self.out_dir / ckpt_io.FINAL)
        try:
            self._run(log, view, totals)
        except KeyboardInterrupt:
            raise TrainingInterruptedError(
                f"training interrupted at step {self.step}; the last checkpoint is "
                f"{str(self.latest_path)!r} (step {self.saved_step}); continue with the same command plus --resume"
            ) from None
        finally:
            view.close()
            if log is not None:
                log.close()
        busy = totals["data"] + totals["compute"]
        return TrainResult(
            out_dir=self.out_dir, checkpoint=self.out_dir / ckpt_io.FINAL, step=self.step, epoch=self.epoch,
            finished=self.step >= self.tc.epochs * self.steps_per_epoch,
            seconds=time.perf_counter() - t_start, data_wait_frac=totals["data"] / busy if busy else 0.0,
        )

    def _run(self, log: Optional[TrainLog], view: ProgressView, totals: dict) -> None:
        tc, ctx = self.tc, self.ctx
        window: dict = {}
        w_steps, w_data, w_compute = 0, 0.0, 0.0
        (self.ddp or self.module).train()
        while self.step < self.total_steps:
            self._set_epoch(self.epoch)
            loader = make_loader(self.items, epoch=self.epoch, start_batch=self.epoch_step,
                                 global_batch=tc.batch_size, seed=tc.seed, num_workers=tc.num_workers,
                                 world_size=ctx.world_size, rank=ctx.rank, pin_memory=ctx.device.type == "cuda")
            batches = iter(loader)
            while self.step < self.total_steps and self.epoch_step < self.steps_per_epoch:
                t0 = time.perf_counter()
                batch = next(batches)
                t1 = time.perf_counter()
                loss = self._train_step(move_to_device(batch, ctx.device), window)
                self.step += 1
                self.epoch_step += 1
                lr = self.optimizer.param_groups[0]["lr"]
                if self.epoch_step == self.steps_per_epoch:  # close the epoch before any checkpoint
                    for sched in self.schedulers.values():
                        sched.step()
                    self.epoch += 1
                    self.epoch_step = 0
                t2 = time.perf_counter()
                w_steps, w_data, w_compute = w_steps + 1, w_data + (t1 - t0), w_compute + (t2 - t1)
                totals["data"] += t1 - t0
                totals["compute"] += t2 - t1
                last = self.step >= self.total_steps
                if self.step % tc.log_every == 0 or last:
                    means = D.mean_over_ranks({k: v / w_steps for k, v in window.items()}, ctx)
                    row = {"step": self.step, "epoch": self.epoch - (self.epoch_step == 0), "lr": lr,
                           "loss": means.pop("loss"), **{k: v for k, v in means.items() if k != "grad_norm"},
                           "grad_norm": means["grad_norm"], "data_s": w_data, "compute_s": w_compute,
                           "data_wait_frac": w_data / (w_data + w_compute),
                           "samples_per_s": w_steps * tc.batch_size / (w_data + w_compute)}
                    if log is not None:
                        log.write(row)
                    view.log_row(row)
                    window, w_steps, w_data, w_compute = {}, 0, 0.0, 0.0
                view.update(self.step, self.epoch, loss)
                if last:
                    self.save(final=True)
                elif self.step % tc.checkpoint_every == 0:
                    self.save()
                if self.epoch_step == 0:
                    break
            del batches, loader
