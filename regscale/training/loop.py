"""The one training loop: ``train(run_config, folder)``. Sweeps and transfer studies call it too.

AdamW, linear warm-up then cosine decay to 10% of the peak, gradient clipping; evaluation every
``eval.every_steps`` (and at least once per epoch of finite data) on a fixed held-out stream,
against the exact optimum where there is one; a token budget, or a finite dataset of D tokens
repeated with early stopping at the best evaluation. A fine-tuning run (``init_from``) is also
evaluated before its first step, so the pre-trained model itself can be the best. CUDA when present
(bf16 autocast, TF32, optional ``torch.compile``), CPU otherwise; DDP when launched by torchrun.

Typical use::

    regscale train --language tomita3 --model gpt --size tiny --tokens 2e5
    torchrun --nproc_per_node 2 -m regscale train --language tomita3 --tokens 2e5

Each evaluation appends one line to ``metrics.jsonl`` and writes a checkpoint; ``summary.json``
comes last, with the best model's DFA acceptance of free-running samples measured once at the
end. A non-finite loss stops the run with status ``diverged``.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from regscale.errors import ConfigError
from regscale.fits.convergence import convergence
from regscale.models.base import SequenceModel
from regscale.models.registry import build_model
from regscale.store import BEST_METRICS, Checkpoint, RunFolder, load_weights
from regscale.training.data import training_data
from regscale.training.distributed import (
    DistInfo,
    broadcast_flag,
    broadcast_object,
    init_distributed,
    mean_over_ranks,
    shutdown,
)
from regscale.training.evaluation import acceptance_rate, binomial_standard_error, evaluate
from regscale.training.live_metrics import MetricSink, open_sinks
from regscale.training.run_config import RunConfig
from regscale.training.schedule import learning_rate

MIN_IMPROVEMENT = 1e-5
"""An evaluation improves on the best when lower by more than this (nats/token)."""


def resolve_device(name: str, info: DistInfo) -> torch.device:
    """``auto`` -> this rank's CUDA device when present, else CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError("device cuda was requested but no CUDA device is available")
        return torch.device("cuda", info.local_rank) if name == "cuda" else torch.device(name)
    return torch.device(name)


def resolve_init_from(init_from: str, folder: Path) -> Path:
    """Weights to start from; a relative path is relative to the folder holding the run folder.

    Sweeps store ``<run id>/best_model.pt`` so that a study folder can move.
    """
    path = Path(init_from)
    return path if path.is_absolute() else folder.parent / path


