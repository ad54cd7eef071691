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
from regscale.fits.chinchilla import BOUNDS as CHINCHILLA_BOUNDS
from regscale.fits.chinchilla import fit_chinchilla
from regscale.fits.kaplan import fit_kaplan
from regscale.fits.power_law import fit_excess_power_law, fit_power_law
from regscale.fits.verdict import MIN_DECADES, OK, decades, judge, residual_rms

BOOTSTRAP_RESAMPLES = 500
"""Resamples of the points behind each known-floor exponent, for its 95% interval."""

FREE_RESAMPLES = 100
"""Resamples behind the free-floor exponent's interval (each refit starts at the optimum)."""

CHINCHILLA_RESAMPLES = 100
"""Resamples behind Chinchilla's alpha and beta intervals."""

AT_FLOOR_SE = 2.0
"""A run whose excess loss is within this many standard errors of 0 is at the floor: shown as
such, left out of power-law fits (the log of noise around 0 says nothing of a law), counted."""

FREE_FLOOR_AT_ZERO = 1e-3
"""A free floor below this fraction of the lowest loss has run to its bound, 0."""

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


def at_floor(runs: pd.DataFrame) -> pd.Series:
    """Whether each run's excess loss is within :data:`AT_FLOOR_SE` standard errors of 0 (False
    where the table has no excess, e.g. a natural language)."""
    if "excess_loss" not in runs or "excess_se" not in runs:
        return pd.Series(False, index=runs.index)
    excess, se = runs["excess_loss"].astype(float), runs["excess_se"].astype(float).fillna(0)
    return (excess.notna() & (excess <= AT_FLOOR_SE * se)).rename("at_floor")


