"""The transfer matrix's report: each source's own transfer report, three matrix figures (the
fitted alpha with its interval and verdict; the censoring-aware median D_E / D_F with its
interval; each source's targets ranked with intervals) and ``report.md`` at the root with the
pairs, orderings and trends tables."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from regscale.analysis.transfer_matrix import MatrixAnalysis
from regscale.analysis.transfer_summary import RESOLVED
from regscale.experiments.transfer_matrix import folder_name
from regscale.fits.verdict import OK
from regscale.report.tables import markdown_table
from regscale.report.transfer_report import write_transfer_report
from regscale.store import StudyFolder

TABLE_COLUMNS = ("source", "target", "k", "alpha", "alpha_low", "alpha_high", "alpha_verdict",
                 "beta", "beta_low", "beta_high", "beta_verdict", "n_points", "n_censored",
                 "bits_per_verse_scratch", "bits_per_verse_finetuned")
MEDIAN_COLUMNS = ("source", "target", "runs", "median_ratio", "median_ratio_low",
                  "median_ratio_high", "lower_bounds", "upper_bounds", "censored_share",
                  "at_cap", "still_improving")
TREND_COLUMNS = ("source", "target", "slope_N", "slope_N_low", "slope_N_high",
                 "slope_N_verdict", "slope_D_F", "slope_D_F_low", "slope_D_F_high",
                 "slope_D_F_verdict")
ORDERING_COLUMNS = ("source", "measure", "target_a", "target_b", "difference", "low", "high",
                    "loo_low", "loo_high", "verdict", "more")


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
    """The censoring-aware median D_E / D_F per (source, target) with its 95% interval, log
    colour (1: fine-tuning data worth its own size, no transfer)."""
    languages, pairs = analysis.languages, analysis.pairs
    ratio = _grid(pairs, languages, "median_ratio")
    fig, ax = plt.subplots(figsize=(1.3 * len(languages) + 2.5, 1.1 * len(languages) + 1.5))
    ax.set_facecolor("0.85")  # no value: grey
    bound = np.nanmax(np.abs(np.log10(ratio))) if np.isfinite(ratio).any() else 1.0
    image = ax.imshow(np.log10(ratio), cmap="RdBu_r", vmin=-bound, vmax=bound)
    if np.isfinite(ratio).any():
        fig.colorbar(image, ax=ax, label="log10 median D_E / D_F (0: no transfer)")
    for row in pairs.itertuples():
        i, j = languages.index(row.source), languages.index(row.target)
        value = float(row.median_ratio)
        text = "-" if not math.isfinite(value) else (
            f"{value:.3g}\n[{float(row.median_ratio_low):.3g}, "
            f"{float(row.median_ratio_high):.3g}]")
        ax.text(j, i, text, ha="center", va="center", fontsize=7, bbox=_BOX)
    _axes(ax, languages, "median D_E / D_F (censored runs as bounds), 95% interval over seeds")
    return _save(fig, path)


def ordering_figure(analysis: MatrixAnalysis, path: Path) -> Path:
    """Per source (columns) and measure (rows): each target's effect at matched (N, D_F) with
    its 95% interval, best first."""
    sources = [s for s, study in analysis.studies.items() if len(study.summary.ranking)]
    measures = sorted({m for s in sources for m in analysis.studies[s].summary.ranking.measure})
    fig, axes = plt.subplots(max(len(measures), 1), max(len(sources), 1), squeeze=False,
                             figsize=(2.6 * max(len(sources), 1) + 1, 2.4 * max(len(measures), 1)))
    for col, source in enumerate(sources):
        ranking = analysis.studies[source].summary.ranking
        for row, measure in enumerate(measures):
            ax = axes[row][col]
            mine = ranking[ranking.measure == measure].reset_index(drop=True)
            y = np.arange(len(mine))[::-1]
            finite = np.isfinite(mine["low"]) & np.isfinite(mine["high"])
            ax.errorbar(mine["effect"][finite], y[finite],
                        xerr=[(mine["effect"] - mine["low"])[finite],
                              (mine["high"] - mine["effect"])[finite]],
                        fmt="o", color="C0", capsize=3)
            ax.plot(mine["effect"][~finite], y[~finite], "x", color="C3")
            ax.axvline(0, color="0.6", lw=0.8)
            ax.set_yticks(y, [str(t)[:10] for t in mine["target"]])
            ax.set_xlabel(measure, fontsize=8)
            if row == 0:
                ax.set_title(f"source {source}", fontsize=9)
    fig.suptitle("targets at matched (N, D_F), best on top: effect averaged over the (N, D_F) "
                 "cells (> 0: transfer helps), 95% intervals over seeds (x: no interval)",
                 fontsize=9)
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
               ratio_matrix(analysis, folder.figure("matrix_ratio")),
               ordering_figure(analysis, folder.figure("matrix_ordering"))]
    pairs = analysis.pairs
    ok = int(((pairs["alpha_verdict"] == OK) & (pairs["beta_verdict"] == OK)).sum())
    orderings = analysis.orderings
    resolved = int((orderings["verdict"] == RESOLVED).sum()) if len(orderings) else 0
    parts = [
        f"# Transfer matrix: {' '.join(analysis.languages)}",
        "",
        f"{len(pairs)} (source, target) pairs; **{ok} of {len(pairs)} with alpha and beta "
        "both ok.** Each source is pre-trained once; every pair fits "
        "`D_T = k D_F^alpha N^beta` on its fine-tuned runs, with censored runs (better than "
        "the largest scratch run) as lower bounds. `bits_per_verse_*`: the largest model at "
        "the largest D_F, from scratch and fine-tuned, in bits per verse of the target, so "
        "languages with different bytes per character compare.",
        "",
        markdown_table(pairs, TABLE_COLUMNS),
        "",
        "## How much a fine-tuning token is worth",
        "",
        "`median_ratio`: the censored-normal median of `D_E / D_F` over a pair's fine-tuned "
        "runs, where `D_E` is read off the scratch runs by monotone interpolation and runs "
        "beyond the scratch range count as the bounds they are. 95% interval over seeds "
        "resampled within cells. `censored_share`: runs outside the scratch range. "
        "`at_cap`: runs stopped by their token cap, not by early stopping; `still_improving`: "
        "those of them whose best loss still fell by more than the convergence criterion "
        "allows over their last third.",
        "",
        markdown_table(pairs, MEDIAN_COLUMNS),
        "",
        "## Which target each source helps most",
        "",
        f"{resolved} of {len(orderings)} pairwise comparisons resolved. Targets are compared "
        "at matched (N, D_F), by `log D_E/D_F` and by bits per character gained over scratch "
        "(where scripts differ). Resolved: the 95% interval excludes 0 and the sign holds "
        "leaving out each seed and each model size.",
        "",
        markdown_table(orderings, ORDERING_COLUMNS) if len(orderings) else "_None._",
        "",
        "## Does D_F / D_E fall with N and rise with D_F?",
        "",
        "Slopes of `log(D_F / D_E)` in `log N` and `log D_F` per pair (censored regression; "
        "the seed post reports a negative slope in N and a positive one in D_F).",
        "",
        markdown_table(pairs, TREND_COLUMNS),
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
