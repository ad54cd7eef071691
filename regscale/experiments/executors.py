"""Executors run a sweep's unfinished runs; only the driver writes shared tables.

``local`` (the default) trains runs one after another in this process, on the device each run
config names (CUDA when present). Other executors (Ray, SLURM) plug in here with the same
signature.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from regscale.training.loop import train
from regscale.training.run_config import RunConfig

Executor = Callable[[list[tuple[RunConfig, Path]], Callable[[str], None]], list[dict[str, Any]]]


def run_local(jobs: list[tuple[RunConfig, Path]], log: Callable[[str], None]
              ) -> list[dict[str, Any]]:
    """Train each ``(config, folder)`` in turn; a diverged run is reported and the rest go on."""
    summaries = []
    bar = tqdm(jobs, unit="run", dynamic_ncols=True, disable=None)
    for config, folder in bar:
        bar.set_postfix_str(f"{config.language.name} {config.model.arch} {config.model.size} "
                            f"{config.data.tokens:.0e} tokens")
        summary = train(config, folder, resume=True, progress=False)
        if summary["status"] == "diverged":
            log(f"run {summary['run_id']} diverged: {summary['message']}")
        summaries.append(summary)
    return summaries


EXECUTORS: dict[str, Executor] = {"local": run_local}
"""Executor name -> function."""
