"""The transfer matrix's report: each source's own transfer report, two matrix figures (the
fitted alpha with its interval and verdict; the median D_T / D_F) and ``report.md`` at the root
with the pairs table."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from regscale.analysis.transfer_matrix import MatrixAnalysis
from regscale.experiments.transfer_matrix import folder_name
from regscale.fits.verdict import OK
from regscale.report.tables import markdown_table
from regscale.report.transfer_report import write_transfer_report
from regscale.store import StudyFolder

TABLE_COLUMNS = ("source", "target", "k", "alpha", "alpha_low", "alpha_high", "alpha_verdict",
                 "beta", "beta_low", "beta_high", "beta_verdict", "n_points", "n_censored",
                 "median_transfer_ratio", "bits_per_verse_scratch", "bits_per_verse_finetuned")


_BOX = {"boxstyle": "round", "facecolor": "white", "alpha": 0.7, "linewidth": 0}
"""Behind cell labels, so they read on any colour."""


def _grid(pairs: pd.DataFrame, languages: list[str], column: str) -> np.ndarray:
    """Source rows x target columns of ``column`` (NaN on the diagonal and where missing)."""
    grid = np.full((len(languages), len(languages)), np.nan)
    index = {language: i for i, language in enumerate(languages)}
    for row in pairs.itertuples():
        value = getattr(row, column)
        grid[index[row.source], index[row.target]] = float(value) if value is not None else np.nan
    return grid


def alpha_matrix(analysis: MatrixAnalysis, path: Path) -> Path:
    """alpha per (source, target): colour where the verdict is ok, grey otherwise; every cell
    annotated with alpha and its 95% interval."""
    languages, pairs = analysis.languages, analysis.pairs
    alpha = _grid(pairs, languages, "alpha")
    ok = pairs.assign(ok=(pairs["alpha_verdict"] == OK).astype(float))
    shown = np.where(_grid(ok, languages, "ok") == 1.0, alpha, np.nan)
    fig, ax = plt.subplots(figsize=(1.3 * len(languages) + 2.5, 1.1 * len(languages) + 1.5))
    ax.set_facecolor("0.85")  # cells without an ok fit stay grey
    image = ax.imshow(shown, cmap="viridis")
    if np.isfinite(shown).any():
        fig.colorbar(image, ax=ax, label="alpha (ok fits only)")
    for row in pairs.itertuples():
        i, j = languages.index(row.source), languages.index(row.target)
        interval = (f"[{row.alpha_low:.2f}, {row.alpha_high:.2f}]"
                    if math.isfinite(float(row.alpha_low)) else "no interval")
        text = ("no fit" if not math.isfinite(float(row.alpha)) else
                f"{row.alpha:.2f}\n{interval}" + ("" if row.alpha_verdict == OK else "\nnot ok"))
        ax.text(j, i, text, ha="center", va="center", fontsize=7, bbox=_BOX)
    _axes(ax, languages, "D_T = k D_F^alpha N^beta: alpha per pair (grey: verdict not ok)")
    return _save(fig, path)


def ratio_matrix(analysis: MatrixAnalysis, path: Path) -> Path:
    """Median D_T / D_F per (source, target), log colour."""
    languages = analysis.languages
    ratio = _grid(analysis.pairs, languages, "median_transfer_ratio")
    fig, ax = plt.subplots(figsize=(1.3 * len(languages) + 2.5, 1.1 * len(languages) + 1.5))
    positive = np.where(ratio > 0, ratio, np.nan)
    ax.set_facecolor("0.85")  # no transfer (D_T <= 0) or no value: grey
    image = ax.imshow(np.log10(positive), cmap="magma")
    if np.isfinite(positive).any():
        fig.colorbar(image, ax=ax, label="log10 median D_T / D_F")
    for i in range(len(languages)):
        for j in range(len(languages)):
            if i != j:
                value = ratio[i, j]
                ax.text(j, i, "-" if np.isnan(value) else f"{value:.3g}", ha="center",
                        va="center", fontsize=8, bbox=_BOX)
    _axes(ax, languages, "median D_T / D_F (target tokens per fine-tuning token; censored "
                         "rows at their bound)")
    return _save(fig, path)


def _axes(ax: plt.Axes, languages: list[str], title: str) -> None:
    labels = [Path(x).stem if x.endswith(".toml") else x[:14] for x in languages]
    ax.set_xticks(range(len(languages)), labels)
    ax.set_yticks(range(len(languages)), labels)
    ax.set(xlabel="target", ylabel="source", title=title)
    ax.title.set_fontsize(9)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_matrix_report(root: Path, analysis: MatrixAnalysis) -> dict[str, Path]:
    """Each source's report, the matrix figures and ``<root>/report.md``; every file by name."""
    folder = StudyFolder(root)
    files: dict[str, Path] = {}
    for source, study in analysis.studies.items():
        files[f"report_{source}"] = write_transfer_report(
            root / folder_name(source), study)["report"]
    figures = [alpha_matrix(analysis, folder.figure("matrix_alpha")),
               ratio_matrix(analysis, folder.figure("matrix_ratio"))]
    pairs = analysis.pairs
    ok = int(((pairs["alpha_verdict"] == OK) & (pairs["beta_verdict"] == OK)).sum())
    parts = [
        f"# Transfer matrix: {' '.join(analysis.languages)}",
        "",
        f"{len(pairs)} (source, target) pairs; **{ok} of {len(pairs)} with alpha and beta "
        "both ok.** Each source is pre-trained once; every pair fits "
        "`D_T = k D_F^alpha N^beta` on its fine-tuned runs, with censored runs (better than "
        "the scratch curve reaches) as lower bounds. `bits_per_verse_*`: the largest model at "
        "the largest D_F, from scratch and fine-tuned, in bits per verse of the target, so "
        "languages with different bytes per character compare.",
        "",
        markdown_table(pairs, TABLE_COLUMNS),
        "",
        "## Studies",
        "",
        *[f"- source {source}: [{folder_name(source)}/report.md]"
          f"({folder_name(source)}/report.md)" for source in analysis.studies],
        "",
        "## Figures",
        "",
        *[f"![{p.stem}]({p.relative_to(root).as_posix()})" for p in figures],
    ]
    files.update({p.stem: p for p in figures})
    files["report"] = folder.write_report("\n".join(parts) + "\n")
    return files
