"""Learnability: how many tokens each (architecture, size, language) needs to learn its language,
censored where no budget sufficed.

A language counts as learned once a run's evaluated excess loss falls below the threshold
``LEARNED_FRACTION x`` the excess a unigram model would have (the loss of the token frequencies,
``unigram entropy - floor``, exact for a regular language): "learned" means 90% of what context
can teach is taught. The tokens to learn are the fewest tokens seen at which any run of the
triple (any budget; a run's whole learning curve) was first below the threshold; where none ever
was, the largest number of tokens seen is a lower bound (censored), not a value.

Across the design:

- per cell (states x transitions per state) the Kaplan-Meier median over its languages
  (:mod:`regscale.fits.survival`), and how many of them learned;
- a censored regression (Tobit, :mod:`regscale.fits.censored`) of log2 tokens on log2 N (centred;
  where sizes vary) and the centred complexity regressors per architecture, with
  cluster-bootstrap intervals over automata and leave-one-automaton-out signs (resolved only
  where both hold).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from regscale.analysis.complexity_joint import REGRESSORS, varying, with_cells
from regscale.experiments.design import automaton_of
from regscale.fits.bootstrap import percentile_interval
from regscale.fits.censored import fit_censored
from regscale.fits.joint_model import finding
from regscale.fits.survival import kaplan_meier_median

LEARNED_FRACTION = 0.1
"""Learned = excess below this fraction of the unigram model's excess."""

RESAMPLES = 200
"""Cluster-bootstrap resamples of the censored regression."""

LN2 = math.log(2.0)


@dataclass(frozen=True)
class Learnability:
    """Tables of the learnability analysis (module docstring)."""

    times: pd.DataFrame  # one row per (arch, size, language)
    cells: pd.DataFrame  # one row per (arch, size, states, transitions_per_state)
    regression: pd.DataFrame  # one row per (arch, term)


def learning_times(results: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Tokens to learn per (arch, size, language), with ``censored`` and the threshold."""
    regular = results[results["complexity_unigram_entropy_bits"].notna()] \
        if "complexity_unigram_entropy_bits" in results else results.iloc[:0]
    rows = []
    for (arch, size, language), runs in regular.groupby(["arch", "size", "language"]):
        first = runs.iloc[0]
        floor = float(runs["optimal_loss"].mean())
        unigram = float(first["complexity_unigram_entropy_bits"]) * LN2 - floor
        threshold = LEARNED_FRACTION * unigram
        mine = curves[curves["run_id"].isin(runs["run_id"])]
        below = mine[mine["excess_loss"] < threshold]
        seen = float(max(mine["tokens"].max() if len(mine) else 0, runs["tokens"].max()))
        rows.append({"arch": arch, "size": size, "language": language,
                     "automaton": automaton_of(str(language)),
                     "non_embedding_params": int(first["non_embedding_params"]),
                     "threshold": threshold, "unigram_excess": unigram,
                     "tokens": float(below["tokens"].min()) if len(below) else seen,
                     "censored": below.empty,
                     **{c: first[c] for c in results if c.startswith("complexity_")}})
    return with_cells(pd.DataFrame(rows))


def cell_medians(times: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier median tokens per (arch, size, states, transitions per state)."""
    rows = []
    keys = ["arch", "size", "states", "transitions_per_state"]
    for key, cell in times.groupby(keys, sort=True):
        median, bound = kaplan_meier_median(cell["tokens"].to_numpy(float),
                                            cell["censored"].to_numpy(bool))
        rows.append({**dict(zip(keys, key, strict=True)), "languages": len(cell),
                     "learned": int((~cell["censored"]).sum()), "median_tokens": median,
                     "median_is_lower_bound": bound,
                     "transitions": float(cell["complexity_transitions"].median())})
    return pd.DataFrame(rows)


def censored_regression(times: pd.DataFrame, *, resamples: int = RESAMPLES,
                        seed: int = 0) -> pd.DataFrame:
    """Per architecture: log2 tokens ~ log2 N + centred regressors, censored (Tobit), with
    cluster-bootstrap intervals over automata and leave-one-automaton-out signs."""
    rows = []
    for arch, group in times.groupby("arch", sort=True):
        regressors = varying(group, REGRESSORS)
        sizes = group["non_embedding_params"].nunique() > 1
        terms = ["intercept", *(["log2_params"] * sizes), *regressors]
        z = group[regressors] - group.groupby("language")[regressors].first().mean()
        log_n = np.log2(group["non_embedding_params"].to_numpy(float))
        design = np.column_stack([np.ones(len(group)), *([log_n - log_n.mean()] * sizes),
                                  z.to_numpy(float)])
        y = np.log2(group["tokens"].to_numpy(float))
        censored = group["censored"].to_numpy(bool)
        try:
            fit = fit_censored(design, y, censored)
        except ValueError as exc:
            rows.append({"arch": arch, "term": "all", "status": f"failed: {exc}"})
            continue
        clusters = group["automaton"].to_numpy()
        labels, index = np.unique(clusters, return_inverse=True)
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(resamples):
            counts = np.bincount(rng.integers(0, len(labels), len(labels)),
                                 minlength=len(labels))
            try:
                draws.append(fit_censored(design, y, censored, counts[index]).theta)
            except ValueError:
                continue
        loo = []
        for c in range(len(labels)):
            try:
                loo.append(fit_censored(design, y, censored, (index != c).astype(float)).theta)
            except ValueError:
                continue
        draw_array, loo_array = np.array(draws), np.array(loo)
        for j, term in enumerate(terms):
            low, high = percentile_interval(draw_array[:, j]) if len(draws) > 10 \
                else (math.nan, math.nan)
            refits = loo_array[:, j] if len(loo) else np.empty(0)
            rows.append({"arch": arch, **finding(term, float(fit.theta[j]), low, high, refits),
                         "sigma": fit.sigma, "sigma_at_bound": fit.sigma_at_bound,
                         "points": len(group), "censored": int(censored.sum()),
                         "automata": len(labels)})
    return pd.DataFrame(rows)


def analyse_learnability(results: pd.DataFrame, curves: pd.DataFrame) -> Learnability:
    """Times, cell medians and the censored regression (module docstring)."""
    times = learning_times(results, curves)
    if times.empty:
        return Learnability(times, pd.DataFrame(), pd.DataFrame())
    return Learnability(times=times, cells=cell_medians(times),
                        regression=censored_regression(times))
