"""The sweep report: one Markdown file with the fit tables and links to the figures."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

LAW_COLUMNS = ("language", "arch", "complexity_states", "complexity_entropy_rate_bits",
               "floor", "alpha_N", "alpha_N_low", "alpha_N_high", "log_x0_N", "alpha_N_free",
               "E_N_free_minus_floor",
               "alpha_D", "alpha_C", "chinchilla_alpha", "chinchilla_beta")


def markdown_table(frame: pd.DataFrame, columns: tuple[str, ...] | None = None) -> str:
    """A GitHub-flavoured Markdown table (numbers to 4 significant digits)."""
    cols = [c for c in (columns or tuple(frame.columns)) if c in frame]
    lines = ["| " + " | ".join(c.removeprefix("complexity_") for c in cols) + " |",
             "|" + "---|" * len(cols)]
    for row in frame[cols].itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def write_report(folder: Path, results: pd.DataFrame, laws: pd.DataFrame,
                 regression: pd.DataFrame, figures: list[Path]) -> Path:
    """Write ``report.md`` beside the figures; returns its path."""
    statuses = results["status"].value_counts().to_dict()
    parts = [
        f"# Scaling-law report: {folder.name}",
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
        markdown_table(laws, LAW_COLUMNS),
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
    parts += [f"![{p.stem}]({p.relative_to(folder).as_posix()})" for p in figures]
    path = folder / "report.md"
    path.write_text("\n".join(parts) + "\n")
    return path
