"""The map of scaling laws over languages: per-language fits, and exponents against complexity.

For each (language, architecture) in a results table:

- **L(N)** at the largest token budget: a free-floor fit ``E + (N0/N)^alpha`` and, since the floor
  of a regular language is known exactly (the Bayes-optimal loss of the evaluation windows), a
  known-floor fit of the excess loss ``(N0/N)^alpha``; how far the free E lands from the true
  floor is reported.
- **L(D)** at the largest model: tokens seen (fresh data) or dataset size D (finite data).
- **L(C)** on the compute frontier (the lowest loss reached at each compute).
- **Chinchilla L(N, D)** where the grid has at least two sizes and two budgets, and Kaplan's
  ``L(N, D)`` (no irreducible term) of the excess loss on the same grid.

Then, across languages, an ordinary least-squares regression of each exponent (and of the log
prefactor) on each complexity measure, with a 95% t-interval on the slope: a slope whose interval
excludes 0 says the exponent changes with complexity; a flat exponent with a moving prefactor
says complexity is only a prefactor.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from regscale.fits.bootstrap import bootstrap, percentile_interval
from regscale.fits.chinchilla import fit_chinchilla
from regscale.fits.kaplan import fit_kaplan
from regscale.fits.power_law import fit_excess_power_law, fit_power_law

BOOTSTRAP_RESAMPLES = 500
"""Resamples of the points behind each known-floor exponent, for its 95% interval."""

COMPLEXITY_MEASURES = ("complexity_states", "complexity_transitions", "complexity_accepting",
                       "complexity_alphabet_size", "complexity_topological_entropy_bits",
                       "complexity_entropy_rate_bits", "complexity_mean_string_length")


def data_axis(runs: pd.DataFrame) -> pd.Series:
    """The data D of each run: the dataset size where the runs repeat a finite dataset, the
    tokens seen where they read fresh data."""
    finite = runs["dataset_tokens"].notna().any()
    column: pd.Series = runs["dataset_tokens"] if finite else runs["tokens"]
    return column


def compute_frontier(flops: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Indices of the points on the lower envelope: lower loss than every cheaper point."""
    order = np.argsort(flops, kind="stable")
    best = math.inf
    keep = []
    for i in order:
        if loss[i] < best:
            best = loss[i]
            keep.append(i)
    return np.array(keep, dtype=int)


def fit_language_laws(results: pd.DataFrame) -> pd.DataFrame:
    """One row of fitted laws per (language, arch); finished, non-diverged runs only."""
    ok = results[results["status"].isin(["completed", "early_stopped"])]
    rows = []
    for (language, arch), group in ok.groupby(["language", "arch"], sort=True):
        rows.append(_laws(language, arch, group))
    return pd.DataFrame(rows)


def axis_points(group: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The runs behind each axis of one (language, arch): ``N`` at the largest budget, ``D`` at
    the largest model, ``C`` on the compute frontier."""
    budget = data_axis(group)
    biggest = group["non_embedding_params"] == group["non_embedding_params"].max()
    front = compute_frontier(group["flops"].to_numpy(float), group["loss"].to_numpy(float))
    return {"N": group[budget == budget.max()].assign(x=lambda f: f["non_embedding_params"]),
            "D": group[biggest].assign(x=data_axis(group[biggest])),
            "C": group.iloc[front].assign(x=lambda f: f["flops"])}


def _laws(language: str, arch: str, group: pd.DataFrame) -> dict[str, Any]:
    row: dict[str, Any] = {"language": language, "arch": arch, "runs": len(group)}
    for measure in COMPLEXITY_MEASURES:
        row[measure] = group[measure].iloc[0]
    floor = float(group["optimal_loss"].mean())
    row["floor"] = floor
    for axis, points in axis_points(group).items():
        _fit_axis(row, axis, points["x"].to_numpy(float), points["loss"].to_numpy(float),
                  floor)
    budget = data_axis(group)
    n_sizes = group["non_embedding_params"].nunique()
    if n_sizes >= 2 and budget.nunique() >= 2 and len(group) >= 6:
        n, d = group["non_embedding_params"].to_numpy(float), budget.to_numpy(float)
        loss = group["loss"].to_numpy(float)
        row.update({f"chinchilla_{k}": v for k, v in fit_chinchilla(n, d, loss).as_dict()
                    .items()})
        if (loss > floor).all():
            row.update({f"kaplan_{k}": v for k, v in fit_kaplan(n, d, loss - floor).as_dict()
                        .items()})
    return row


def _fit_axis(row: dict[str, Any], axis: str, x: np.ndarray, loss: np.ndarray,
              floor: float) -> None:
    """Free-floor and known-floor power laws of loss against one axis, where the data allow."""
    row[f"points_{axis}"] = len(x)
    try:
        excess = fit_excess_power_law(x, loss, floor)
        row[f"alpha_{axis}"] = excess.alpha
        row[f"log_x0_{axis}"] = excess.log_x0
        low, high = _alpha_interval(x, loss, floor)
        row[f"alpha_{axis}_low"], row[f"alpha_{axis}_high"] = low, high
    except ValueError:
        pass
    try:
        free = fit_power_law(x, loss)
        row[f"alpha_{axis}_free"] = free.alpha
        row[f"E_{axis}_free"] = free.E
        row[f"E_{axis}_free_minus_floor"] = free.E - floor
    except ValueError:
        pass


def _alpha_interval(x: np.ndarray, loss: np.ndarray, floor: float) -> tuple[float, float]:
    """Bootstrap percentile interval of the known-floor exponent (resampling the points)."""

    def refit(weights: np.ndarray) -> float:
        try:
            return fit_excess_power_law(x, loss, floor, weights=weights).alpha
        except ValueError:  # a resample with one distinct x says nothing about the slope
            return math.nan

    alphas = np.array(bootstrap(refit, len(x), resamples=BOOTSTRAP_RESAMPLES, seed=0))
    alphas = alphas[np.isfinite(alphas)]
    if len(alphas) < BOOTSTRAP_RESAMPLES // 2:
        return math.nan, math.nan
    return percentile_interval(alphas)


def complexity_regression(laws: pd.DataFrame, targets: tuple[str, ...] = (
        "alpha_N", "log_x0_N", "alpha_C", "alpha_D")) -> pd.DataFrame:
    """OLS slope of each target on each complexity measure, per architecture, with a 95%
    t-interval on the slope and its p-value (needs 3 languages)."""
    rows = []
    for arch, by_arch in laws.groupby("arch", sort=True):
        for target in targets:
            if target not in by_arch:
                continue
            for measure in COMPLEXITY_MEASURES:
                row = _regress(by_arch, target, measure)
                if row is not None:
                    rows.append({"arch": arch, **row})
    return pd.DataFrame(rows)


def _regress(laws: pd.DataFrame, target: str, measure: str) -> dict[str, Any] | None:
    data = laws[[measure, target]].dropna()
    if len(data) < 3 or data[measure].nunique() < 2:
        return None
    fit = stats.linregress(data[measure].to_numpy(float), data[target].to_numpy(float))
    half = stats.t.ppf(0.975, len(data) - 2) * fit.stderr
    return {"target": target, "measure": measure.removeprefix("complexity_"),
            "languages": len(data), "slope": fit.slope, "slope_low": fit.slope - half,
            "slope_high": fit.slope + half, "intercept": fit.intercept, "r2": fit.rvalue**2,
            "p_value": fit.pvalue}
