"""The transfer report: one Markdown file with effective-data tables, fits and figures."""

from __future__ import annotations

from pathlib import Path

from regscale.experiments.transfer_analysis import (
    TransferAnalysis,
    loss_improvement_bits,
    ratio_summary,
)
from regscale.report.markdown import markdown_table

FIT_COLUMNS = ("target", "k", "k_low", "k_high", "alpha", "alpha_low", "alpha_high", "beta",
               "beta_low", "beta_high", "n_points", "n_sizes", "median_fraction_from_finetuning",
               "note")
EFFECTIVE_COLUMNS = ("target", "N", "D_F", "loss_scratch", "loss_finetuned", "D_E", "D_T",
                     "fraction_from_finetuning", "extrapolated")


def write_transfer_report(folder: Path, source: str, analysis: TransferAnalysis,
                          figures: list[Path]) -> Path:
    """Write ``report.md`` into the study folder; returns its path."""
    results = analysis.results
    statuses = results["status"].value_counts().to_dict()
    improvement = loss_improvement_bits(results)
    parts = [
        f"# Transfer report: {folder.name}",
        "",
        f"Source {source}; {len(results)} finished runs "
        f"({', '.join(f'{n} {s}' for s, n in statuses.items())}); N from "
        f"{int(results.N.min()):,} to {int(results.N.max()):,} non-embedding parameters.",
        "",
        "Losses are nats/token on the target's held-out text (natural languages: held-out "
        "New Testament chapters; pre-training used the source's Old Testament). For each N the "
        "from-scratch curve `L(D) = E + (D0/D)^a` gives the effective data `D_E` of a "
        "fine-tuned run; `D_T = D_E - D_F` is the data transferred (Hernandez et al. 2021). "
        "`D_E` beyond the largest scratch D is an extrapolation.",
        "",
        "## Which target is helped most",
        "",
        "Median `D_T / D_F` (target tokens that pre-training is worth per fine-tuning token):",
        "",
        markdown_table(ratio_summary(analysis.effective)) if len(analysis.effective)
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
    parts += [f"![{p.stem}]({p.relative_to(folder).as_posix()})" for p in figures]
    path = folder / "report.md"
    path.write_text("\n".join(parts) + "\n")
    return path