def autocast_for(device: torch.device, dtype: str) -> AbstractContextManager[Any]:
    """bf16 autocast on CUDA (or when asked on CPU), nothing otherwise."""
    use_bf16 = dtype == "bfloat16" or (dtype == "auto" and device.type == "cuda")
    if use_bf16:
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def eval_interval(config: RunConfig) -> int:
    """Steps between evaluations: ``eval.every_steps``, but at least once per epoch of a finite
    dataset, so that early stopping can catch the best point of a small one."""
    every = config.eval.every_steps
    if config.data.dataset_tokens is None:
        return every
    return max(1, min(every, -(-config.data.dataset_tokens // config.tokens_per_step)))


def load_model_weights(model: SequenceModel, path: Path) -> None:
    """Load weights for fine-tuning from a checkpoint or a ``best_model.pt``; shapes must fit."""
    try:
        model.load_state_dict(load_weights(path))
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"weights in {path} do not fit this model: {first}") from None


def make_optimizer(model: SequenceModel, config: RunConfig, device: torch.device
                   ) -> torch.optim.Optimizer:
    """AdamW; weight decay on matrices only (nanoGPT's grouping)."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": config.optim.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=config.optim.lr,
                             betas=(config.optim.beta1, config.optim.beta2),
                             fused=device.type == "cuda")


def train(config: RunConfig, folder_path: Path, *, resume: bool = True,
          progress: bool | None = None, log: Callable[[str], None] | None = None,
          live: tuple[str, ...] = ()) -> dict[str, Any]:
    """Train one run into ``folder_path`` and return its summary.

    Parameters
    ----------
    config
        The run.
    folder_path
        The run folder; a finished run (valid ``summary.json``) is returned as it is.
    resume
        Continue from ``checkpoint.pt`` when present; when False an unfinished folder with a
        checkpoint is an error (nothing is overwritten).
    progress
        Show a progress bar; None = only when stderr is a terminal.
    log
        Where evaluation lines go (default: nowhere).
    live
        Live metric sinks (:mod:`regscale.training.live_metrics`), e.g. ``("tensorboard",)``;
        they do not change the run or its id.
    """
    folder = RunFolder(folder_path)
    if (summary := folder.read_summary()) is not None:
        return summary
    folder.check_owner(config.run_id())
    if folder.checkpoint.exists() and not resume:
        raise ConfigError(f"{folder.path} has an unfinished run with a checkpoint; "
                          "pass --resume to continue it")
    use_cuda = (config.system.device in ("auto", "cuda") and torch.cuda.is_available()) or \
        config.system.device.startswith("cuda")
    info = init_distributed(use_cuda)
    try:
        sinks = open_sinks(live, folder.path, f"{config.language.name} {config.model.arch} "
                           f"{config.model.size} {config.data.tokens:.0e} tokens") \
            if info.is_main else []
        try:
            return _Trainer(config, folder, info, progress, log, sinks).run()
        finally:
            for sink in sinks:
                sink.close()
    finally:
        shutdown(info)


class _Trainer:
    """One run's state; ``run`` is the loop."""

    def __init__(self, config: RunConfig, folder: RunFolder, info: DistInfo,
                 progress: bool | None, log: Callable[[str], None] | None,
                 sinks: list[MetricSink]) -> None:
        self.config, self.folder, self.info, self.sinks = config, folder, info, sinks
        self.run_id = config.run_id()
        self.log = log if log is not None else (lambda _: None)
        self.device = resolve_device(config.system.device, info)
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        self.autocast = autocast_for(self.device, config.system.dtype)
        self.data = training_data(config.language, self.device)
        torch.manual_seed(config.system.seed)
        self.model = build_model(config.model, self.data.vocab_size).to(self.device)
        if config.init_from is not None:
            load_model_weights(self.model, resolve_init_from(config.init_from, folder.path))
        self.optimizer = make_optimizer(self.model, config, self.device)
        self.window = config.model.context + 1
        self.eval_every = eval_interval(config)
        self.stream = self.data.train_stream(
            stateful=self.model.stateful, batch_size=config.data.batch_size, window=self.window,
            seed=config.data.seed, dataset_tokens=config.data.dataset_tokens)
        self.eval_set = self.data.eval_set(
            stateful=self.model.stateful, rows=config.eval.rows, segments=config.eval.segments,
            window=self.window, seed=config.eval.seed)
        forward = torch.compile(self.model) if config.system.compile else self.model
        self.forward: Any = (DistributedDataParallel(forward) if info.enabled else forward)
        self.show_progress = progress if progress is not None else sys.stderr.isatty()
        self.step = 0
        self.tokens_seen = 0
        self.best: dict[str, Any] = {}
        self.evals_since_best = 0
        self.train_seconds = 0.0
        self.data_seconds = 0.0
        self.memory: Any = None
        self.loss_sum, self.loss_count = 0.0, 0

    # -- bookkeeping ----------------------------------------------------------------------------
    def _start(self) -> None:
        if self.info.is_main:
            self.folder.claim(self.run_id, self.config.to_dict(), self.info.world_size)
        if self.folder.checkpoint.exists():
            self._restore(self.folder.load_checkpoint(self.run_id))
            self.log(f"resumed {self.run_id} at step {self.step}")
        if self.info.is_main and self.folder.metrics.exists():
            # rows past the checkpoint will be written again; so will every row of a run killed
            # after its first evaluation but before its first checkpoint (step 0: none kept)
            self.folder.truncate_metrics(self.step)

    def _restore(self, state: Checkpoint) -> None:
        try:
            self.model.load_state_dict(state.model)
            self.optimizer.load_state_dict(state.optimizer)
            self.stream.load_state_dict(state.stream)
            self.step, self.tokens_seen = int(state.step), int(state.tokens_seen)
            self.best, self.evals_since_best = dict(state.best), int(state.evals_since_best)
            self.train_seconds = float(state.train_seconds)
            self.data_seconds = float(state.data_seconds)
            torch.set_rng_state(state.rng_cpu)
            if self.device.type == "cuda" and state.rng_cuda is not None:
                torch.cuda.set_rng_state(state.rng_cuda, self.device)
            memory = state.memory
            self.memory = None if memory is None or self.info.enabled else \
                tuple(m.to(self.device) for m in memory)
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise ConfigError(f"checkpoint {self.folder.checkpoint} does not match this run: "
                              f"{str(exc).splitlines()[0]}") from None

    def _checkpoint(self) -> None:
        if not self.info.is_main:
            return
        self.folder.save_checkpoint(Checkpoint(
            run_id=self.run_id, step=self.step, tokens_seen=self.tokens_seen,
            model=self.model.state_dict(), optimizer=self.optimizer.state_dict(),
            stream=self.stream.state_dict(), best=self.best,
            evals_since_best=self.evals_since_best, train_seconds=self.train_seconds,
            data_seconds=self.data_seconds, rng_cpu=torch.get_rng_state(),
            rng_cuda=torch.cuda.get_rng_state(self.device)
            if self.device.type == "cuda" else None,
            memory=None if self.memory is None else [m.cpu() for m in self.memory],
        ))

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        self._start()
        total = self.config.total_steps
        bar = tqdm(total=total, initial=self.step, unit="step", disable=not (
            self.show_progress and self.info.is_main), dynamic_ncols=True, leave=False)
        status, message = "completed", ""
        try:
            if self.config.init_from is not None and self.step == 0 and not self.best:
                row = self._evaluate()  # fine-tuning for zero steps is a candidate for the best
                if not math.isfinite(row["loss"]):
                    status, message = "diverged", f"the initial weights give eval loss " \
                        f"{row['loss']}; the run is marked diverged"
                    total = 0
            while self.step < total:
                loss = self._train_step()
                if not math.isfinite(loss):
                    status = "diverged"
                    message = (f"loss became {loss} at step {self.step} "
                               f"(lr {self._lr(self.step - 1):.2e}); the run is marked diverged")
                    break
                bar.update(1)
                if self.step % self.eval_every == 0 or self.step == total:
                    row = self._evaluate()
                    bar.set_postfix(loss=f"{row['loss']:.4f}",
                                    excess=f"{row.get('excess_bits', float('nan')):.4f}")
                    if not math.isfinite(row["loss"]):
                        status, message = "diverged", f"eval loss is {row['loss']} at step " \
                            f"{self.step}; the run is marked diverged"
                        break
                    if self._should_stop():
                        status = "early_stopped"
                        break
        finally:
            bar.close()
        return self._finish(status, message)

    def _lr(self, step: int) -> float:
        o = self.config.optim
        return learning_rate(step, peak=o.lr, warmup_steps=o.warmup_steps,
                             total_steps=self.config.total_steps, min_ratio=o.min_lr_ratio)

    def _train_step(self) -> float:
        start = time.perf_counter()
        batch = self.stream.next_batch()[self.info.rows(self.config.data.batch_size)]
        batch = batch.to(self.device, non_blocking=True)
        data_done = time.perf_counter()
        for group in self.optimizer.param_groups:
            group["lr"] = self._lr(self.step)
        with self.autocast:
            logits, memory = self.forward(batch[:, :-1], self.memory)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]),
                               batch[:, 1:].reshape(-1))
        value = float(mean_over_ranks(loss.detach(), self.info).item())
        if not math.isfinite(value):
            return value
        loss.backward()
        if self.config.optim.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.optim.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.memory = self.model.detach_memory(memory) if self.model.stateful else None
        self.step += 1
        self.tokens_seen += self.config.tokens_per_step
        self.loss_sum += value
        self.loss_count += 1
        self.data_seconds += data_done - start
        self.train_seconds += time.perf_counter() - start
        return value

    def _evaluate(self) -> dict[str, Any]:
        metrics: dict[str, Any] = {}
        if self.info.is_main:
            metrics = evaluate(self.model, self.eval_set, self.autocast)
        row = {
            "step": self.step, "tokens": self.tokens_seen,
            "flops": self.tokens_seen * self.model.train_flops_per_token(),
            "lr": self._lr(max(self.step - 1, 0)),
            "train_loss": self.loss_sum / self.loss_count if self.loss_count else math.nan,
            "wall_seconds": self.train_seconds, "threads": torch.get_num_threads(),
            "tokens_per_second": self.tokens_seen / max(self.train_seconds, 1e-9),
            **metrics,
        }
        self.loss_sum, self.loss_count = 0.0, 0
        if self.info.is_main and math.isfinite(metrics["loss"]):
            if not self.best or metrics["loss"] < self.best["loss"] - MIN_IMPROVEMENT:
                self.best = {k: v for k, v in row.items() if isinstance(v, int | float)}
                self.evals_since_best = 0
                self.folder.save_best_model(self.run_id, self.model.state_dict())
            else:
                self.evals_since_best += 1
            self.folder.append_metrics(row)
            for sink in self.sinks:
                sink.write(row)
            self._checkpoint()
            self.log(_format_row(row))
        # Only rank 0 evaluates; every rank must agree on a non-finite loss, or the others
        # would go on training and wait forever for rank 0 at the next collective.
        finite = broadcast_flag(math.isfinite(metrics["loss"]) if self.info.is_main else True,
                                self.info, self.device)
        if self.info.is_main:
            return row
        return {"loss": 0.0 if finite else math.nan}

    def _should_stop(self) -> bool:
        finite = self.config.data.dataset_tokens is not None
        stop = finite and self.evals_since_best >= self.config.eval.patience
        return broadcast_flag(stop, self.info, self.device)

    def _measure_acceptance(self) -> None:
        """The best model's acceptance: the fraction of ``eval.samples`` free-running samples
        the DFA accepts, with its binomial standard error, measured once when the run ends
        (sampling at every evaluation cost more than the evaluations themselves)."""
        n, data = self.config.eval.samples, self.data
        if not n or data.natural or not self.best or "acceptance" in self.best \
                or not self.folder.best_model.exists():
            return
        self.model.load_state_dict(load_weights(self.folder.best_model))
        accepted = acceptance_rate(
            self.model, data, n, context=self.config.model.context,
            seed=self.config.eval.seed + int(self.best["step"]), device=self.device,
            autocast=self.autocast)
        self.best["acceptance"] = accepted
        self.best["acceptance_se"] = binomial_standard_error(accepted, n)

    def _finish(self, status: str, message: str) -> dict[str, Any]:
        if self.info.is_main:
            self._measure_acceptance()
        rows = self.folder.read_metrics() if self.info.is_main else []
        final = rows[-1] if rows else {}
        summary: dict[str, Any] = {
            "run_id": self.run_id, "status": status, "message": message,
            "language": self.data.name, "arch": self.config.model.arch,
            "size": self.config.model.size, "context": self.config.model.context,
            "non_embedding_params": self.model.non_embedding_params(),
            "total_params": self.model.total_params(),
            "flops_per_token": self.model.train_flops_per_token(),
            "dataset_tokens": self.config.data.dataset_tokens,
            "steps": self.step, "tokens": self.tokens_seen,
            "flops": self.tokens_seen * self.model.train_flops_per_token(),
            "wall_seconds": self.train_seconds, "threads": torch.get_num_threads(),
            "tokens_per_second": self.tokens_seen / max(self.train_seconds, 1e-9),
            "data_fraction": self.data_seconds / max(self.train_seconds, 1e-9),
            **self.data.describe(),
            "final": final, "best": self.best,
        }
        for key in BEST_METRICS:
            if key in self.best:
                summary[key] = self.best[key]
        summary.update(self._convergence(rows, status))
        if self.info.is_main:
            self.folder.write_summary(summary)
        result: dict[str, Any] = broadcast_object(summary, self.info)
        return result


    @staticmethod
    def _convergence(rows: list[dict[str, Any]], status: str) -> dict[str, Any]:
        """``converged`` and ``late_drop`` of the learning curve (regscale.fits.convergence)."""
        finite = [r for r in rows if math.isfinite(r.get("loss", math.nan))]
        judged = convergence([r["tokens"] for r in finite], [r["loss"] for r in finite],
                             floor=[r.get("optimal_loss", 0.0) for r in finite],
                             noise=[r.get("excess_se", r.get("loss_se", math.nan))
                                    for r in finite],
                             early_stopped=status == "early_stopped")
        return {"converged": judged.converged, "late_drop": judged.late_drop}


def _format_row(row: dict[str, Any]) -> str:
    parts = [f"step {row['step']}", f"loss {row['loss']:.4f}"]
    if "optimal_loss" in row:
        parts += [f"optimal {row['optimal_loss']:.4f}", f"excess {row['excess_bits']:.4f} bits",
                  f"valid {row['valid_mass']:.3f}"]
    if "bits_per_char" in row:
        parts += [f"{row['bits_per_byte']:.3f} bits/byte", f"{row['bits_per_char']:.3f} bits/char"]
    return "  ".join(parts)
