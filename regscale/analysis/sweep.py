"""A sweep's analysis: results, learning curves, laws per language, the complexity map, and the
points and fitted lines behind every law, computed once and handed to the report.

Tables (all :class:`pandas.DataFrame`):

``results``     one row per finished grid run (:func:`regscale.analysis.collect.collect_runs`)
``tuning``      one row per learning-rate tuning run, and whether its rate was chosen
``curves``      every evaluation of every run (learning curves)
``laws``        one row per (language, arch): fits on N, D and C, Chinchilla, Kaplan
                (:func:`regscale.fits.complexity_map.fit_language_laws`), plus a short ``label``
``regression``  exponents and prefactors against complexity measures
``points``      the runs behind each axis's fit: language, arch, axis, x, loss, excess,
                at_floor (excess within 2 standard errors of 0), used (False: shown but left
                out, e.g. a size whose best run did not converge, or a run at the floor)
``lines``       fitted curves on a grid: language, arch, axis (N, D, C: excess loss;
                N_opt: Chinchilla's compute-optimal N against C, only from an ``ok`` fit), x,
                y, and the fit's verdict
``joint``       the joint model per (arch, axis): coefficients, nested test, comparison
                (:mod:`regscale.analysis.complexity_joint`)
``learnability`` tokens to learn, per cell, and their censored regression
                (:mod:`regscale.analysis.learnability`)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regscale.analysis.collect import (
    collect_curves,
    collect_lengths,
    collect_runs,
    fill_convergence,
    require_runs,
)
from regscale.analysis.complexity_joint import JointTables, joint_tables
from regscale.analysis.learnability import Learnability, analyse_learnability
from regscale.experiments.lr_tuning import choice, grid_edges, select_learning_rates
from regscale.fits.chinchilla import ChinchillaFit
from regscale.fits.complexity_map import axis_points, complexity_regression, fit_language_laws
from regscale.fits.verdict import OK
from regscale.store import StudyFolder

GRID_POINTS = 50
"""Points on each fitted line."""

FINISHED = ("completed", "early_stopped")
"""Run statuses whose losses enter fits."""


@dataclass(frozen=True)
class SweepAnalysis:
    """Tables of one sweep folder's analysis, and the files written."""

    results: pd.DataFrame
    tuning: pd.DataFrame
    curves: pd.DataFrame
    laws: pd.DataFrame
    regression: pd.DataFrame
    points: pd.DataFrame
    lines: pd.DataFrame
    joint: JointTables = field(default_factory=lambda: JointTables(
        pd.DataFrame(), pd.DataFrame(), pd.DataFrame()))
    learnability: Learnability = field(default_factory=lambda: Learnability(
        pd.DataFrame(), pd.DataFrame(), pd.DataFrame()))
    files: dict[str, Path] = field(default_factory=dict)
    lengths: pd.DataFrame = field(default_factory=pd.DataFrame)  # runs trained on short strings


def short_name(language: str) -> str:
    """A label that fits a plot: ``dfa:n=8,t=14,f=3,k=2,seed=0`` -> ``dfa n8 t14``."""
    if language.startswith("dfa:"):
        parts = dict(p.split("=") for p in language[4:].split(",") if "=" in p)
        return f"dfa n{parts.get('n')} t{parts.get('t')}"
    return language.removeprefix("regex:")[:16]


def collect_sweep(root: Path) -> tuple[StudyFolder, pd.DataFrame, pd.DataFrame]:
    """Collect the sweep's runs and curves and write ``results.parquet``/``curves.parquet``;
    ``role`` says whether a run belongs to the grid or only tuned its learning rate, and
    ``tuning`` whether it was one of the tuning runs (the grid may reuse a tuning run)."""
    study = StudyFolder(root)
    results = collect_runs(study)
    require_runs(results, study)
    record = study.read_record()
    roles: dict[str, set[str]] = {}
    for run in record.runs if record is not None else []:
        roles.setdefault(run["run_id"], set()).add(run.get("role", "grid"))
    results["role"] = ["tune" if roles.get(r) == {"tune"} else "grid" for r in results.run_id]
    results["tuning"] = ["tune" in roles.get(r, set()) for r in results.run_id]
    curves = collect_curves(study, list(results["run_id"]))
    results = fill_convergence(results, curves)
    study.write_results(results)
    study.write_curves(curves)
    return study, results, curves


def tuning_choices(results: pd.DataFrame, *, shared: bool = False) -> pd.DataFrame:
    """The learning-rate tuning runs with the rate chosen for each (language, arch, size) (each
    (arch, size) where ``shared``), and whether the choice lies at the edge of its grid."""
    tune = results[results["tuning"]]
    if tune.empty:
        return pd.DataFrame()
    chosen = select_learning_rates(tune, shared=shared)
    keys = zip(tune["language"], tune["arch"], tune["size"], tune["lr"], strict=True)
    columns = ["language", "arch", "size", "lr", "tokens", "loss", "excess_loss", "excess_bits",
               "status"]
    return tune[[c for c in columns if c in tune]].assign(
        chosen=[choice(chosen, lang, arch, size) == lr for lang, arch, size, lr in keys],
        shared=shared,
        edge=grid_edges(tune, chosen))


