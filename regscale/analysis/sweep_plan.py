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
  (:mod:`regscale.fits.joint_model`), from studies simulated on this design (one point per
  language and model size at the largest budget, x = 6 N D) from :data:`SIMULATED_TRUTH` at a
  stated noise (default :data:`NOISE`), analysed with the real cluster bootstrap;
- **warnings**: collinear regressors (VIF above :data:`~regscale.fits.collinearity.VIF_LIMIT`),
  cells with one automaton.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from regscale.analysis.complexity_joint import REGRESSORS, with_cells
from regscale.experiments.design import automaton_of
from regscale.experiments.lr_tuning import tuning_runs
from regscale.experiments.sweep_config import SweepConfig
from regscale.experiments.time_estimate import PhaseEstimate, StepCost, estimate_phases
from regscale.fits.collinearity import VIF_LIMIT, variance_inflation
from regscale.fits.joint_model import JointData, analyse_joint
from regscale.models.registry import build_model
from regscale.sources.catalog import load_language_config
from regscale.sources.language import build_language
from regscale.training.run_config import RunConfig

NOISE = 0.18
"""Default noise of the simulated studies, in log excess: the median log-residual scatter of the
compute laws of the previous CPU reference study (0.07-0.30 between quartiles)."""

SIMULATED_TRUTH = (0.0, 0.3, 0.3)
"""(log A, alpha, prefactor slope per regressor) of the simulated studies: one exponent for all
languages (the null of the nested test), complexity in the prefactor only."""

SIMULATED_STUDIES = 20
SIMULATED_RESAMPLES = 100

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
    return with_cells(pd.DataFrame(rows))


@dataclass(frozen=True)
class SweepPlan:
    """What ``--plan`` reports (module docstring)."""

    design: pd.DataFrame
    correlation: pd.DataFrame
    vif: pd.DataFrame  # rows: regressor sets; columns: regressors
    cells: pd.DataFrame  # states, transitions_per_state, automata, languages, runs
    phases: list[PhaseEstimate]
    runs_per_language: int
    warnings: list[str] = field(default_factory=list)
    half_widths: pd.DataFrame = field(default_factory=pd.DataFrame)
    noise: float = math.nan  # log-excess noise of the simulated studies

    @property
    def minutes(self) -> float:
        """Estimated wall minutes, all phases."""
        return sum(p.seconds for p in self.phases) / 60


def compute_points(sweep: SweepConfig) -> np.ndarray:
    """Training compute ``6 N D`` of each size of the sweep's first architecture at its largest
    budget: the x values of the simulated studies."""
    runs = [r for r in sweep.run_configs() if r.model.arch == sweep.archs[0]
            and r.data.tokens == max(sweep.tokens) and r.language.name == sweep.languages[0]]
    vocab = build_language(runs[0].language).vocab_size
    sizes = {r.model: r for r in runs}
    return np.array(sorted(6.0 * build_model(model, vocab).non_embedding_params()
                           * max(sweep.tokens) for model in sizes))


def expected_half_widths(design: pd.DataFrame, x: np.ndarray, *, noise: float,
                         studies: int = SIMULATED_STUDIES, seed: int = 0) -> pd.DataFrame:
    """Median and 90th-percentile 95% half-width of each joint-model coefficient over studies
    simulated on ``design`` (one point per language and x) from :data:`SIMULATED_TRUTH` with
    Gaussian noise of ``noise`` in log excess; the intervals are the real analysis's cluster
    bootstrap."""
    regressors = tuple(r for r in REGRESSORS if r in design and design[r].nunique() > 1)
    if not regressors or len(x) < 2:
        return pd.DataFrame()
    rng = np.random.default_rng(seed)
    z = (design[list(regressors)] - design[list(regressors)].mean()).to_numpy(float)
    log_a, alpha, slope = SIMULATED_TRUTH
    rows = np.repeat(np.arange(len(design)), len(x))
    log_x = np.tile(np.log(x), len(design))
    widths: dict[str, list[float]] = {}
    for _ in range(studies):
        log_excess = (log_a + slope * z.sum(axis=1)[rows] - alpha * log_x
                      + rng.normal(0.0, noise, len(rows)))
        data = JointData(log_x=log_x, log_excess=log_excess, z=z[rows],
                         clusters=design["automaton"].to_numpy()[rows], regressors=regressors,
                         languages=design["language"].to_numpy()[rows])
        try:
            result = analyse_joint(data, resamples=SIMULATED_RESAMPLES,
                                   seed=int(rng.integers(2**31)))
        except ValueError:
            return pd.DataFrame()
        for row in result.coefficients.itertuples():
            widths.setdefault(str(row.term), []).append((row.high - row.low) / 2)
    return pd.DataFrame([{"term": term, "half_width": float(np.nanmedian(values)),
                          "half_width_p90": float(np.nanpercentile(values, 90))}
                         for term, values in widths.items()])


def plan_sweep(sweep: SweepConfig, *, workers: int, max_group: int | None,
               measure: bool = True, noise: float = NOISE,
               step_cost: Callable[[RunConfig, int], StepCost] | None = None) -> SweepPlan:
    """The plan of ``sweep`` on ``workers`` local workers (``measure=False``: no timing)."""
    design = design_table(sweep.languages)
    columns = [c for c in REGRESSORS if c in design]
    # languages without a DFA's measures (grammars, corpora) have no place in the collinearity
    present = design[columns].dropna() if len(design) else pd.DataFrame(columns=columns)
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
    per_language = len(runs) // max(len(sweep.languages), 1)
    if len(cells):
        cells["runs"] = cells["languages"] * per_language
    phases: list[tuple[str, list[RunConfig]]] = []
    if sweep.lrs:
        assert sweep.tuning_tokens is not None
        phases.append(("tuning", tuning_runs(runs, sweep.lrs_for, sweep.tuning_tokens,
                                             sweep.tuning_languages)))
    phases.append(("grid", runs))
    estimates = estimate_phases(phases, workers=workers, max_group=max_group,
                                measure=step_cost) \
        if measure else [PhaseEstimate(name, len(r), 0, math.nan) for name, r in phases]
    half = expected_half_widths(design, compute_points(sweep), noise=noise) \
        if len(design) > 2 else pd.DataFrame()
    return SweepPlan(design=design, correlation=correlation, vif=vif, cells=cells,
                     phases=estimates, runs_per_language=per_language,
                     warnings=_warnings(vif, cells), half_widths=half, noise=noise)


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


__all__ = ["REGRESSORS", "StepCost", "SweepPlan", "design_table", "plan_sweep"]
