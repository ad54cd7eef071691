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
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from regscale.errors import ConfigError, RunBusyError
from regscale.fits.convergence import convergence
from regscale.models.base import SequenceModel
from regscale.models.registry import build_model, fused_form
from regscale.sources.chains import load_compiled
from regscale.store import BEST_METRICS, Checkpoint, RunFolder, load_weights
from regscale.training.data import training_data
from regscale.training.distributed import (
    DistInfo,
    broadcast_flag,
    broadcast_object,
    init_distributed,
    launched_rank,
    shutdown,
)
from regscale.training.evaluation import acceptance_rate, binomial_standard_error, evaluate
from regscale.training.group_key import check_groupable
from regscale.training.host_memory import keep_freed_memory
from regscale.training.length_generalisation import length_table, short_string_stream
from regscale.training.live_metrics import MetricSink, open_sinks
from regscale.training.model_group import FusedGroup, MemberState, ModelGroup, SoloGroup
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


def train(config: RunConfig, folder_path: Path, *, resume: bool = True,
          progress: bool | None = None, log: Callable[[str], None] | None = None,
          live: tuple[str, ...] = ()) -> dict[str, Any]:
    """Train one run into ``folder_path`` and return its summary: a group of one
    (:func:`train_group`).

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

    Raises
    ------
    RunBusyError
        Another process is training the run.
    """
    (summary,) = train_group([(config, folder_path)], resume=resume, progress=progress,
                             log=log, live=live)
    assert summary is not None  # a busy run raises
    return summary


def train_group(runs: Sequence[tuple[RunConfig, Path]], *, resume: bool = True,
                progress: bool | None = None, log: Callable[[str], None] | None = None,
                live: tuple[str, ...] = (), skip_busy: bool = False
                ) -> list[dict[str, Any] | None]:
    """Train K runs of one architecture and shape together; returns their summaries in order.

    Each run keeps its own folder, seed, stream, rate and schedule, budget, early stopping,
    clipping and divergence, and writes what it would write alone. With more than one
    unfinished run whose model has a fused form (:func:`regscale.models.registry.fused_form`)
    they train as one fused model; otherwise (one run, no fused form, DDP) each trains alone.
    Finished runs are returned as they are. A run is trained only while this process holds its
    folder's lock (:meth:`regscale.store.RunFolder.lock`), so two processes never write one run.
    See :func:`train` for the other parameters.

    Parameters
    ----------
    skip_busy
        A run another process is training is left to it, its summary None; when False, such a
        run is a :class:`RunBusyError`.

    Raises
    ------
    ConfigError
        The runs cannot share a group (:func:`regscale.training.group_key.check_groupable`),
        or a folder holds another run.
    RunBusyError
        Another process is training one of the runs, and ``skip_busy`` is False.
    """
    folders = [RunFolder(path) for _, path in runs]
    summaries = [folder.read_summary() for folder in folders]
    for (config, _), folder, summary in zip(runs, folders, summaries, strict=True):
        if summary is None:
            folder.check_owner(config.run_id(), config.to_dict())
    check_groupable([config for (config, _), s in zip(runs, summaries, strict=True)
                     if s is None])
    locks = []
    main = launched_rank() == 0  # under torchrun, rank 0 holds the locks for every rank
    try:
        pending: list[tuple[int, RunConfig, RunFolder]] = []
        for i, ((config, _), folder) in enumerate(zip(runs, folders, strict=True)):
            if summaries[i] is not None:
                continue
            lock = folder.lock()
            if main and not lock.acquire():
                if not skip_busy:
                    holder = folder.holder() or "holder unknown"
                    raise RunBusyError(f"run {config.run_id()} in {folder.path} is being "
                                       f"trained by another process ({holder}); wait for it "
                                       "to finish")
                continue
            if main:
                locks.append(lock)
            summaries[i] = folder.read_summary()  # it may have finished before the lock came
            if summaries[i] is not None:
                continue
            if folder.checkpoint.exists() and not resume:
                raise ConfigError(f"{folder.path} has an unfinished run with a checkpoint; "
                                  "pass --resume to continue it")
            pending.append((i, config, folder))
        if pending:
            done = _train_pending([(c, f) for _, c, f in pending], progress, log, live)
            for (i, _, _), summary in zip(pending, done, strict=True):
                summaries[i] = summary
    finally:
        for lock in locks:
            lock.release()
    return summaries