def axis_points(group: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The runs behind each axis of one (language, arch), each with ``x``, ``at_floor`` and
    ``used`` (False: shown but left out of the fit):

    - ``N``: the converged envelope, the best loss over all budgets at each size; a size whose
      best run did not converge is shown but left out of the fit;
    - ``D``: the largest model at each data value (dataset size, or tokens seen);
    - ``C``: the compute frontier (lower loss than every cheaper run).

    A run at the floor (:func:`at_floor`) is left out of every fit.
    """
    converged = group["converged"].fillna(True).astype(bool) if "converged" in group \
        else pd.Series(True, index=group.index)
    floor = at_floor(group)
    best = group.loc[group.groupby("non_embedding_params")["loss"].idxmin()]
    biggest = group[group["non_embedding_params"] == group["non_embedding_params"].max()]
    front = group.iloc[compute_frontier(group["flops"].to_numpy(float),
                                        group["loss"].to_numpy(float))]
    return {"N": best.assign(x=best["non_embedding_params"], at_floor=floor.loc[best.index],
                             used=converged.loc[best.index] & ~floor.loc[best.index]),
            "D": biggest.assign(x=data_axis(biggest), at_floor=floor.loc[biggest.index],
                                used=~floor.loc[biggest.index]),
            "C": front.assign(x=front["flops"], at_floor=floor.loc[front.index],
                              used=~floor.loc[front.index])}


def _laws(language: str, arch: str, group: pd.DataFrame) -> dict[str, Any]:
    row: dict[str, Any] = {"language": language, "arch": arch, "runs": len(group)}
    for measure in COMPLEXITY_MEASURES:  # a grammar has none of a DFA's measures: NaN
        row[measure] = group[measure].iloc[0] if measure in group else math.nan
    floor = float(group["optimal_loss"].mean())
    row["floor"] = floor
    for axis, points in axis_points(group).items():
        used = points[points["used"]]
        floor_count = int(points["at_floor"].sum())
        unconverged = len(points) - len(used) - floor_count
        row[f"at_floor_{axis}"] = floor_count
        row[f"left_out_{axis}"] = ", ".join(
            [f"{unconverged} not converged"] * (unconverged > 0)
            + [f"{floor_count} at the floor"] * (floor_count > 0))
        _fit_axis(row, axis, used["x"].to_numpy(float), used["loss"].to_numpy(float), floor,
                  used["flops"].to_numpy(float), free=axis == "N")
    budget = data_axis(group)
    n_sizes = group["non_embedding_params"].nunique()
    if n_sizes >= 2 and budget.nunique() >= 2 and len(group) >= 6:
        n, d = group["non_embedding_params"].to_numpy(float), budget.to_numpy(float)
        loss = group["loss"].to_numpy(float)
        row.update(_chinchilla(n, d, loss))
        if (loss > floor).all():
            row.update({f"kaplan_{k}": v for k, v in fit_kaplan(n, d, loss - floor).as_dict()
                        .items()})
    else:
        row["chinchilla_verdict"] = (f"failed: needs 2 sizes, 2 budgets and 6 runs "
                                     f"({n_sizes} sizes, {budget.nunique()} budgets)")
    return row


def _fit_axis(row: dict[str, Any], axis: str, x: np.ndarray, loss: np.ndarray,
              floor: float, flops: np.ndarray, *, free: bool) -> None:
    """Known-floor power law of the excess loss against one axis, with its 95% interval,
    verdict and hold-out prediction; the free-floor fit where ``free``."""
    name = f"alpha_{axis}"
    try:
        excess = fit_excess_power_law(x, loss, floor)
    except ValueError as exc:
        row.update(judge(x=x, exponent=math.nan, low=math.nan, high=math.nan,
                         failed=str(exc)).as_dict(f"{name}_"))
        return
    row[name], row[f"log_x0_{axis}"] = excess.alpha, excess.log_x0
    low, high = _alpha_interval(x, loss, floor)
    above = loss > floor
    scatter = residual_rms(np.log(loss[above] - floor), np.log(excess.predict(x[above]) - floor))
    row.update(judge(x=x[above], exponent=excess.alpha, low=low, high=high,
                     residual_rms=scatter).as_dict(f"{name}_"))
    row.update(_holdout(axis, x, loss, floor, flops))
    if free:
        _free_fit(row, axis, x, loss, floor)


def _free_fit(row: dict[str, Any], axis: str, x: np.ndarray, loss: np.ndarray,
              floor: float) -> None:
    """``E + (x0/x)^alpha`` with E free: how far does a practitioner's fit land from the floor?"""
    name = f"alpha_{axis}_free"
    try:
        fit = fit_power_law(x, loss)
    except ValueError as exc:
        row.update(judge(x=x, exponent=math.nan, low=math.nan, high=math.nan,
                         failed=str(exc)).as_dict(f"{name}_"))
        return
    low, high = math.nan, math.nan
    if decades(x) >= MIN_DECADES:  # else no verdict can be ok: skip the cost
        refits = bootstrap(lambda w: fit_power_law(x, loss, weights=w, start=fit).alpha,
                           len(x), resamples=FREE_RESAMPLES, seed=0)
        low, high = percentile_interval(np.array(refits))
    at_bound = ["E"] if fit.E < FREE_FLOOR_AT_ZERO * float(np.min(loss)) else []
    row[name], row[f"E_{axis}_free"] = fit.alpha, fit.E
    row[f"E_{axis}_free_minus_floor"] = fit.E - floor
    row.update(judge(x=x, exponent=fit.alpha, low=low, high=high,
                     residual_rms=residual_rms(np.log(loss), np.log(fit.predict(x))),
                     at_bound=at_bound, parameters=3).as_dict(f"{name}_"))


def _holdout(axis: str, x: np.ndarray, loss: np.ndarray, floor: float,
             flops: np.ndarray) -> dict[str, float]:
    """Fit without the largest-compute point and predict its excess loss (Gadre et al. 2024):
    ``holdout_<axis>_error`` = predicted - observed excess (nats/token), with a 95% bootstrap
    interval over refits of the remaining points."""
    last = int(np.argmax(flops))
    rest = np.arange(len(x)) != last
    observed = float(loss[last] - floor)
    out = {f"holdout_{axis}_observed": observed}
    try:
        fit = fit_excess_power_law(x[rest], loss[rest], floor)
    except ValueError:
        return out

    def predict(weights: np.ndarray) -> float:
        try:
            refit = fit_excess_power_law(x[rest], loss[rest], floor, weights=weights)
        except ValueError:
            return math.nan
        return float(refit.predict(np.array([x[last]]))[0] - floor)

    predicted = float(fit.predict(np.array([x[last]]))[0] - floor)
    draws = np.array(bootstrap(predict, int(rest.sum()), resamples=BOOTSTRAP_RESAMPLES, seed=1))
    draws = draws[np.isfinite(draws)]
    low, high = percentile_interval(draws - observed) if len(draws) else (math.nan, math.nan)
    out.update({f"holdout_{axis}_error": predicted - observed,
                f"holdout_{axis}_error_low": low, f"holdout_{axis}_error_high": high})
    return out


def _chinchilla(n: np.ndarray, d: np.ndarray, loss: np.ndarray) -> dict[str, Any]:
    """Chinchilla's L(N, D) with bootstrap intervals on alpha and beta and a verdict (both
    exponents must pass; a parameter at its box bound fails it)."""
    fit = fit_chinchilla(n, d, loss)
    refits = []
    if min(decades(n), decades(d)) >= MIN_DECADES:  # else no verdict can be ok: skip the cost
        refits = bootstrap(lambda w: fit_chinchilla(n, d, loss, weights=w, start=fit,
                                                    n_starts=0),
                           len(n), resamples=CHINCHILLA_RESAMPLES, seed=0)
    out: dict[str, Any] = {f"chinchilla_{k}": v for k, v in fit.as_dict().items()}
    theta = {"A": math.log(fit.A), "B": math.log(fit.B), "E": math.log(fit.E),
             "alpha": fit.alpha, "beta": fit.beta}
    at_bound = [name for (name, value), (lo, hi) in zip(theta.items(), CHINCHILLA_BOUNDS,
                                                        strict=True)
                if min(value - lo, hi - value) < 1e-6 * max(1.0, abs(value))]
    pred = fit.predict(n, d)
    verdicts = []
    for name, x in (("alpha", n), ("beta", d)):
        low, high = percentile_interval(np.array([getattr(r, name) for r in refits])) \
            if refits else (math.nan, math.nan)
        quality = judge(x=x, exponent=getattr(fit, name), low=low, high=high,
                        residual_rms=residual_rms(np.log(loss), np.log(pred)),
                        at_bound=at_bound, parameters=5)
        out[f"chinchilla_{name}_low"], out[f"chinchilla_{name}_high"] = low, high
        verdicts.append(quality.verdict)
    out["chinchilla_verdict"] = _joint_verdict(verdicts, skipped=not refits)
    return out


def _joint_verdict(verdicts: list[str], *, skipped: bool) -> str:
    """``ok`` when both exponents are; else each failing exponent's reasons under its name,
    e.g. ``poorly determined: alpha: no interval; beta: 1 decades of x; no interval``, with a
    note when the bootstrap was skipped because N or D spans too few decades."""
    bad = [(name, verdict) for name, verdict in zip(("alpha", "beta"), verdicts, strict=True)
           if verdict != OK]
    if not bad:
        return OK
    status = "failed" if any(v.startswith("failed") for _, v in bad) else "poorly determined"
    reasons = "; ".join(f"{name}: {verdict.split(': ', 1)[-1]}" for name, verdict in bad)
    note = f" (no bootstrap: N or D spans under {MIN_DECADES} decades)" if skipped else ""
    return f"{status}: {reasons}{note}"


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
    t-interval on the slope and its p-value (needs 3 languages).

    Only laws whose verdict is ``ok`` enter (a prefactor ``log_x0_X`` goes with the verdict of
    ``alpha_X``); ``languages`` says how many did, ``left_out`` how many were fitted but not ok.
    """
    rows = []
    for arch, by_arch in laws.groupby("arch", sort=True):
        for target in targets:
            if target not in by_arch:
                continue
            verdict = f"alpha_{target.rsplit('_', 1)[-1]}_verdict"
            usable = by_arch[by_arch[verdict] == OK] if verdict in by_arch else by_arch
            left_out = int(by_arch[target].notna().sum() - usable[target].notna().sum())
            for measure in COMPLEXITY_MEASURES:
                row = _regress(usable, target, measure)
                if row is not None:
                    rows.append({"arch": arch, **row, "left_out": left_out})
    return pd.DataFrame(rows)


def _regress(laws: pd.DataFrame, target: str, measure: str) -> dict[str, Any] | None:
    data = laws[[measure, target]].dropna()
    if len(data) < 3 or data[measure].nunique() < 2:
        return None
    fit = stats.linregress(data[measure].to_numpy(float), data[target].to_numpy(float))
    half = stats.t.ppf(0.975, len(data) - 2) * fit.stderr if len(data) > 2 else math.nan
    return {"target": target, "measure": measure.removeprefix("complexity_"),
            "languages": len(data), "slope": fit.slope, "slope_low": fit.slope - half,
            "slope_high": fit.slope + half, "intercept": fit.intercept, "r2": fit.rvalue**2,
            "p_value": fit.pvalue}
