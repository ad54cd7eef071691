"""Run a sweep: record it in its study folder, then train every unfinished run of its grid.

The record (``study.json``, see :mod:`regscale.store`) names exactly the sweep's runs, so the
analysis of the folder covers this sweep even where other runs share the folder. A killed sweep
rerun with the same config skips what finished and resumes the unfinished run from its
checkpoint.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from regscale.experiments.executors import ExecutorOptions
from regscale.experiments.runner import run_configs
from regscale.experiments.sweep_config import SweepConfig
from regscale.sources.language import build_language
from regscale.store import StudyFolder, StudyRecord


def run_sweep(sweep: SweepConfig, root: Path, *, executor: str = "local",
              options: ExecutorOptions | None = None,
              log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run every unfinished run of ``sweep`` under ``root``; returns all summaries."""
    runs = sweep.run_configs()
    for language in {run.language for run in runs}:
        build_language(language)  # fail fast on a bad language, before any training
    study = StudyFolder(root)
    study.write_record(StudyRecord(kind="sweep", config=dataclasses.asdict(sweep),
                                   runs=[{"run_id": r.run_id()} for r in runs]))
    return run_configs(runs, study, executor=executor, options=options, log=log)
