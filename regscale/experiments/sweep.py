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
from regscale.experiments.lr_tuning import (
    apply_learning_rates,
    select_learning_rates,
    triple,
    tuning_runs,
    tuning_table,
)
from regscale.experiments.runner import run_configs
from regscale.experiments.sweep_config import SweepConfig
from regscale.sources.language import build_language
from regscale.store import StudyFolder, StudyRecord
from regscale.training.run_config import RunConfig


def run_sweep(sweep: SweepConfig, root: Path, *, executor: str = "local",
              options: ExecutorOptions | None = None,
              log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run every unfinished run of ``sweep`` under ``root``; returns the grid's summaries.

    With ``lrs``, the tuning runs go first and the grid uses each triple's best rate
    (:mod:`regscale.experiments.lr_tuning`).
    """
    runs = sweep.run_configs()
    for language in {run.language for run in runs}:
        build_language(language)  # fail fast on a bad language, before any training
    study = StudyFolder(root)
    tune: list[RunConfig] = []
    if sweep.lrs:
        assert sweep.tuning_tokens is not None  # checked by SweepConfig
        tune = tuning_runs(runs, sweep.lrs_for, sweep.tuning_tokens, sweep.tuning_languages)
        _record(study, sweep, tune, [])
        triples = len({triple(run) for run in tune})
        log(f"tuning the learning rate: {len(tune)} runs over {triples} (language, arch, size)")
        summaries = {s["run_id"]: s for s in run_configs(
            tune, study, executor=executor, options=options, log=log)}
        chosen = select_learning_rates(tuning_table(tune, summaries, {}),
                                       shared=bool(sweep.tuning_languages))
        runs = apply_learning_rates(runs, chosen)
    _record(study, sweep, tune, runs)
    return run_configs(runs, study, executor=executor, options=options, log=log)


def _record(study: StudyFolder, sweep: SweepConfig, tune: list[RunConfig],
            grid: list[RunConfig]) -> None:
    study.write_record(StudyRecord(
        kind="sweep", config=dataclasses.asdict(sweep),
        runs=[{"run_id": r.run_id(), "role": "tune"} for r in tune]
        + [{"run_id": r.run_id(), "role": "grid"} for r in grid]))