def _train_pending(pending: list[tuple[RunConfig, RunFolder]], progress: bool | None,
                   log: Callable[[str], None] | None, live: tuple[str, ...]
                   ) -> list[dict[str, Any]]:
    system = pending[0][0].system
    load_compiled()  # a training job is long: its data come from the compiled sampler
    keep_freed_memory()  # large per-step tensors reuse warm pages (no page faults per step)
    use_cuda = (system.device in ("auto", "cuda") and torch.cuda.is_available()) or \
        system.device.startswith("cuda")
    info = init_distributed(use_cuda)
    try:
        sinks = [open_sinks(live, folder.path, f"{config.language.name} {config.model.arch} "
                            f"{config.model.size} {config.data.tokens:.0e} tokens")
                 if info.is_main else [] for config, folder in pending]
        try:
            trainer = _Trainer(pending, info, progress, log, sinks)
            if trainer.group is None:  # no fused form: one after another
                return [_Trainer([run], info, progress, log, [own]).run()[0]
                        for run, own in zip(pending, sinks, strict=True)]
            return trainer.run()
        finally:
            for member_sinks in sinks:
                for sink in member_sinks:
                    sink.close()
    finally:
        shutdown(info)


class _Member:
    """One run of a group: everything per run except the model and optimiser."""

    def __init__(self, config: RunConfig, folder: RunFolder, device: torch.device,
                 info: DistInfo, sinks: list[MetricSink]) -> None:
        self.config, self.folder, self.sinks = config, folder, sinks
        self.run_id = config.run_id()
        self.data = training_data(config.language, device)
        torch.manual_seed(config.system.seed)
        self.model = build_model(config.model, self.data.vocab_size).to(device)
        if config.init_from is not None:
            load_model_weights(self.model, resolve_init_from(config.init_from, folder.path))
        self.window = config.model.context + 1
        self.eval_every = eval_interval(config)
        self.total = config.total_steps
        if config.data.max_string_length is not None:
            if self.data.natural:
                raise ConfigError("max_string_length needs an exact source (a regular or "
                                  "context-free language), not a corpus")
            self.stream = short_string_stream(
                self.data, device, stateful=self.model.stateful,
                batch_size=config.data.batch_size, window=self.window, seed=config.data.seed,
                dataset_tokens=config.data.dataset_tokens,
                max_length=config.data.max_string_length)
        else:
            self.stream = self.data.train_stream(
                stateful=self.model.stateful, batch_size=config.data.batch_size,
                window=self.window, seed=config.data.seed,
                dataset_tokens=config.data.dataset_tokens)
        self.eval_set = self.data.eval_set(
            stateful=self.model.stateful, rows=config.eval.rows, segments=config.eval.segments,
            window=self.window, seed=config.eval.seed)
        self.rows = info.rows(config.data.batch_size)
        self.step = 0
        self.tokens_seen = 0
        self.best: dict[str, Any] = {}
        self.evals_since_best = 0
        self.train_seconds = 0.0
        self.data_seconds = 0.0
        self.loss_sum, self.loss_count = 0.0, 0
        self.status, self.message = "", ""  # set when the run ends

    def lr(self, step: int) -> float:
        o = self.config.optim
        return learning_rate(step, peak=o.lr, warmup_steps=o.warmup_steps,
                             total_steps=self.total, min_ratio=o.min_lr_ratio)

    def end(self, status: str, message: str = "") -> None:
        self.status, self.message = status, message


