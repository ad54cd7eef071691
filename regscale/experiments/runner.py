"""Run a list of run configs into a study folder: finished runs are read, the rest trained.

Sweeps and transfer studies both come here, so every executor serves both and a killed study
resumes the same way: runs whose ``summary.json`` exists are skipped, and an unfinished run
continues from its checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from regscale.errors import UnknownNameError
from regscale.experiments.executors import EXECUTORS, ExecutorOptions
from regscale.experiments.grouping import plan_groups
from regscale.store import StudyFolder
from regscale.training.run_config import RunConfig


def run_configs(runs: list[RunConfig], study: StudyFolder, *, executor: str = "local",
                options: ExecutorOptions | None = None,
                log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run ``runs`` into ``study``'s run folders; returns the summaries of the finished ones.

    Unfinished runs of one shape train in fused groups (:func:`plan_groups`) unless
    ``options.max_group`` is 1.
    """
    if executor not in EXECUTORS:
        raise UnknownNameError(f"unknown executor {executor!r}; choose one of "
                               f"{sorted(EXECUTORS)}")
    folders = [study.run(run.run_id()) for run in runs]
    todo = [(run, f.path) for run, f in zip(runs, folders, strict=True) if not f.is_finished()]
    options = options or ExecutorOptions()
    device = "cuda" if options.gpus_per_run > 0 or torch.cuda.is_available() else "cpu"
    groups = plan_groups(todo, max_group=options.max_group, device_type=device)
    fused = sum(len(g) for g in groups if len(g) > 1)
    log(f"{len(runs)} runs: {len(runs) - len(todo)} finished, {len(todo)} to run"
        + (f" ({fused} in {sum(len(g) > 1 for g in groups)} fused groups)" if fused else ""))
    EXECUTORS[executor](groups, log, options)
    summaries = [f.read_summary() for f in folders]
    return [s for s in summaries if s is not None]