def analyse_sweep(root: Path) -> SweepAnalysis:
    """Collect, fit the laws and the complexity map, and write the tables (``fits/*.csv``)."""
    study, collected, curves = collect_sweep(root)
    record = study.read_record()
    shared = record is not None and bool(record.config.get("tuning_languages"))
    tuning = tuning_choices(collected, shared=shared)
    results = collected[collected["role"] != "tune"].reset_index(drop=True)
    laws = fit_language_laws(results)
    if len(laws):
        laws.insert(2, "label", laws["language"].map(short_name))
    regression = complexity_regression(laws) if len(laws) else pd.DataFrame()
    points, lines = _points_and_lines(results, laws)
    joint = joint_tables(results)
    learnability = analyse_learnability(results, curves)
    lengths = collect_lengths(study)
    if len(lengths):
        lengths = lengths[lengths["run_id"].isin(results["run_id"])].reset_index(drop=True)
    files = {"results": study.results, "curves": study.curves}
    for name, table in (("laws", laws), ("regression", regression),
                        ("learning_rates", tuning), ("joint_coefficients", joint.coefficients),
                        ("joint_tests", joint.tests), ("joint_comparisons", joint.comparisons),
                        ("learning_times", learnability.times),
                        ("learnability_cells", learnability.cells),
                        ("learnability_regression", learnability.regression),
                        ("length_generalisation", lengths)):
        if name in ("laws", "regression") or len(table):
            files[name] = study.write_table(name, table)
    return SweepAnalysis(results=results, tuning=tuning, curves=curves, laws=laws,
                         regression=regression, points=points, lines=lines, joint=joint,
                         learnability=learnability, files=files, lengths=lengths)


def _points_and_lines(results: pd.DataFrame, laws: pd.DataFrame
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    ok = results[results["status"].isin(FINISHED)]
    points, lines = [], []
    for law in laws.itertuples():
        group = ok[(ok["language"] == law.language) & (ok["arch"] == law.arch)]
        key = {"language": law.language, "arch": law.arch}
        for axis, chosen in axis_points(group).items():
            x = chosen["x"].to_numpy(float)
            loss = chosen["loss"].to_numpy(float)
            points.append(pd.DataFrame({**key, "axis": axis, "run_id": chosen["run_id"],
                                        "N": chosen["non_embedding_params"], "x": x,
                                        "loss": loss, "excess": loss - law.floor,
                                        "at_floor": chosen["at_floor"],
                                        "used": chosen["used"]}))
            if (line := _excess_line(law, axis, x[chosen["used"].to_numpy(bool)])) is not None:
                lines.append(pd.DataFrame({**key, "axis": axis, "x": line[0], "y": line[1],
                                           "verdict": getattr(law, f"alpha_{axis}_verdict")}))
        if (optimal := _compute_optimal_line(law, group)) is not None:
            lines.append(pd.DataFrame({**key, "axis": "N_opt", "x": optimal[0],
                                       "y": optimal[1], "verdict": OK}))
    columns = ["language", "arch", "axis", "x", "y", "verdict"]
    return (pd.concat(points, ignore_index=True) if points else pd.DataFrame(),
            pd.concat(lines, ignore_index=True) if lines else pd.DataFrame(columns=columns))


def _excess_line(law: Any, axis: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The known-floor fit ``(x0/x)^alpha`` of one axis on a log grid spanning ``x``."""
    alpha = getattr(law, f"alpha_{axis}", np.nan)
    if np.isnan(alpha) or len(x) == 0:
        return None
    grid = np.logspace(np.log10(np.min(x)), np.log10(np.max(x)), GRID_POINTS)
    return grid, np.exp(alpha * (getattr(law, f"log_x0_{axis}") - np.log(grid)))


def _compute_optimal_line(law: Any, group: pd.DataFrame
                          ) -> tuple[np.ndarray, np.ndarray] | None:
    """Chinchilla's ``N_opt(C)`` over the sweep's compute range, only where its fit is ``ok``."""
    if getattr(law, "chinchilla_verdict", "") != OK:
        return None
    fit = ChinchillaFit(**{name: getattr(law, f"chinchilla_{name}")
                           for name in ChinchillaFit.__dataclass_fields__})
    flops = group["flops"].to_numpy(float)
    grid = np.logspace(np.log10(flops.min()), np.log10(flops.max()), GRID_POINTS)
    n_opt, _ = fit.compute_optimal(grid)
    return grid, n_opt
