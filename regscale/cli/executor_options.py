"""Click options that choose where the runs of a sweep or transfer study execute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from regscale.experiments.executors import EXECUTORS, ExecutorOptions
from regscale.training.live_metrics import SINKS

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option("--executor", type=click.Choice(sorted(EXECUTORS)), default="local",
                 show_default=True, help="local, ray (a Ray cluster) or slurm (submitit)."),
    click.option("--workers", type=click.IntRange(min=1), help="local: parallel workers "
                 "(default: one per GPU, else one per --cpus-per-run cores this process may "
                 "use)."),
    click.option("--address", help="ray: cluster address (default: start a local cluster)."),
    click.option("--cpus-per-run", type=click.FloatRange(min=0, min_open=True), default=1.0,
                 show_default=True, help="CPUs each run is given, on every executor; it "
                 "computes with that many threads (torch, BLAS)."),
    click.option("--gpus-per-run", type=float, default=0.0, show_default=True),
    click.option("--max-retries", type=click.IntRange(min=0), default=2, show_default=True,
                 help="ray/slurm: retries of a run whose worker or job died (it resumes)."),
    click.option("--slurm-partition", help="slurm: partition."),
    click.option("--slurm-time", type=click.IntRange(min=1), default=240, show_default=True,
                 help="slurm: minutes per run."),
    click.option("--slurm-cluster", type=click.Choice(["slurm", "local"]),
                 help="slurm: force SLURM, or run the jobs as local processes (testing)."),
    click.option("--fuse", "max_group", type=click.IntRange(min=1), default=None,
                 help="Train runs of one shape as fused groups of at most this many (default: "
                 "the measured best per architecture and size; see benchmarks/fused.py)."),
    click.option("--no-fuse", is_flag=True, help="Train every run alone (same as --fuse 1)."),
    click.option("--log", "live", type=click.Choice(SINKS), multiple=True,
                 help="Also write every evaluation live, e.g. tensorboard (event files in each "
                 "run folder: tensorboard --logdir <out>)."),
)
NAMES = ("executor", "workers", "address", "cpus_per_run", "gpus_per_run", "max_retries",
         "slurm_partition", "slurm_time", "slurm_cluster", "max_group", "no_fuse", "live")


def executor_options(func: F) -> F:
    """Add the executor options to a command."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def executor_from(options: dict[str, Any]) -> tuple[str, ExecutorOptions]:
    """The executor name and its options, taken out of a command's keyword arguments."""
    values = {name: options.pop(name) for name in NAMES}
    return values["executor"], ExecutorOptions(
        workers=values["workers"], address=values["address"],
        cpus_per_run=values["cpus_per_run"], gpus_per_run=values["gpus_per_run"],
        max_retries=values["max_retries"], slurm_cluster=values["slurm_cluster"],
        slurm_partition=values["slurm_partition"], slurm_time_min=values["slurm_time"],
        max_group=1 if values["no_fuse"] else values["max_group"], live=tuple(values["live"]))
