"""Learning rate per size: a sweep may list peak learning rates (``lrs``, one grid or one per
architecture); every (language, architecture, size) is first trained at each of them for
``tuning_tokens`` tokens, and the grid then uses the rate with the lowest best evaluation loss for
that triple (a diverged tuning run counts as infinitely bad). The tuning runs are recorded in the
study (role ``tune``) and their losses in ``fits/learning_rates.csv``, so the choice can be
checked; a choice at the lowest or highest rate of its grid is marked (``edge``), since the best
rate may then lie outside the grid.

With ``tuning_languages`` only those languages tune, and each (architecture, size) takes one rate
for every language: the rate whose tuning runs have the lowest mean log excess loss over the
tuning languages (the excess puts languages of different floors on one footing). The choice is
then keyed by the language ``*`` (:data:`ANY_LANGUAGE`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from regscale.training.run_config import RunConfig, override

Triple = tuple[str, str, str]
"""(language name, architecture, size)."""

ANY_LANGUAGE = "*"
"""The language of a choice shared by every language of an (architecture, size)."""

EXCESS_FLOOR = 1e-4
"""Excess losses (nats/token) below this count as this in the shared choice's mean log."""


def triple(run: RunConfig) -> Triple:
    """The (language, architecture, size) a learning rate is chosen for."""
    size = run.model.size or f"L{run.model.n_layer}d{run.model.d_model}h{run.model.n_head}"
    return run.language.name, run.model.arch, size


def tuning_runs(grid: list[RunConfig], lrs: Callable[[str], Iterable[float]],
                tokens: int, languages: Iterable[str] = ()) -> list[RunConfig]:
    """One run per (language, architecture, size) of ``grid`` and learning rate of that
    architecture (``lrs(arch)``), on fresh data for ``tokens`` tokens, seeded like the grid's
    first run of that triple; only the triples of ``languages`` where it names any."""
    only = set(languages)
    first: dict[Triple, RunConfig] = {}
    for run in grid:
        if not only or run.language.name in only:
            first.setdefault(triple(run), run)
    return [override(run, {"optim.lr": lr, "data.tokens": tokens, "data.dataset_tokens": None})
            for run in first.values() for lr in lrs(run.model.arch)]


def select_learning_rates(table: pd.DataFrame, *, shared: bool = False) -> dict[Triple, float]:
    """The best learning rate per triple from columns language, arch, size, lr, loss, status;
    where ``shared``, one per (arch, size) (keyed ``("*", arch, size)``) by the mean log excess
    (column ``excess_loss``) over the languages.

    Raises
    ------
    ValueError
        A triple (or pair) none of whose tuning runs finished.
    """
    if shared:
        return _select_shared(table)
    chosen = {}
    scored = table.assign(score=[math.inf if s == "diverged" or not math.isfinite(loss) else loss
                                 for s, loss in zip(table["status"], table["loss"], strict=True)])
    for key, group in scored.groupby(["language", "arch", "size"], sort=True):
        best = group.sort_values(["score", "lr"]).iloc[0]
        if not math.isfinite(best["score"]):
            raise ValueError(f"every tuning run of {key} diverged")
        chosen[(str(key[0]), str(key[1]), str(key[2]))] = float(best["lr"])
    return chosen


def _select_shared(table: pd.DataFrame) -> dict[Triple, float]:
    """Per (arch, size), the rate of lowest mean log excess (log loss where no run of the table
    has an excess: natural languages)."""
    has_excess = "excess_loss" in table and table["excess_loss"].notna().any()
    value = table["excess_loss"] if has_excess else table["loss"]
    scored = table.assign(score=[
        math.inf if s == "diverged" or not math.isfinite(v) else math.log(max(v, EXCESS_FLOOR))
        for s, v in zip(table["status"], value, strict=True)])
    chosen = {}
    for (arch, size), group in scored.groupby(["arch", "size"], sort=True):
        means = group.groupby("lr")["score"].mean().sort_index()
        if not math.isfinite(means.min()):
            raise ValueError(f"every tuning rate of ({arch}, {size}) diverged somewhere")
        chosen[(ANY_LANGUAGE, str(arch), str(size))] = float(means.idxmin())
    return chosen


def choice(chosen: dict[Triple, float], language: str, arch: str, size: str) -> float | None:
    """The rate chosen for a triple: its own, or its (arch, size)'s shared one."""
    own = chosen.get((language, arch, size))
    return own if own is not None else chosen.get((ANY_LANGUAGE, arch, size))


def grid_edges(table: pd.DataFrame, chosen: dict[Triple, float]) -> list[str]:
    """Per row of ``table`` (columns language, arch, size, lr): ``"lowest"`` or ``"highest"``
    where the row is its triple's choice and that is the lowest or highest rate of a grid of at
    least two, else ``""``."""
    grids = table.groupby(["language", "arch", "size"])["lr"].agg(["min", "max", "nunique"])
    edges = []
    for language, arch, size, lr in zip(table["language"], table["arch"], table["size"],
                                        table["lr"], strict=True):
        low, high, count = grids.loc[(language, arch, size)]
        is_choice = choice(chosen, language, arch, size) == lr
        edges.append("" if not is_choice or count < 2 else
                     "lowest" if lr == low else "highest" if lr == high else "")
    return edges


def apply_learning_rates(grid: list[RunConfig], chosen: dict[Triple, float]) -> list[RunConfig]:
    """The grid with each run's peak learning rate set to its triple's choice."""
    return [override(run, {"optim.lr": choice(chosen, *triple(run))}) for run in grid]


def tuning_table(runs: list[RunConfig], summaries: dict[str, dict[str, Any]],
                 chosen: dict[Triple, float]) -> pd.DataFrame:
    """One row per tuning run: its triple, rate, best loss, status, and whether it was chosen."""
    rows = []
    for run in runs:
        summary = summaries.get(run.run_id(), {})
        language, arch, size = triple(run)
        rows.append({"language": language, "arch": arch, "size": size, "lr": run.optim.lr,
                     "tokens": run.data.tokens, "loss": summary.get("loss", math.nan),
                     "excess_loss": summary.get("excess_loss", math.nan),
                     "status": summary.get("status", "missing"),
                     "chosen": choice(chosen, language, arch, size) == run.optim.lr})
    return pd.DataFrame(rows)
