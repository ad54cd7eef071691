"""A transfer matrix's analysis: every source's study analysed as a transfer study, then one row
per (source, target) pair with the fitted ``D_T = k D_F^alpha N^beta`` (intervals, verdicts,
censored points), the censoring-aware median ``D_E / D_F`` with its interval, the trends of
``D_F / D_E`` in N and D_F with verdicts, and losses in bits per verse; and one table of every
source's target orderings (``orderings.csv``: pairwise comparisons with intervals and verdicts,
:mod:`regscale.analysis.transfer_summary`).

Bits per verse put targets on one scale: a byte-level loss in nats/token depends on how many
bytes a language spends per character (Chinese about three, English one), but every translation
carries the same verses. ``bits_per_verse = loss * tokens_per_verse / ln 2``, with
``tokens_per_verse`` the target's held-out tokens (bytes and separators) per held-out verse;
regular languages have no verses and get NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from regscale.analysis.transfer import LN2, TransferAnalysis, analyse_transfer
from regscale.experiments.transfer_config import TransferConfig
from regscale.experiments.transfer_matrix import RUNS, folder_name
from regscale.store import StudyFolder

PAIR_COLUMNS = ("k", "k_low", "k_high", "alpha", "alpha_low", "alpha_high", "alpha_verdict",
                "beta", "beta_low", "beta_high", "beta_verdict", "n_points", "n_censored",
                "n_left_out", "median_fraction_from_finetuning", "note")
"""The transfer fit's columns each pair carries."""

MEDIAN_COLUMNS = ("runs", "median_ratio", "median_ratio_low", "median_ratio_high",
                  "lower_bounds", "upper_bounds", "censored_share", "at_cap", "still_improving")
"""The summary's median columns each pair carries."""

TREND_COLUMNS = ("slope_N", "slope_N_low", "slope_N_high", "slope_N_verdict", "slope_D_F",
                 "slope_D_F_low", "slope_D_F_high", "slope_D_F_verdict")
"""The summary's trend columns each pair carries."""


@dataclass(frozen=True)
class MatrixAnalysis:
    """The pairs table, each source's study analysis, and the files written."""

    languages: list[str]
    pairs: pd.DataFrame
    orderings: pd.DataFrame
    studies: dict[str, TransferAnalysis]
    files: dict[str, Path] = field(default_factory=dict)


def tokens_per_verse(study: TransferConfig, target: str) -> float:
    """Held-out tokens per held-out verse of a natural target (NaN for a regular one)."""
    language = study.built[f"target:{target}"]
    if not language.natural:
        return math.nan
    stats = language.stats()
    return float(stats["eval_tokens"]) / float(stats["eval_verses"])


def analyse_matrix(root: Path, studies: list[TransferConfig], *,
                   resamples: int = 1000) -> MatrixAnalysis:
    """Analyse every source's study under ``root`` and write ``pairs.csv`` (module docstring)."""
    analyses, rows, orderings = {}, [], []
    for study in studies:
        analysis = analyse_transfer(root / folder_name(study.source), resamples=resamples,
                                    runs=root / RUNS)
        analyses[study.source] = analysis
        fits = analysis.fits.set_index("target") if len(analysis.fits) else pd.DataFrame()
        summary = analysis.summary
        medians = (summary.medians.set_index("target") if len(summary.medians)
                   else pd.DataFrame())
        trends = summary.trends.set_index("target") if len(summary.trends) else pd.DataFrame()
        for target in study.targets:
            per_verse = tokens_per_verse(study, target)
            rows.append({"source": study.source, "target": target,
                         **_row(fits, target, PAIR_COLUMNS),
                         **_row(medians, target, MEDIAN_COLUMNS),
                         **_row(trends, target, TREND_COLUMNS),
                         "tokens_per_verse": per_verse,
                         **_bits_per_verse(analysis.results, target, per_verse)})
        if len(summary.comparisons):
            orderings.append(summary.comparisons.assign(source=study.source))
    pairs = pd.DataFrame(rows)
    ordering = pd.concat(orderings, ignore_index=True) if orderings else pd.DataFrame()
    if len(ordering):
        ordering = ordering[["source", *[c for c in ordering.columns if c != "source"]]]
    folder = StudyFolder(root)
    files = {"pairs": folder.write_table("pairs", pairs),
             "orderings": folder.write_table("orderings", ordering)}
    return MatrixAnalysis(languages=[s.source for s in studies], pairs=pairs,
                          orderings=ordering, studies=analyses, files=files)


def _row(table: pd.DataFrame, target: str, columns: tuple[str, ...]) -> dict[str, object]:
    """``columns`` of ``table``'s row for ``target`` (NaN where it has none)."""
    row = table.loc[target] if target in table.index else pd.Series(dtype=object)
    return {c: row.get(c, math.nan) for c in columns}


def _bits_per_verse(results: pd.DataFrame, target: str, per_verse: float) -> dict[str, float]:
    """Scratch and fine-tuned loss of the largest model at the largest D_F, in bits/verse (means
    over seeds)."""
    mine = results[(results["target"] == target) & results["role"].isin(["scratch", "finetune"])]
    tuned = mine[mine["role"] == "finetune"]
    if tuned.empty or not math.isfinite(per_verse):
        return {"bits_per_verse_scratch": math.nan, "bits_per_verse_finetuned": math.nan}
    at = mine[(mine["N"] == tuned["N"].max()) & (mine["D_F"] == tuned["D_F"].max())]
    loss = at.groupby("role")["loss"].mean()
    return {f"bits_per_verse_{name}": float(loss.get(role, np.nan)) * per_verse / LN2
            for name, role in (("scratch", "scratch"), ("finetuned", "finetune"))}
