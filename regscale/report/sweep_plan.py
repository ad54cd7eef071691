"""The text of ``regscale sweep --plan`` (:mod:`regscale.analysis.sweep_plan`)."""

from __future__ import annotations

import math

import pandas as pd

from regscale.analysis.sweep_plan import SIMULATED_STUDIES, SweepPlan
from regscale.report.tables import markdown_table

SHOWN = ("language", "states", "transitions_per_state", "complexity_accepting",
         "complexity_entropy_rate_bits", "complexity_mean_string_length")


def format_plan(plan: SweepPlan, *, workers: int) -> str:
    """Every section of the plan, as Markdown."""
    parts = []
    design = plan.design
    if len(design):
        parts += [f"## Design: {len(design)} regular languages, "
                  f"{design['automaton'].nunique()} automata, "
                  f"{plan.runs_per_language} runs each", "", markdown_table(design, SHOWN), ""]
        spread = design[["complexity_entropy_rate_bits", "complexity_mean_string_length"]]
        parts += [f"entropy rate {spread.iloc[:, 0].min():.3g}..{spread.iloc[:, 0].max():.3g} "
                  f"bits/token, mean string length {spread.iloc[:, 1].min():.3g}.."
                  f"{spread.iloc[:, 1].max():.3g} symbols", ""]
    if len(plan.correlation):
        parts += ["## Correlation of the regressors", "",
                  markdown_table(plan.correlation.reset_index(names="regressor")), ""]
    if len(plan.vif):
        parts += ["## Variance inflation (each regressor given the others of its set)", "",
                  markdown_table(plan.vif.reset_index(names="set")), ""]
    if len(plan.cells):
        parts += ["## Automata per cell", "", markdown_table(plan.cells), ""]
    if len(plan.half_widths):
        parts += ["## Expected 95% half-widths of the joint model's coefficients", "",
                  f"{SIMULATED_STUDIES} studies simulated on this design with one "
                  "exponent for all languages (alpha 0.3) and complexity in the prefactor, "
                  f"noise {plan.noise:g} in log excess (`--noise`), analysed with the cluster "
                  "bootstrap: the interval a real study of this design can expect.", "",
                  markdown_table(plan.half_widths), ""]
    parts += ["## Estimated wall time", "", _phases(plan, workers), ""]
    parts += [f"warning: {w}" for w in plan.warnings] or ["no warnings"]
    return "\n".join(parts)


def _phases(plan: SweepPlan, workers: int) -> str:
    table = pd.DataFrame([{"phase": p.name, "runs": p.runs, "groups": p.groups,
                           "minutes": p.seconds / 60} for p in plan.phases])
    total = plan.minutes
    line = ("timing skipped (--no-timing)" if math.isnan(total) else
            f"at most {total:.0f} minutes with {workers} worker(s), measured here (runs that "
            "stop early finish sooner)")
    return markdown_table(table) + "\n\n" + line
