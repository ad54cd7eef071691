"""Check a sweep's design before anything trains: ``regscale sweep NAME --plan``.

For the regular languages of a sweep, the plan measures every complexity measure exactly (the
languages are built, nothing is trained) and reports

- the design's **regressors** per language: log2 states, log2 transitions per state, entropy
  rate (bits/token) and log2 mean string length, with the automaton each language samples
  (the replicate) and its cell (states, transitions per state);
- their **correlation matrix** and **variance inflation** (:mod:`regscale.fits.collinearity`) for
  states with transitions per state, with entropy rate added, and with all four;
- **automata per cell** (a cell with one automaton cannot tell the size from the automaton);
- the **estimated wall time** on the workers (:mod:`regscale.experiments.time_estimate`, measured
  here), tuning then grid;
- the **expected 95% half-width** of each coefficient of the joint model
  (:mod:`regscale.fits.joint_model`), from studies simulated on this design at a stated noise;
- **warnings**: collinear regressors (VIF above :data:`~regscale.fits.collinearity.VIF_LIMIT`),
  cells with one automaton.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from regscale.analysis.complexity_joint import REGRESSORS, regressor_columns
from regscale.experiments.design import automaton_of
from regscale.experiments.lr_tuning import tuning_runs
from regscale.experiments.sweep_config import SweepConfig
from regscale.experiments.time_estimate import PhaseEstimate, StepCost, estimate_phases
from regscale.fits.collinearity import VIF_LIMIT, variance_inflation
from regscale.sources.catalog import load_language_config
from regscale.sources.language import build_language
from regscale.training.run_config import RunConfig

VIF_SETS = {"states + transitions/state": REGRESSORS[:2],
            "+ entropy rate": REGRESSORS[:3],
            "+ mean length": REGRESSORS}
"""Regressor sets whose variance inflation the plan reports."""


def design_table(languages: tuple[str, ...]) -> pd.DataFrame:
    """One row per regular language: automaton, cell, the exact measures and the regressors."""
    rows = []
    for name in languages:
        language = build_language(load_language_config(name))
        complexity = getattr(language, "complexity", None)
        if complexity is None:  # a natural language has no automaton
            continue
        measures = {f"complexity_{k}": v for k, v in complexity.as_dict().items()}
        rows.append({"language": name, "automaton": automaton_of(name), **measures})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["states"] = table["complexity_states"]
    table["transitions_per_state"] = (table["complexity_transitions"]
                                      / table["complexity_states"]).round(2)
    return pd.concat([table, regressor_columns(table)], axis=1)


@dataclass(frozen=True)
class SweepPlan:
    """What ``--plan`` reports (module docstring)."""

    design: pd.DataFrame
    correlation: pd.DataFrame
    vif: pd.DataFrame  # rows: regressor sets; columns: regressors
    cells: pd.DataFrame  # states, transitions_per_state, automata, languages
    phases: list[PhaseEstimate]
    runs_per_language: int
    warnings: list[str] = field(default_factory=list)
    half_widths: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def minutes(self) -> float:
        """Estimated wall minutes, all phases."""
        return sum(p.seconds for p in self.phases) / 60


def plan_sweep(sweep: SweepConfig, *, workers: int, max_group: int | None,
               measure: bool = True,
               step_cost: Callable[[RunConfig, int], StepCost] | None = None) -> SweepPlan:
    """The plan of ``sweep`` on ``workers`` local workers (``measure=False``: no timing)."""
    design = design_table(sweep.languages)
    columns = [c for c in REGRESSORS if c in design]
    present = design[columns] if len(design) else pd.DataFrame(columns=columns)
    correlation = present.corr() if len(present) > 1 else pd.DataFrame()
    vif = pd.DataFrame([variance_inflation(present[list(cols)]).rename(name)
                        for name, cols in VIF_SETS.items()]) if len(present) > 2 \
        else pd.DataFrame()
    cells = pd.DataFrame()
    if len(design):
        cells = (design.groupby(["states", "transitions_per_state"])
                 .agg(automata=("automaton", "nunique"), languages=("language", "size"))
                 .reset_index())
    runs = sweep.run_configs()
    phases: list[tuple[str, list[RunConfig]]] = []
    if sweep.lrs:
        assert sweep.tuning_tokens is not None
        phases.append(("tuning", tuning_runs(runs, sweep.lrs_for, sweep.tuning_tokens,
                                             sweep.tuning_languages)))
    phases.append(("grid", runs))
    estimates = estimate_phases(phases, workers=workers, max_group=max_group,
                                measure=step_cost) \
        if measure else [PhaseEstimate(name, len(r), 0, math.nan) for name, r in phases]
    return SweepPlan(design=design, correlation=correlation, vif=vif, cells=cells,
                     phases=estimates, runs_per_language=len(runs) // max(len(sweep.languages), 1),
                     warnings=_warnings(vif, cells))


def _warnings(vif: pd.DataFrame, cells: pd.DataFrame) -> list[str]:
    out = []
    for name, row in vif.iterrows():
        high = [f"{c} {v:.1f}" for c, v in row.items() if v > VIF_LIMIT]
        if high:
            out.append(f"collinear ({name}): VIF {', '.join(high)} > {VIF_LIMIT:g}; their "
                       "coefficients cannot be told apart")
    if len(cells):
        single = cells[cells["automata"] < 2]
        if len(single):
            out.append(f"{len(single)} of {len(cells)} cells have one automaton: size cannot "
                       "be told from the particular automaton there")
    return out


__all__ = ["REGRESSORS", "StepCost", "SweepPlan", "design_table", "plan_sweep",
           "regressor_columns"]
