"""Learning rate per size: a sweep may list peak learning rates (``lrs``, one grid or one per
architecture); every (language, architecture, size) is first trained at each of them for
``tuning_tokens`` tokens, and the grid then uses the rate with the lowest best evaluation loss for
that triple (a diverged tuning run counts as infinitely bad). The tuning runs are recorded in the
study (role ``tune``) and their losses in ``fits/learning_rates.csv``, so the choice can be
checked; a choice at the lowest or highest rate of its grid is marked (``edge``), since the best
rate may then lie outside the grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from regscale.training.run_config import RunConfig, override

Triple = tuple[str, str, str]
"""(language name, architecture, size)."""


def triple(run: RunConfig) -> Triple:
    """The (language, architecture, size) a learning rate is chosen for."""
    size = run.model.size or f"L{run.model.n_layer}d{run.model.d_model}h{run.model.n_head}"
    return run.language.name, run.model.arch, size


def tuning_runs(grid: list[RunConfig], lrs: Callable[[str], Iterable[float]],
                tokens: int) -> list[RunConfig]:
    """One run per (language, architecture, size) of ``grid`` and learning rate of that
    architecture (``lrs(arch)``), on fresh data for ``tokens`` tokens, seeded like the grid's
    first run of that triple."""
    first: dict[Triple, RunConfig] = {}
    for run in grid:
        first.setdefault(triple(run), run)
    return [override(run, {"optim.lr": lr, "data.tokens": tokens, "data.dataset_tokens": None})
            for run in first.values() for lr in lrs(run.model.arch)]


def select_learning_rates(table: pd.DataFrame) -> dict[Triple, float]:
    """The best learning rate per triple from columns language, arch, size, lr, loss, status.

    Raises
    ------
    ValueError
        A triple none of whose tuning runs finished.
    """
    chosen = {}
    scored = table.assign(score=[math.inf if s == "diverged" or not math.isfinite(loss) else loss
                                 for s, loss in zip(table["status"], table["loss"], strict=True)])
    for key, group in scored.groupby(["language", "arch", "size"], sort=True):
        best = group.sort_values(["score", "lr"]).iloc[0]
        if not math.isfinite(best["score"]):
            raise ValueError(f"every tuning run of {key} diverged")
        chosen[(str(key[0]), str(key[1]), str(key[2]))] = float(best["lr"])
    return chosen


def grid_edges(table: pd.DataFrame, chosen: dict[Triple, float]) -> list[str]:
    """Per row of ``table`` (columns language, arch, size, lr): ``"lowest"`` or ``"highest"``
    where the row is its triple's choice and that is the lowest or highest rate of a grid of at
    least two, else ``""``."""
    grids = table.groupby(["language", "arch", "size"])["lr"].agg(["min", "max", "nunique"])
    edges = []
    for language, arch, size, lr in zip(table["language"], table["arch"], table["size"],
                                        table["lr"], strict=True):
        low, high, count = grids.loc[(language, arch, size)]
        is_choice = chosen.get((language, arch, size)) == lr
        edges.append("" if not is_choice or count < 2 else
                     "lowest" if lr == low else "highest" if lr == high else "")
    return edges


def apply_learning_rates(grid: list[RunConfig], chosen: dict[Triple, float]) -> list[RunConfig]:
    """The grid with each run's peak learning rate set to its triple's choice."""
    return [override(run, {"optim.lr": chosen[triple(run)]}) for run in grid]


def tuning_table(runs: list[RunConfig], summaries: dict[str, dict[str, Any]],
                 chosen: dict[Triple, float]) -> pd.DataFrame:
    """One row per tuning run: its triple, rate, best loss, status, and whether it was chosen."""
    rows = []
    for run in runs:
        summary = summaries.get(run.run_id(), {})
        language, arch, size = triple(run)
        rows.append({"language": language, "arch": arch, "size": size, "lr": run.optim.lr,
                     "tokens": run.data.tokens, "loss": summary.get("loss", math.nan),
                     "status": summary.get("status", "missing"),
                     "chosen": chosen.get(triple(run)) == run.optim.lr})
    return pd.DataFrame(rows)
