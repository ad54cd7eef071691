"""The transfer report: the figures, and one Markdown file with effective-data tables, fits and
links to the figures."""

from __future__ import annotations

from pathlib import Path

from regscale.analysis.transfer import TransferAnalysis
from regscale.report.tables import markdown_table
from regscale.report.transfer_plots import transfer_figures
from regscale.store import StudyFolder

FIT_COLUMNS = ("target", "k", "k_low", "k_high", "alpha", "alpha_low", "alpha_high", "beta",
               "beta_low", "beta_high", "n_points", "n_censored", "n_left_out", "n_sizes",
               "median_fraction_from_finetuning", "alpha_verdict", "beta_verdict", "note")
EFFECTIVE_COLUMNS = ("target", "N", "D_F", "seed", "loss_scratch", "loss_finetuned", "D_E",
                     "D_E_kind", "D_T", "fraction_from_finetuning", "D_E_extrapolated",
                     "D_E_extrapolated_low", "D_E_extrapolated_high",
                     "extrapolation_identified")
MEDIAN_COLUMNS = ("target", "runs", "median_ratio", "median_ratio_low", "median_ratio_high",
                  "km_median_ratio", "km_kind", "naive_median_ratio", "lower_bounds",
                  "upper_bounds", "censored_share", "at_cap", "still_improving")
COMPARISON_COLUMNS = ("measure", "target_a", "target_b", "difference", "low", "high", "loo_low",
                      "loo_high", "verdict", "more")
TREND_COLUMNS = ("target", "slope_N", "slope_N_low", "slope_N_high", "slope_N_verdict",
                 "slope_D_F", "slope_D_F_low", "slope_D_F_high", "slope_D_F_verdict")


def report_text(study: StudyFolder, analysis: TransferAnalysis, figures: list[Path]) -> str:
    """The Markdown of ``report.md``."""
    results, summary = analysis.results, analysis.summary
    statuses = results["status"].value_counts().to_dict()
    improvement = analysis.improvement
    parts = [
        f"# Transfer report: {study.root.name}",
        "",
        f"Source {analysis.source}; {len(results)} finished runs "
        f"({', '.join(f'{n} {s}' for s, n in statuses.items())}); N from "
        f"{int(results.N.min()):,} to {int(results.N.max()):,} non-embedding parameters.",
        "",
        "Losses are nats/token on the target's held-out text (natural languages: held-out "
        "New Testament chapters; pre-training used the source's Old Testament). A fine-tuned "
        "run's effective data `D_E` is read off its size's from-scratch runs: their mean loss "
        "per scratch budget, made non-increasing and interpolated linearly in log D. No fitted "
        "law enters. `D_T = D_E - D_F` is the data transferred (Hernandez et al. 2021). A run "
        "better than the largest scratch run is a `lower bound` (`D_E >= D_max`), one worse "
        "than the smallest an `upper bound`. Summaries count bounds as bounds, never as "
        "values. Beyond the scratch range a free-floor law extrapolates `D_E`: it is fitted "
        "from 32 starts, and the spread over its equally good optima is shown. It is flagged "
        "and never summarised. Intervals resample seeds within each (N, D) cell and recompute "
        "every curve and `D_E`. A comparison is `resolved` when its 95% interval excludes 0 "
        "and it keeps its sign leaving out each seed and each model size.",
        "",
        f"Fine-tuned runs: {_counts(analysis)}.",
        "",
        "## How much each fine-tuning token is worth",
        "",
        "`median_ratio`: the censored-normal (Tobit) median of `D_E / D_F`, with its 95% "
        "interval. Beside it: the Kaplan-Meier median (where bounds go one way only) and "
        "the naive median that takes bounds as values (biased). `at_cap`: runs stopped by "
        "their token cap, not by early stopping; `still_improving`: those of them whose best "
        "loss still fell by more than the convergence criterion allows over their last third.",
        "",
        markdown_table(summary.medians, MEDIAN_COLUMNS) if len(summary.medians)
        else "_No fine-tuned run could be placed on a scratch curve._",
        "",
        "## Which target is helped most",
        "",
        "Targets compared at matched (N, D_F). The measures are `log D_E/D_F` (censored "
        "regression on target and cell) and `bits/char gained` (scratch minus fine-tuned "
        "bits per character at the same D, so scripts with different bytes per character "
        "compare). A target's `effect` is its fitted value averaged over the (N, D_F) cells: "
        "above 0, transfer helps on average over the design.",
        "",
        markdown_table(summary.ranking) if len(summary.ranking) else "_No ranking._",
        "",
        markdown_table(summary.comparisons, COMPARISON_COLUMNS) if len(summary.comparisons)
        else "_One target: nothing to compare._",
        "",
        "## Does D_F / D_E fall with N and rise with D_F?",
        "",
        "Slopes of `log(D_F / D_E)` in `log N` and `log D_F` (censored regression per target). "
        "The seed post reports a negative slope in N and a positive one in D_F.",
        "",
        markdown_table(summary.trends, TREND_COLUMNS) if len(summary.trends) else "_None._",
        "",
        "## Fits of D_T = k D_F^alpha N^beta",
        "",
        markdown_table(analysis.fits, FIT_COLUMNS) if len(analysis.fits) else "_No fits._",
        "",
        "## Effective data per fine-tuned run",
        "",
        markdown_table(analysis.effective, EFFECTIVE_COLUMNS) if len(analysis.effective)
        else "_None._",
        "",
        "## Loss improvement of fine-tuning over scratch (bits/token)",
        "",
        markdown_table(improvement) if len(improvement) else "_None._",
        "",
        "## Compute to reach the from-scratch loss (largest D_F)",
        "",
        markdown_table(analysis.compute) if len(analysis.compute) else "_None._",
        "",
    ]
    if len(analysis.similarity):
        parts += ["## Similarity of regular pairs", "",
                  "Exact cross-entropy of the target's stream under the source's own "
                  "probabilities (bits/token; inf: the target emits what the source cannot).",
                  "", markdown_table(analysis.similarity), ""]
    parts += ["## Figures", ""]
    parts += [f"![{p.stem}]({p.relative_to(study.root).as_posix()})" for p in figures]
    return "\n".join(parts) + "\n"


def _counts(analysis: TransferAnalysis) -> str:
    """Fine-tuned runs placed on a curve, censored, and still improving at their cap."""
    medians = analysis.summary.medians
    if medians.empty:
        return "none placed on a scratch curve"
    runs = int(medians["runs"].sum())
    bounds = int(medians["lower_bounds"].sum() + medians["upper_bounds"].sum())
    improving = int(medians["still_improving"].sum())
    capped = int(medians["at_cap"].sum())
    return (f"{runs} on a scratch curve, {bounds} censored ({bounds / runs:.0%}: "
            f"{int(medians['lower_bounds'].sum())} lower and "
            f"{int(medians['upper_bounds'].sum())} upper bounds), {capped} stopped by their "
            f"token cap ({capped / runs:.0%}), {improving} of them still improving "
            f"({improving / runs:.0%})")


def write_transfer_report(root: Path, analysis: TransferAnalysis) -> dict[str, Path]:
    """Draw the figures and write ``report.md``; returns every file by name."""
    study = StudyFolder(root)
    figures = transfer_figures(analysis, study)
    report = study.write_report(report_text(study, analysis, figures))
    return {**{p.stem: p for p in figures}, "report": report}