class _Trainer:
    """A group's state; ``run`` is the loop."""

    def __init__(self, runs: list[tuple[RunConfig, RunFolder]], info: DistInfo,
                 progress: bool | None, log: Callable[[str], None] | None,
                 sinks: list[list[MetricSink]]) -> None:
        first = runs[0][0]
        self.info = info
        self.log = log if log is not None else (lambda _: None)
        self.warn = log if log is not None else (lambda line: print(line, file=sys.stderr))
        self.device = resolve_device(first.system.device, info)
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        self.autocast = autocast_for(self.device, first.system.dtype)
        self.members = [_Member(config, folder, self.device, info, own)
                        for (config, folder), own in zip(runs, sinks, strict=True)]
        self.group = self._group()
        self.show_progress = progress if progress is not None else sys.stderr.isatty()
        self.group_size = len(self.members)
        self.run_ids = [m.run_id for m in self.members]  # the order summaries are returned in
        self.summaries: dict[str, dict[str, Any]] = {}

    def _group(self) -> ModelGroup | None:
        """The members' models as one group; None when several cannot be fused."""
        first = self.members[0]
        if len(self.members) == 1:
            forward = torch.compile(first.model) if first.config.system.compile else first.model
            if self.info.enabled:
                forward = DistributedDataParallel(forward)
            return SoloGroup(first.model, first.config.optim, self.device, forward, self.info)
        fused = fused_form(first.model)
        if fused is None or self.info.enabled:
            return None
        shapes = [{n: t.shape for n, t in m.model.state_dict().items()} for m in self.members]
        if any(shape != shapes[0] for shape in shapes):
            raise ConfigError(f"runs {[m.run_id for m in self.members]} cannot share a group: "
                              "their models differ in shape (vocabulary?)")
        return FusedGroup([m.model for m in self.members], fused, first.config.optim,
                          self.device)

    # -- bookkeeping ----------------------------------------------------------------------------
    def _start(self) -> None:
        states: list[MemberState | None] = []
        for member in self.members:
            folder = member.folder
            if self.info.is_main:
                folder.claim(member.run_id, member.config.to_dict(), self.info.world_size)
            state = None
            if folder.checkpoint.exists():
                state = self._restore(member, folder.load_checkpoint(member.run_id))
                self.log(f"resumed {member.run_id} at step {member.step}")
            states.append(state)
            if self.info.is_main and folder.metrics.exists():
                torn = folder.torn_metric_lines()
                # rows past the checkpoint will be written again; so will every row of a run
                # killed after its first evaluation but before its first checkpoint (step 0)
                folder.truncate_metrics(member.step)
                if torn:
                    self.warn(f"{folder.metrics}: dropped {torn} torn line(s) (a crash while "
                              "writing); the rows after the checkpoint are written again")
        assert self.group is not None
        try:
            self.group.restore(states)
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise ConfigError(f"a checkpoint of {[m.run_id for m in self.members]} does not "
                              f"match its run: {str(exc).splitlines()[0]}") from None

    def _restore(self, member: _Member, state: Checkpoint) -> MemberState:
        try:
            member.stream.load_state_dict(state.stream)
            member.step, member.tokens_seen = int(state.step), int(state.tokens_seen)
            member.best, member.evals_since_best = dict(state.best), int(state.evals_since_best)
            member.train_seconds = float(state.train_seconds)
            member.data_seconds = float(state.data_seconds)
            torch.set_rng_state(state.rng_cpu)
            if self.device.type == "cuda" and state.rng_cuda is not None:
                torch.cuda.set_rng_state(state.rng_cuda, self.device)
            if len(self.members) == 1:  # the solo model checks the weights in full here
                member.model.load_state_dict(state.model)
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise ConfigError(f"checkpoint {member.folder.checkpoint} does not match this run: "
                              f"{str(exc).splitlines()[0]}") from None
        return state.model, state.optimizer, state.memory

    def _checkpoint(self, k: int) -> None:
        if not self.info.is_main:
            return
        assert self.group is not None
        member = self.members[k]
        model, optimizer, memory = self.group.member_state(k, member.lr(member.step))
        member.folder.save_checkpoint(Checkpoint(
            run_id=member.run_id, step=member.step, tokens_seen=member.tokens_seen,
            model=model, optimizer=optimizer, stream=member.stream.state_dict(),
            best=member.best, evals_since_best=member.evals_since_best,
            train_seconds=member.train_seconds, data_seconds=member.data_seconds,
            rng_cpu=torch.get_rng_state(),
            rng_cuda=torch.cuda.get_rng_state(self.device)
            if self.device.type == "cuda" else None,
            memory=memory,
        ))

    # -- the loop -------------------------------------------------------------------------------
    def run(self) -> list[dict[str, Any]]:
        self._start()
        assert self.group is not None
        bar = tqdm(total=sum(m.total for m in self.members),
                   initial=sum(min(m.step, m.total) for m in self.members), unit="step",
                   disable=not (self.show_progress and self.info.is_main), dynamic_ncols=True,
                   leave=False)
        try:
            for k, member in enumerate(self.members):
                if member.config.init_from is not None and member.step == 0 and not member.best:
                    row = self._evaluate(k)  # fine-tuning for zero steps may be the best
                    if not math.isfinite(row["loss"]):
                        member.end("diverged", f"the initial weights give eval loss "
                                   f"{row['loss']}; the run is marked diverged")
                if member.step >= member.total and not member.status:
                    member.end("completed")
            self._drop_finished()
            while self.members:
                self._train_step()
                bar.update(len(self.members))
                for k, member in enumerate(self.members):
                    if member.status:
                        continue
                    if member.step % member.eval_every == 0 or member.step == member.total:
                        row = self._evaluate(k)
                        bar.set_postfix(loss=f"{row['loss']:.4f}",
                                        excess=f"{row.get('excess_bits', float('nan')):.4f}")
                        if not math.isfinite(row["loss"]):
                            member.end("diverged", f"eval loss is {row['loss']} at step "
                                       f"{member.step}; the run is marked diverged")
                        elif self._should_stop(member):
                            member.end("early_stopped")
                    if member.step >= member.total and not member.status:
                        member.end("completed")
                self._drop_finished()
        finally:
            bar.close()
        return [self.summaries[run_id] for run_id in self.run_ids]

    def _drop_finished(self) -> None:
        """Write the summaries of members that ended and take them out of the group."""
        keep = [k for k, m in enumerate(self.members) if not m.status]
        for k, member in enumerate(self.members):
            if member.status:
                self.summaries[member.run_id] = self._finish(k)
        if keep and len(keep) < len(self.members):
            assert self.group is not None
            self.group.keep(keep)
            self.group = self.group.unfused()  # too few left to pay: go on solo
        self.members = [self.members[k] for k in keep]

    def _train_step(self) -> None:
        """One step of every member; a member whose loss is not finite ends as diverged."""
        assert self.group is not None
        batches, data_seconds = [], []
        for member in self.members:
            start = time.perf_counter()
            batch = member.stream.next_batch()[member.rows]
            batches.append(batch.to(self.device, non_blocking=True))
            data_seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        losses = self.group.train_step(batches, [m.lr(m.step) for m in self.members],
                                       self.autocast)
        shared = (time.perf_counter() - start) / len(self.members)  # compute, shared equally
        for member, loss, data in zip(self.members, losses, data_seconds, strict=True):
            if not math.isfinite(loss):
                member.end("diverged", f"loss became {loss} at step {member.step} (lr "
                           f"{member.lr(member.step - 1):.2e}); the run is marked diverged")
                continue
            member.step += 1
            member.tokens_seen += member.config.tokens_per_step
            member.loss_sum += loss
            member.loss_count += 1
            member.data_seconds += data
            member.train_seconds += data + shared


    def _evaluate(self, k: int) -> dict[str, Any]:
        assert self.group is not None
        member = self.members[k]
        model = self.group.view(k)
        metrics: dict[str, Any] = {}
        if self.info.is_main:
            metrics = evaluate(model, member.eval_set, self.autocast)
        row = {
            "step": member.step, "tokens": member.tokens_seen,
            "flops": member.tokens_seen * model.train_flops_per_token(),
            "lr": member.lr(max(member.step - 1, 0)),
            "train_loss": member.loss_sum / member.loss_count if member.loss_count
            else math.nan,
            "wall_seconds": member.train_seconds, "threads": torch.get_num_threads(),
            "tokens_per_second": member.tokens_seen / max(member.train_seconds, 1e-9),
            **metrics,
        }
        member.loss_sum, member.loss_count = 0.0, 0
        if self.info.is_main and math.isfinite(metrics["loss"]):
            if not member.best or metrics["loss"] < member.best["loss"] - MIN_IMPROVEMENT:
                member.best = {k: v for k, v in row.items() if isinstance(v, int | float)}
                member.evals_since_best = 0
                member.folder.save_best_model(member.run_id, model.state_dict())
            else:
                member.evals_since_best += 1
            member.folder.append_metrics(row)
            for sink in member.sinks:
                sink.write(row)
            self._checkpoint(k)
            self.log(_format_row(row))
        # Only rank 0 evaluates; every rank must agree on a non-finite loss, or the others
        # would go on training and wait forever for rank 0 at the next collective.
        finite = broadcast_flag(math.isfinite(metrics["loss"]) if self.info.is_main else True,
                                self.info, self.device)
        if self.info.is_main:
            return row
        return {"loss": 0.0 if finite else math.nan}

    def _should_stop(self, member: _Member) -> bool:
        finite = member.config.data.dataset_tokens is not None
        stop = finite and member.evals_since_best >= member.config.eval.patience
        return broadcast_flag(stop, self.info, self.device)

    def _measure_acceptance(self, k: int) -> None:
        """The best model's acceptance: the fraction of ``eval.samples`` free-running samples
        the DFA accepts, with its binomial standard error, measured once when the run ends
        (sampling at every evaluation cost more than the evaluations themselves)."""
        assert self.group is not None
        member = self.members[k]
        n, data = member.config.eval.samples, member.data
        if not n or data.natural or not member.best or "acceptance" in member.best \
                or not member.folder.best_model.exists():
            return
        model = self.group.view(k)  # leaves the group next: its view may take other weights
        model.load_state_dict(load_weights(member.folder.best_model))
        accepted = acceptance_rate(
            model, data, n, context=member.config.model.context,
            seed=member.config.eval.seed + int(member.best["step"]), device=self.device,
            autocast=self.autocast)
        member.best["acceptance"] = accepted
        member.best["acceptance_se"] = binomial_standard_error(accepted, n)

    def _measure_lengths(self, k: int) -> list[dict[str, Any]] | None:
        """The best model's excess, valid mass and acceptance by length bin, for a run that
        trained on short strings (:mod:`regscale.training.length_generalisation`)."""
        assert self.group is not None
        member = self.members[k]
        limit, data = member.config.data.max_string_length, member.data
        if limit is None or data.natural or not member.folder.best_model.exists():
            return None
        model = self.group.view(k)
        model.load_state_dict(load_weights(member.folder.best_model))
        return length_table(model, data, limit, context=member.config.model.context,
                            samples=max(member.config.eval.samples, 200),
                            seed=member.config.eval.seed, device=self.device,
                            autocast=self.autocast)

    def _finish(self, k: int) -> dict[str, Any]:
        member = self.members[k]
        lengths = None
        if self.info.is_main:
            self._measure_acceptance(k)
            lengths = self._measure_lengths(k)
        rows = member.folder.read_metrics() if self.info.is_main else []
        final = rows[-1] if rows else {}
        model = member.model
        summary: dict[str, Any] = {
            "run_id": member.run_id, "status": member.status, "message": member.message,
            "language": member.data.name, "arch": member.config.model.arch,
            "size": member.config.model.size, "context": member.config.model.context,
            "non_embedding_params": model.non_embedding_params(),
            "total_params": model.total_params(),
            "flops_per_token": model.train_flops_per_token(),
            "dataset_tokens": member.config.data.dataset_tokens,
            "steps": member.step, "tokens": member.tokens_seen,
            "flops": member.tokens_seen * model.train_flops_per_token(),
            "wall_seconds": member.train_seconds, "threads": torch.get_num_threads(),
            "tokens_per_second": member.tokens_seen / max(member.train_seconds, 1e-9),
            "data_fraction": member.data_seconds / max(member.train_seconds, 1e-9),
            "group_size": self.group_size,
            **member.data.describe(),
            "final": final, "best": member.best,
        }
        for key in BEST_METRICS:
            if key in member.best:
                summary[key] = member.best[key]
        summary.update(_convergence(rows, member.status))
        if lengths is not None:
            summary["length_generalisation"] = lengths
        if self.info.is_main:
            member.folder.write_summary(summary)
        result: dict[str, Any] = broadcast_object(summary, self.info)
        return result


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
