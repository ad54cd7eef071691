"""The sweep report: the figures, and one Markdown file with the fit tables and links to them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from regscale.analysis.sweep import SweepAnalysis
from regscale.fits.convergence import CONVERGED_FRACTION, NOISE_MULTIPLE
from regscale.fits.verdict import MAX_RESIDUAL_RMS, MIN_DECADES, MIN_FALL, MIN_POINTS, OK
from regscale.report.joint_report import at_floor_line, joint_section, learnability_section
from regscale.report.sweep_plots import sweep_figures
from regscale.report.tables import markdown_table
from regscale.store import StudyFolder

LAW_COLUMNS = ("language", "arch", "complexity_states", "complexity_entropy_rate_bits",
               "floor", "runs")
"""Identify a law: every table of the report starts with these."""

AXIS_COLUMNS = ("alpha_{a}", "alpha_{a}_low", "alpha_{a}_high", "alpha_{a}_points",
                "alpha_{a}_decades", "alpha_{a}_residual_rms", "left_out_{a}", "alpha_{a}_verdict")
"""One axis's law: exponent, 95% interval, points, decades, scatter, exclusions, verdict."""

AXES = {"N": "L(N): excess loss against non-embedding parameters, best run over budgets at each "
             "size (the converged envelope; sizes whose best run did not converge are left out)",
        "C": "L(C): excess loss on the compute frontier",
        "D": "L(D): excess loss against data at the largest model"}


def verdict_summary(laws: pd.DataFrame) -> str:
    """One line: how many laws are ok, per axis (the last line a sweep prints)."""
    if laws.empty:
        return "no law could be fitted: no finished runs"
    counts = {a: int((laws.get(f"alpha_{a}_verdict", pd.Series(dtype=str)) == OK).sum())
              for a in AXES}
    total = len(laws)
    if not any(counts.values()):
        return (f"no law is well determined: all {3 * total} fits of {total} "
                "(language, architecture) pairs are poorly determined or failed; see the "
                "verdicts for what is missing (sizes, decades, convergence)")
    return "laws with verdict ok: " + ", ".join(f"{n} of {total} in {a}"
                                                for a, n in counts.items())


def report_text(study: StudyFolder, analysis: SweepAnalysis, figures: list[Path]) -> str:
    """The Markdown of ``report.md``."""
    results, laws, regression = analysis.results, analysis.laws, analysis.regression
    statuses = results["status"].value_counts().to_dict()
    parts: list[str] = [
        f"# Scaling-law report: {study.root.name}",
        "",
        f"{len(results)} runs ({', '.join(f'{n} {s}' for s, n in statuses.items())}) over "
        f"{results['language'].nunique()} language(s), {results['arch'].nunique()} "
        f"architecture(s), N from {int(results['non_embedding_params'].min()):,} to "
        f"{int(results['non_embedding_params'].max()):,} non-embedding parameters.",
        "",
        "Losses are nats/token on a fixed held-out stream; `floor` is the exact Bayes-optimal "
        "loss of the same windows, so each law fits the excess loss `(x0/x)^alpha` with no "
        "free floor. Every fit carries a verdict: `ok` needs at least "
        f"{MIN_POINTS} points over at least {MIN_DECADES} decades of x, a positive alpha whose "
        f"95% bootstrap interval excludes 0, a curve that falls by at least {MIN_FALL:.0%} over "
        f"that range, log-residual scatter at most {MAX_RESIDUAL_RMS} and no parameter at a "
        "bound; anything else is `poorly determined` (with the reasons) "
        "or `failed`. Only `ok` laws are drawn as laws and enter the complexity map. A run "
        f"converged when its best evaluation improved by less than {CONVERGED_FRACTION:.0%} of "
        "its remaining excess over its last third of tokens, or by no more than "
        f"{NOISE_MULTIPLE:g} standard errors of its evaluation (`excess_se` in the results: "
        "the spread of the held-out rows' mean excess); `late_drop` marks a run whose excess "
        "halved between two evaluations in its second half. `acceptance` is the best model's, "
        "from free-running samples, with its binomial standard error `acceptance_se`.",
        "",
        *_grammar_note(results),
        f"**{verdict_summary(laws)}.**",
        "",
        f"Convergence: {_converged_line(results)}",
        "",
        at_floor_line(analysis.points),
        "",
        *joint_section(analysis),
        *learnability_section(analysis),
        *length_section(analysis),
    ]
    for axis, title in AXES.items():
        columns = (*LAW_COLUMNS, *(c.format(a=axis) for c in AXIS_COLUMNS))
        parts += [f"## {title}", "", markdown_table(laws, columns) if len(laws) else
                  "_No finished runs to fit._", ""]
    parts += [
        "## Prediction of the largest-compute run",
        "",
        "Each law refitted without its largest-compute point, predicting that point's excess "
        "loss (Gadre et al. 2024; Li et al. 2025): error = predicted - observed (nats/token), "
        "with a 95% bootstrap interval.",
        "",
        markdown_table(laws, ("language", "arch", "holdout_N_observed", "holdout_N_error",
                              "holdout_N_error_low", "holdout_N_error_high",
                              "holdout_C_observed", "holdout_C_error", "holdout_C_error_low",
                              "holdout_C_error_high")) if len(laws) else "",
        "",
        "## A free floor against the true one",
        "",
        "`E + (N0/N)^alpha` fitted with E free, as one would without the exact floor: "
        "`E_N_free_minus_floor` is how far the fitted floor lands from the truth.",
        "",
        markdown_table(laws, ("language", "arch", "floor", "E_N_free", "E_N_free_minus_floor",
                              "alpha_N_free", "alpha_N_free_low", "alpha_N_free_high",
                              "alpha_N", "alpha_N_free_verdict")) if len(laws) else "",
        "",
        "## Chinchilla L(N, D)",
        "",
        markdown_table(laws, ("language", "arch", "chinchilla_E", "chinchilla_alpha",
                              "chinchilla_alpha_low", "chinchilla_alpha_high",
                              "chinchilla_beta", "chinchilla_beta_low", "chinchilla_beta_high",
                              "chinchilla_verdict")) if len(laws) else "",
        "",
        "## Learning rate per size",
        "",
        "Each (language, arch, size) was trained at each peak learning rate for the tuning "
        "budget; the grid used the rate with the lowest best evaluation loss (`chosen`). "
        "Where only some languages tuned (`tuning_languages`), each (arch, size) took the rate "
        "of lowest mean log excess over them, for every language.",
        "",
        _edge_note(analysis.tuning),
        "",
        markdown_table(analysis.tuning) if len(analysis.tuning) else
        "_Not tuned: every run used the sweep's learning rate._",
        "",
        "## Per-language exponents against complexity",
        "",
        "Least-squares slope with a 95% t-interval, over the `ok` laws only (`languages`: how "
        "many entered, `left_out`: fitted but not ok), one measure at a time and every "
        "language as independent: a screen, not a finding (the joint model above is the "
        "analysis that resamples automata and leaves each out).",
        "",
        markdown_table(regression) if len(regression) else "_Too few languages to regress._",
        "",
        "## Figures",
        "",
    ]
    parts += [f"![{p.stem}]({p.relative_to(study.root).as_posix()})" for p in figures]
    return "\n".join(parts) + "\n"


