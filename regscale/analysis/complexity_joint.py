"""The complexity map as one joint model per architecture and axis
(:mod:`regscale.fits.joint_model`): every language's points at once, complexity in the exponent
and the prefactor, automata as the replicates.

The points are those behind the per-language laws (:func:`regscale.fits.complexity_map.
axis_points`: the compute frontier, the converged size envelope, the largest model's data
axis), without the runs at the floor or not converged. The regressors are
:data:`REGRESSORS`, those that vary over the study's languages; the automaton of a language
(its ``dfa:`` spec without policy keys) is its cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from regscale.experiments.design import automaton_of
from regscale.fits.complexity_map import axis_points
from regscale.fits.joint_model import JointData, analyse_joint

REGRESSORS = ("log2_states", "log2_transitions_per_state", "entropy_rate_bits",
              "log2_mean_length")
"""The complexity regressors of the joint model (log2: a coefficient is per doubling)."""

COMPARE = (("log2_states", "log2_transitions_per_state"),)
"""Which regressor moves the exponent more: states or transitions per state?"""

AXES = ("C", "N", "D")

FINISHED = ("completed", "early_stopped")


def regressor_columns(complexity: pd.DataFrame) -> pd.DataFrame:
    """The regressors from ``complexity_*`` columns (one row per language or run)."""
    states = complexity["complexity_states"].astype(float)
    return pd.DataFrame({
        "log2_states": np.log2(states),
        "log2_transitions_per_state": np.log2(complexity["complexity_transitions"] / states),
        "entropy_rate_bits": complexity["complexity_entropy_rate_bits"].astype(float),
        "log2_mean_length": np.log2(complexity["complexity_mean_string_length"].astype(float)),
    }, index=complexity.index)


def with_cells(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (``complexity_*`` columns) with its cell (``states``, ``transitions_per_state``
    to one decimal, as a design sets them) and the regressors."""
    if table.empty:
        return table
    cells = pd.DataFrame({"states": table["complexity_states"],
                          "transitions_per_state": (table["complexity_transitions"]
                                                    / table["complexity_states"]).round(1)},
                         index=table.index)
    return pd.concat([table, cells, regressor_columns(table)], axis=1)


def varying(table: pd.DataFrame, regressors: tuple[str, ...]) -> list[str]:
    """The regressors that take more than one value over the table's languages."""
    per_language = table.groupby("language")[list(regressors)].first()
    return [r for r in regressors if per_language[r].nunique() > 1]


def joint_points(results: pd.DataFrame) -> pd.DataFrame:
    """The points of every (language, arch, axis) fit, used ones only, with regressors."""
    if "complexity_states" not in results:  # natural languages only
        return pd.DataFrame()
    ok = results[results["status"].isin(FINISHED) & results["complexity_states"].notna()]
    frames = []
    for (language, arch), group in ok.groupby(["language", "arch"], sort=True):
        floor = float(group["optimal_loss"].mean())
        for axis, chosen in axis_points(group).items():
            used = chosen[chosen["used"].astype(bool) & (chosen["loss"] > floor)]
            frames.append(pd.DataFrame({
                "language": language, "arch": arch, "axis": axis,
                "automaton": automaton_of(str(language)), "x": used["x"].astype(float),
                "excess": used["loss"].astype(float) - floor,
                **{c: used[c] for c in used if c.startswith("complexity_")}}))
    if not frames:
        return pd.DataFrame()
    points = pd.concat(frames, ignore_index=True)
    return pd.concat([points, regressor_columns(points)], axis=1)


@dataclass(frozen=True)
class JointTables:
    """Per (arch, axis): coefficients, the nested test, the states-vs-transitions comparison."""

    coefficients: pd.DataFrame
    tests: pd.DataFrame
    comparisons: pd.DataFrame


def joint_tables(results: pd.DataFrame, *, seed: int = 0) -> JointTables:
    """The joint model of every architecture and axis the results allow (a pair that cannot
    be fitted gets a test row that says why)."""
    points = joint_points(results)
    coefficients, tests, comparisons = [], [], []
    if points.empty:
        return JointTables(pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    for (arch, axis), group in points.groupby(["arch", "axis"], sort=True):
        key = {"arch": arch, "axis": axis}
        regressors = tuple(varying(group, REGRESSORS))
        compare = tuple(pair for pair in COMPARE if set(pair) <= set(regressors))
        if not regressors:
            tests.append({**key, "verdict": "failed: no complexity measure varies"})
            continue
        try:
            result = analyse_joint(JointData.from_points(group, regressors), seed=seed,
                                   compare=compare)
        except ValueError as exc:
            tests.append({**key, "verdict": f"failed: {exc}"})
            continue
        size = {"points": result.points, "languages": result.languages,
                "automata": result.automata}
        coefficients.append(result.coefficients.assign(**key))
        tests.append({**key, **size, **result.test})
        if len(result.comparisons):
            comparisons.append(result.comparisons.assign(**key))
    return JointTables(
        coefficients=_first(pd.concat(coefficients, ignore_index=True)) if coefficients
        else pd.DataFrame(),
        tests=pd.DataFrame(tests),
        comparisons=_first(pd.concat(comparisons, ignore_index=True)) if comparisons
        else pd.DataFrame())


def _first(table: pd.DataFrame) -> pd.DataFrame:
    """``arch`` and ``axis`` as the first columns."""
    return table[["arch", "axis", *[c for c in table if c not in ("arch", "axis")]]]
