"""The report's sections on the joint model and on learnability (Markdown)."""

from __future__ import annotations

import pandas as pd

from regscale.analysis.learnability import LEARNED_FRACTION
from regscale.analysis.sweep import SweepAnalysis
from regscale.fits.joint_model import BOOTSTRAP_RESAMPLES, RESOLVED
from regscale.report.tables import markdown_table

TEST_COLUMNS = ("arch", "axis", "points", "languages", "automata", "F", "p_F", "wald", "p_wald",
                "p_wald_loo_max", "verdict")
COEFFICIENT_COLUMNS = ("arch", "axis", "term", "estimate", "low", "high", "loo_low", "loo_high",
                       "status")
COMPARISON_COLUMNS = ("arch", "axis", "estimate", "low", "high", "loo_low", "loo_high",
                      "status", "reading")


def joint_section(analysis: SweepAnalysis) -> list[str]:
    """The joint model: the nested test, the exponent's coefficients, the comparison."""
    joint = analysis.joint
    parts = ["## The joint model: exponent or prefactor?", ""]
    if joint.tests.empty:
        return [*parts, "_No regular language with a complexity measure that varies._", ""]
    parts += [
        "All languages of an architecture fitted at once on each axis (C: compute frontier, "
        "N: size envelope, D: data at the largest model): `log excess = a_l - alpha_l "
        "(log x - log x0)` with a free offset `a_l` per language (its log excess at `x0`, the "
        "points' geometric mean) and `alpha_l` linear in the centred complexity regressors "
        "(log2 states, log2 transitions per state, entropy rate in bits, log2 mean string "
        "length: a log2 coefficient is per doubling). `alpha` is the exponent of the design's "
        "average language; `alpha:m` how much it moves per unit of m; `log_A` and `log_A:m` "
        "are the line of the offsets `a_l` on the regressors (the prefactor terms). "
        f"Intervals: 95% cluster bootstrap over automata ({BOOTSTRAP_RESAMPLES} resamples); "
        "`loo_low..loo_high`: the "
        "estimate's range over refits leaving one automaton out. A term is `resolved` only "
        "when its interval excludes 0 and its sign holds in every such refit. Runs at the "
        "floor and sizes that did not converge are left out.",
        "",
        "**One exponent for all languages (complexity only in the prefactor) against an "
        "exponent that moves with complexity**: `p_F` treats points as independent; `p_wald` "
        "uses the cluster-bootstrap covariance (automata as replicates) and gives the verdict, "
        "which also needs `p_wald_loo_max` (the largest p over leave-one-automaton-out "
        "refits) below 0.05.",
        "",
        markdown_table(joint.tests, TEST_COLUMNS),
        "",
    ]
    if len(joint.coefficients):
        exponent = joint.coefficients[joint.coefficients["term"].str.startswith("alpha")]
        prefactor = joint.coefficients[~joint.coefficients["term"].str.startswith("alpha")]
        parts += ["### Exponent terms", "", markdown_table(exponent, COEFFICIENT_COLUMNS), "",
                  "### Prefactor terms", "", markdown_table(prefactor, COEFFICIENT_COLUMNS), ""]
        resolved = joint.coefficients[(joint.coefficients["status"] == RESOLVED)
                                      & joint.coefficients["term"].str.contains(":")]
        parts += [f"Resolved complexity terms: {len(resolved)} of "
                  f"{int(joint.coefficients['term'].str.contains(':').sum())}.", ""]
    if len(joint.comparisons):
        parts += ["### States or transitions per state?", "",
                  "Standardised exponent effects `|alpha:m| x sd(m)` (sd over the languages): "
                  "their difference, states minus transitions per state.", "",
                  markdown_table(joint.comparisons, COMPARISON_COLUMNS), ""]
    return parts


def learnability_section(analysis: SweepAnalysis) -> list[str]:
    """Tokens to learn per cell, censored, and their censored regression."""
    learn = analysis.learnability
    parts = ["## Learnability: tokens to learn", ""]
    if learn.times.empty:
        return [*parts, "_No regular language._", ""]
    learned = int((~learn.times["censored"]).sum())
    parts += [
        f"A language is learned once a run's excess falls below {LEARNED_FRACTION:.0%} of the "
        "unigram model's excess (exact: unigram entropy minus the floor); tokens to learn are "
        "the fewest tokens seen at which any run of the (arch, size, language) got there. "
        "Where none did, the budget is a lower bound (`censored`). Cell medians are "
        "Kaplan-Meier medians over the cell's languages (`median_is_lower_bound`: half or more "
        f"never learned). {learned} of {len(learn.times)} (arch, size, language) learned.",
        "",
        markdown_table(learn.cells, ("arch", "size", "states", "transitions_per_state",
                                     "transitions", "languages", "learned", "median_tokens",
                                     "median_is_lower_bound")),
        "",
    ]
    if len(learn.regression):
        parts += ["### Censored regression of log2 tokens to learn", "",
                  "Tobit regression per architecture on log2 N and the centred regressors; 95% "
                  "cluster-bootstrap intervals over automata; `resolved` as above.", "",
                  markdown_table(learn.regression, ("arch", "term", "estimate", "low", "high",
                                                    "sign_holds", "status", "points",
                                                    "censored", "automata")), ""]
    return parts


def at_floor_line(points: pd.DataFrame) -> str:
    """How many points of the laws were at the floor (left out of the fits)."""
    if points.empty or "at_floor" not in points:
        return ""
    count = int(points["at_floor"].astype(bool).sum())
    return (f"{count} of {len(points)} points behind the laws are at the floor (excess within "
            "2 standard errors of 0): drawn as marks on the axis and left out of every fit.")
