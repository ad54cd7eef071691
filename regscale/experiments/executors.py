"""Executors run a sweep's unfinished runs, in groups; only the driver writes shared tables.

The unit of work is a *group* (:mod:`regscale.experiments.grouping`): runs of one shape that
train as one fused model, or a single run. Every executor calls the same
``train_group(runs, resume=True)``, so a group whose worker dies is retried from its members'
checkpoints, member by member, and a finished run is never rerun.

``local`` (default)
    A pool of worker processes: one per GPU, each pinned to it through ``CUDA_VISIBLE_DEVICES``;
    on CPU one per ``cpus_per_run`` cores this process may use. With ``workers=1``, one run after
    another in this process.
``ray``
    Ray tasks on an existing cluster (``address``) or a local one started for the sweep; each
    task asks for ``cpus_per_run`` CPUs and ``gpus_per_run`` GPUs; a task whose worker dies is
    retried ``max_retries`` times.
``slurm``
    submitit job arrays on SLURM (``cluster=None`` detects it); ``slurm_cluster="local"`` runs
    the same jobs as local processes. Failed jobs are resubmitted up to ``max_retries`` times.

On every executor a run computes with ``cpus_per_run`` threads (torch, BLAS; at least one), the
CPUs it was given, never the machine's count (:mod:`regscale.threads`). By default that is one
thread per run, so results do not depend on how many runs share the machine (a pool reproduces a
sequential sweep exactly; measured on the smoke sweep, 2 cores: two single-threaded workers
2m22s, one two-threaded worker 3m18s).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from regscale.errors import ConfigError
from regscale.experiments.grouping import Group
from regscale.threads import available_cores, threads_for, use_threads
from regscale.training.loop import train_group
from regscale.training.run_config import RunConfig

PR_SET_PDEATHSIG = 1
"""Linux prctl option: the signal a process gets when its parent dies."""


@dataclass(frozen=True, kw_only=True)
class ExecutorOptions:
    """Settings of the executors (each reads the ones it needs)."""

    workers: int | None = None  # local: parallel workers; None = one per GPU, else per core
    address: str | None = None  # ray: cluster address; None = start a local cluster
    cpus_per_run: float = 1.0  # CPUs (and threads) per run
    gpus_per_run: float = 0.0  # ray, slurm: GPUs per run
    max_retries: int = 2  # ray, slurm: retries of a run whose worker or job died
    slurm_cluster: str | None = None  # None = auto-detect SLURM; "local" = local processes
    slurm_partition: str | None = None  # SLURM partition
    slurm_time_min: int = 240  # SLURM time limit per run, minutes
    slurm_parallelism: int = 64  # SLURM array tasks running at once
    live: tuple[str, ...] = ()  # live metric sinks of every run, e.g. ("tensorboard",)
    max_group: int | None = None  # runs per fused group; None = measured best, 1 = no fusion

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"workers must be >= 1, got {self.workers}")
        if self.cpus_per_run <= 0 or self.gpus_per_run < 0 or self.max_retries < 0:
            raise ConfigError("cpus_per_run must be > 0, gpus_per_run and max_retries >= 0")
        if self.max_group is not None and self.max_group < 1:
            raise ConfigError(f"runs per fused group must be >= 1, got {self.max_group}")

    @property
    def threads_per_run(self) -> int:
        """Threads a run computes with: its CPUs, at least one."""
        return max(1, int(self.cpus_per_run))


Executor = Callable[[list[Group], Callable[[str], None], ExecutorOptions], list[str]]
"""Trains the groups; returns the ids of runs it left to another process that was training
them (their folder's lock was held)."""


def train_job(configs: list[RunConfig], folders: list[str], threads: int,
              live: tuple[str, ...] = ()) -> list[dict[str, Any] | None]:
    """What a worker runs: one group with ``threads`` threads (and live metric sinks), each
    member resuming from its checkpoint when it has one; a member another process is training
    is left to it (None)."""
    use_threads(threads)
    return train_group(list(zip(configs, map(Path, folders), strict=True)), resume=True,
                       progress=False, live=live, skip_busy=True)


def _job_args(group: Group) -> tuple[list[RunConfig], list[str]]:
    return [config for config, _ in group], [str(folder) for _, folder in group]


def _label(group: Group) -> str:
    config = group[0][0]
    runs = f" x {len(group)} fused" if len(group) > 1 else f" {config.data.tokens:.0e} tokens"
    return f"{config.language.name} {config.model.arch} {config.model.size}{runs}"


def _report(group: Group, summaries: list[dict[str, Any] | None], log: Callable[[str], None],
            left: list[str]) -> None:
    """Log the group's diverged runs; add those another process is training to ``left``."""
    for (config, _), summary in zip(group, summaries, strict=True):
        if summary is None:
            left.append(config.run_id())
        elif summary["status"] == "diverged":
            log(f"run {summary['run_id']} diverged: {summary['message']}")


def run_local(jobs: list[Group], log: Callable[[str], None], options: ExecutorOptions
              ) -> list[str]:
    """A pool of workers (one per GPU, else one per ``cpus_per_run`` cores), or runs in
    sequence here."""
    gpus = torch.cuda.device_count()
    threads = options.threads_per_run
    workers = options.workers or gpus or max(1, available_cores() // threads)
    if workers * threads > available_cores() and not gpus:
        log(f"{workers} workers x {threads} threads exceed the {available_cores()} cores this "
            "process may use: runs will wait for each other")
    left: list[str] = []
    if workers == 1 or len(jobs) <= 1:
        with threads_for(threads):
            bar = tqdm(total=sum(map(len, jobs)), unit="run", dynamic_ncols=True, disable=None)
            for group in jobs:
                bar.set_postfix_str(_label(group))
                _report(group, train_group(group, resume=True, progress=False,
                                           live=options.live, skip_busy=True), log, left)
                bar.update(len(group))
            bar.close()
        return left
    slots: Any = multiprocessing.get_context("spawn").Queue()
    for slot in range(workers):
        slots.put(str(slot % gpus) if gpus else "")
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_pin_device, initargs=(slots,)) as pool:
        futures = {pool.submit(train_job, *_job_args(group), threads, options.live): group
                   for group in jobs}
        with tqdm(total=sum(map(len, jobs)), unit="run", disable=None) as bar:
            for future in as_completed(futures):
                _report(futures[future], future.result(), log, left)
                bar.update(len(futures[future]))
    return left


def _pin_device(slots: Any) -> None:
    """Pool initializer: this worker sees one GPU (or none on CPU) and dies with the sweep, so a
    killed sweep leaves no worker writing to a run a rerun resumes."""
    os.environ["CUDA_VISIBLE_DEVICES"] = slots.get()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the sweep died before the line above took effect
            os._exit(1)


def run_ray(jobs: list[Group], log: Callable[[str], None], options: ExecutorOptions
            ) -> list[str]:
    """Ray tasks, one per group; a task whose worker process dies is retried and resumes from
    its members' checkpoints."""
    try:
        import ray
    except ImportError:
        raise ConfigError("the ray executor needs Ray: pip install 'regscale[scale]'") from None
    started = not ray.is_initialized()
    if started:
        ray.init(address=options.address, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
    try:
        task = ray.remote(max_retries=options.max_retries, retry_exceptions=False)(train_job)
        pending = {task.options(num_cpus=options.cpus_per_run, num_gpus=options.gpus_per_run)
                   .remote(*_job_args(group), options.threads_per_run, options.live): group
                   for group in jobs}
        failed = 0
        left: list[str] = []
        with tqdm(total=sum(map(len, jobs)), unit="run", disable=None) as bar:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                group = pending.pop(done[0])
                try:
                    _report(group, ray.get(done[0]), log, left)
                except ray.exceptions.RayError as exc:
                    failed += len(group)
                    log(f"runs {[c.run_id() for c, _ in group]} failed after "
                        f"{options.max_retries} retries: {str(exc).splitlines()[0]}")
                bar.update(len(group))
        if failed:
            log(f"{failed} runs failed; rerun the sweep to resume them")
        return left
    finally:
        if started:
            ray.shutdown()


def run_slurm(jobs: list[Group], log: Callable[[str], None], options: ExecutorOptions
              ) -> list[str]:
    """submitit job arrays, one job per group; failed jobs are resubmitted up to
    ``max_retries`` times."""
    try:
        import submitit
    except ImportError:
        raise ConfigError("the slurm executor needs submitit: pip install 'regscale[scale]'"
                          ) from None
    if not jobs:
        return []
    root = jobs[0][0][1].parent.parent
    executor = submitit.AutoExecutor(folder=root / "slurm_logs", cluster=options.slurm_cluster)
    executor.update_parameters(
        timeout_min=options.slurm_time_min, cpus_per_task=options.threads_per_run,
        gpus_per_node=int(options.gpus_per_run), slurm_array_parallelism=options.slurm_parallelism,
        **({"slurm_partition": options.slurm_partition} if options.slurm_partition else {}))
    todo = list(jobs)
    left: list[str] = []
    for attempt in range(options.max_retries + 1):
        with executor.batch():
            submitted = [(executor.submit(train_job, *_job_args(group),
                                          options.threads_per_run, options.live), group)
                         for group in todo]
        log(f"submitted {len(submitted)} jobs (attempt {attempt + 1}) to {executor.cluster}")
        todo = []
        for job, group in tqdm(submitted, unit="job", disable=None):
            try:
                _report(group, job.result(), log, left)
            except Exception as exc:  # a failed or killed job: resubmit, it resumes
                log(f"runs {[c.run_id() for c, _ in group]} job {job.job_id} failed: "
                    f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else exc!r}")
                todo.append(group)
        if not todo:
            return left
    log(f"{sum(map(len, todo))} runs still failing after {options.max_retries} retries; "
        "rerun the sweep")
    return left


EXECUTORS: dict[str, Executor] = {"local": run_local, "ray": run_ray, "slurm": run_slurm}
"""Executor name -> function."""