LENGTH_COLUMNS = ("language", "arch", "size", "trained_max_length", "bin_low", "bin_high",
                  "strings", "excess_nats", "excess_se_nats", "valid_mass", "samples",
                  "acceptance", "acceptance_se")


def length_section(analysis: SweepAnalysis) -> list[str]:
    """Length generalisation, where the sweep trained on short strings."""
    if not len(analysis.lengths):
        return []
    return ["## Length generalisation", "",
            "Runs trained on strings of at most `trained_max_length` symbols, their best model "
            "scored by length bin on strings of the unconditioned source, each in its own row: "
            "`excess_nats` over the source's exact floor (mean over strings, with its standard "
            "error), `valid_mass`, and the acceptance of free-running samples whose length falls "
            "in the bin (`samples` of them). In the first bin a model can beat the floor: it "
            "learned that strings end by the limit, which the source does not know.", "",
            markdown_table(analysis.lengths, LENGTH_COLUMNS), ""]


def _grammar_note(results: pd.DataFrame) -> list[str]:
    """How a context-free language is scored, where the sweep has one."""
    if "complexity_nonterminals" not in results or results["complexity_nonterminals"].isna().all():
        return []
    return ["Context-free languages (grammars): every evaluation row starts at a string "
            "boundary (SEP), so the whole prefix of every scored token's string is in view and "
            "its floor is exact (prefix probabilities); no token is left unscored. Their "
            "`entropy_rate` is exact where the grammar is declared unambiguous "
            "(`complexity_entropy_exact`), else an estimate with its standard error.", ""]


def _converged_line(results: pd.DataFrame) -> str:
    if "converged" not in results or results["converged"].isna().all():
        return "not recorded for these runs."
    converged = results["converged"].fillna(False).astype(bool)
    drops = results.get("late_drop", pd.Series(False, index=results.index)).fillna(False)
    return (f"{int(converged.sum())} of {len(results)} runs converged; "
            f"{int(drops.astype(bool).sum())} had a late sudden drop.")


def write_sweep_report(root: Path, analysis: SweepAnalysis) -> dict[str, Path]:
    """Draw the figures and write ``report.md``; returns every file by name."""
    study = StudyFolder(root)
    figures = sweep_figures(analysis, study) if len(analysis.laws) else []
    report = study.write_report(report_text(study, analysis, figures))
    return {**{p.stem: p for p in figures}, "report": report}


def _edge_note(tuning: pd.DataFrame) -> str:
    """How many choices lie at the edge of their grid, where the best rate may lie beyond it."""
    if tuning.empty or "edge" not in tuning:
        return ""
    chosen = tuning[tuning["chosen"]]
    if "shared" in tuning and tuning["shared"].any():  # one choice per (arch, size)
        chosen = chosen.drop_duplicates(["arch", "size"])
    parts = []
    for arch, group in chosen.groupby("arch", sort=True):
        low, high = (int((group["edge"] == side).sum()) for side in ("lowest", "highest"))
        parts.append(f"{arch}: {low} at the lowest rate, {high} at the highest, of {len(group)}")
    edges = int((chosen["edge"] != "").sum())
    verdict = ("**the best rate may lie outside the grid for these: widen it there.**"
               if edges else "every choice is inside its grid.")
    return f"Choices at an edge of the grid ({'; '.join(parts)}): {verdict}"
