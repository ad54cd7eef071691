"""Run a sweep: skip finished runs (``summary.json`` exists), train the rest, record everything.

Layout of a sweep folder::

    <root>/sweep.json          the sweep config and its run ids (written by the driver)
    <root>/runs/<run id>/      one folder per run (see regscale.training.run_store)
    <root>/results.parquet     the collected table (regscale collect)

A killed sweep rerun with the same config skips what finished and resumes the unfinished run
from its checkpoint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from regscale.errors import UnknownNameError
from regscale.experiments.executors import EXECUTORS, ExecutorOptions
from regscale.experiments.sweep_config import SweepConfig
from regscale.sources.regular_language import RegularLanguage
from regscale.training.run_config import RunConfig
from regscale.training.run_store import RunFolder, atomic_write_json


def run_sweep(sweep: SweepConfig, root: Path, *, executor: str = "local",
              options: ExecutorOptions | None = None,
              log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run every unfinished run of ``sweep`` under ``root``; returns all summaries."""
    runs = sweep.run_configs()
    for language in {run.language for run in runs}:
        RegularLanguage.build(language)  # fail fast on a bad language, before any training
    atomic_write_json(root / "sweep.json", {"sweep": dataclasses.asdict(sweep),
                                            "run_ids": [r.run_id() for r in runs]})
    return run_configs(runs, root, executor=executor, options=options, log=log)


def run_configs(runs: list[RunConfig], root: Path, *, executor: str = "local",
                options: ExecutorOptions | None = None,
                log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run a list of configs into ``root/runs``; finished ones are read, not rerun."""
    if executor not in EXECUTORS:
        raise UnknownNameError(f"unknown executor {executor!r}; choose one of "
                               f"{sorted(EXECUTORS)}")
    folders = [root / "runs" / run.run_id() for run in runs]
    done = {f for f in folders if RunFolder(f).is_finished()}
    todo = [(run, f) for run, f in zip(runs, folders, strict=True) if f not in done]
    log(f"{len(runs)} runs: {len(done)} finished, {len(todo)} to run")
    EXECUTORS[executor](todo, log, options or ExecutorOptions())
    summaries = []
    for folder in folders:
        summary = RunFolder(folder).read_summary()
        if summary is not None:
            summaries.append(summary)
    return summaries
