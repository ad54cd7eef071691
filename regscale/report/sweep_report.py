"""The sweep report: the figures, and one Markdown file with the fit tables and links to them."""

from __future__ import annotations

from pathlib import Path

from regscale.analysis.sweep import SweepAnalysis
from regscale.report.sweep_plots import sweep_figures
from regscale.report.tables import markdown_table
from regscale.store import StudyFolder

LAW_COLUMNS = ("language", "arch", "complexity_states", "complexity_entropy_rate_bits",
               "floor", "alpha_N", "alpha_N_low", "alpha_N_high", "log_x0_N", "alpha_N_free",
               "E_N_free_minus_floor",
               "alpha_D", "alpha_C", "chinchilla_alpha", "chinchilla_beta")


def report_text(study: StudyFolder, analysis: SweepAnalysis, figures: list[Path]) -> str:
    """The Markdown of ``report.md``."""
    results, laws, regression = analysis.results, analysis.laws, analysis.regression
    statuses = results["status"].value_counts().to_dict()
    parts = [
        f"# Scaling-law report: {study.root.name}",
        "",
        f"{len(results)} runs ({', '.join(f'{n} {s}' for s, n in statuses.items())}) over "
        f"{results['language'].nunique()} languages, {results['arch'].nunique()} "
        f"architecture(s), N from {int(results['non_embedding_params'].min()):,} to "
        f"{int(results['non_embedding_params'].max()):,} non-embedding parameters.",
        "",
        "Losses are nats/token on a fixed held-out stream. `floor` is the exact Bayes-optimal "
        "loss of the same windows; `alpha_N` and `log_x0_N` fit the excess loss "
        "`(N0/N)^alpha` with that floor (`alpha_N_low`..`alpha_N_high`: 95% bootstrap "
        "interval); `alpha_N_free` fits `E + (N0/N)^alpha` with E free "
        "and `E_N_free_minus_floor` says how far the free E lands from the truth.",
        "",
        "## Laws per language",
        "",
        markdown_table(laws, LAW_COLUMNS) if len(laws) else "_No finished runs to fit._",
        "",
        "## Exponents and prefactors against complexity",
        "",
        "Least-squares slope with a 95% t-interval: an interval excluding 0 means the quantity "
        "changes with that complexity measure.",
        "",
        markdown_table(regression) if len(regression) else "_Too few languages to regress._",
        "",
        "## Figures",
        "",
    ]
    parts += [f"![{p.stem}]({p.relative_to(study.root).as_posix()})" for p in figures]
    return "\n".join(parts) + "\n"


def write_sweep_report(root: Path, analysis: SweepAnalysis) -> dict[str, Path]:
    """Draw the figures and write ``report.md``; returns every file by name."""
    study = StudyFolder(root)
    figures = sweep_figures(analysis, study) if len(analysis.laws) else []
    report = study.write_report(report_text(study, analysis, figures))
    return {**{p.stem: p for p in figures}, "report": report}
