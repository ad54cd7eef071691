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
EFFECTIVE_COLUMNS = ("target", "N", "D_F", "loss_scratch", "loss_finetuned", "D_E", "D_T",
                     "fraction_from_finetuning", "censored")


def report_text(study: StudyFolder, analysis: TransferAnalysis, figures: list[Path]) -> str:
    """The Markdown of ``report.md``."""
    results = analysis.results
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
        "New Testament chapters; pre-training used the source's Old Testament). For each N the "
        "from-scratch curve `L(D) = E + (D0/D)^a` gives the effective data `D_E` of a "
        "fine-tuned run; `D_T = D_E - D_F` is the data transferred (Hernandez et al. 2021). "
        "A fine-tuned run better than the scratch curve reaches at its largest D is "
        "`censored`: it shows only that `D_E` is at least that D, and enters the fit of "
        "`D_T = k D_F^alpha N^beta` as a lower bound (maximum likelihood), never as an "
        "extrapolated or infinite value; rows with `D_T <= 0` are counted (`n_left_out`), "
        "not fitted. Each exponent carries a verdict (`ok` needs 3 points over 1.5 decades, "
        "a 95% interval excluding 0, a change of 25% over the range and log scatter at most "
        "0.25).",
        "",
        "## Which target is helped most",
        "",
        "Median `D_T / D_F` (target tokens that pre-training is worth per fine-tuning token):",
        "",
        markdown_table(analysis.ratios) if len(analysis.ratios)
        else "_No fine-tuned run could be placed on a scratch curve._",
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


def write_transfer_report(root: Path, analysis: TransferAnalysis) -> dict[str, Path]:
    """Draw the figures and write ``report.md``; returns every file by name."""
    study = StudyFolder(root)
    figures = transfer_figures(analysis, study)
    report = study.write_report(report_text(study, analysis, figures))
    return {**{p.stem: p for p in figures}, "report": report}
