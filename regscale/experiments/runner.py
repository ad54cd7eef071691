"""Run a list of run configs into a study folder: finished runs are read, the rest trained.

Sweeps and transfer studies both come here, so every executor serves both and a killed study
resumes the same way: runs whose ``summary.json`` exists are skipped, and an unfinished run
continues from its checkpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from regscale.errors import UnknownNameError
from regscale.experiments.executors import EXECUTORS, ExecutorOptions
from regscale.experiments.grouping import Group, plan_groups
from regscale.store import StudyFolder
from regscale.training.run_config import RunConfig

POLL_SECONDS = 1.0
"""How often a study looks again at runs another process is training."""


def run_configs(runs: list[RunConfig], study: StudyFolder, *, executor: str = "local",
                options: ExecutorOptions | None = None,
                log: Callable[[str], None] = print,
                poll_seconds: float = POLL_SECONDS) -> list[dict[str, Any]]:
    """Run ``runs`` into ``study``'s run folders; returns the summaries of the finished ones.

    Unfinished runs of one shape train in fused groups (:func:`plan_groups`) unless
    ``options.max_group`` is 1. A run another process is training (another sweep on the same
    folder, a retried task whose first attempt still runs) is left to it: this study waits for
    it to finish, and trains it itself if that process dies first, so both end with the same
    finished runs.
    """
    if executor not in EXECUTORS:
        raise UnknownNameError(f"unknown executor {executor!r}; choose one of "
                               f"{sorted(EXECUTORS)}")
    options = options or ExecutorOptions()
    folders = [study.run(run.run_id()) for run in runs]
    todo = [(run, f.path) for run, f in zip(runs, folders, strict=True) if not f.is_finished()]
    groups = _groups(todo, options)
    log(f"{len(runs)} runs: {len(runs) - len(todo)} finished, {len(todo)} to run"
        + _fused_note(groups))
    left = EXECUTORS[executor](groups, log, options) if groups else []
    by_id = {run.run_id(): (run, f) for run, f in zip(runs, folders, strict=True)}
    while left:
        log(f"waiting for {len(left)} runs another process is training "
            f"({by_id[left[0]][1].holder() or 'holder unknown'}, ...)")
        while any(by_id[i][1].is_busy() for i in left):
            time.sleep(poll_seconds)
        orphans = [(by_id[i][0], by_id[i][1].path) for i in left
                   if not by_id[i][1].is_finished()]
        if not orphans:
            break
        log(f"{len(orphans)} runs were left unfinished by the other process; training them")
        left = EXECUTORS[executor](_groups(orphans, options), log, options)
    summaries = [f.read_summary() for f in folders]
    return [s for s in summaries if s is not None]


def _groups(jobs: list[tuple[RunConfig, Path]], options: ExecutorOptions) -> list[Group]:
    device = "cuda" if options.gpus_per_run > 0 or torch.cuda.is_available() else "cpu"
    return plan_groups(jobs, max_group=options.max_group, device_type=device)


def _fused_note(groups: list[Group]) -> str:
    fused = [g for g in groups if len(g) > 1]
    return f" ({sum(map(len, fused))} in {len(fused)} fused groups)" if fused else ""
