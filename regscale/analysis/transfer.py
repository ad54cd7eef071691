"""A transfer study's analysis: effective data transferred per target, fits of
``D_T = k D_F^alpha N^beta``, compute to reach a loss, similarity of regular pairs, and the
curves the figures draw, computed once and handed to the report.

Tables (all :class:`pandas.DataFrame`):

``results``       one row per finished planned run: role, target, size, N, D_F, losses
``curves``        every evaluation of every run (learning curves)
``effective``     one row per fine-tuned run: D_E, D_T, D_F / D_E
``fits``          one row per target: k, alpha, beta and intervals
``compute``       compute to reach the from-scratch best loss, per target and size
``similarity``    regular pairs: shared alphabet, states, exact cross-entropy
``improvement``   scratch minus fine-tuned loss (bits/token) per target, size and D_F
``scratch_lines`` the scratch curves per target and N as drawn: interpolated, then extrapolated
``summary``       censoring-aware medians of D_E / D_F, the ordering of the targets with
                  intervals and verdicts, and the trends of D_F / D_E in N and D_F
                  (:mod:`regscale.analysis.transfer_summary`)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regscale.analysis.collect import (
    collect_curves,
    collect_runs,
    fill_convergence,
    require_runs,
)
from regscale.analysis.transfer_summary import RESAMPLES, TransferSummary, summarise_source
from regscale.errors import ConfigError
from regscale.experiments.transfer_config import SOURCE_PART, TARGET_PART, with_part
from regscale.fits.effective_data import scratch_curve
from regscale.fits.power_law import PowerLawFit
from regscale.fits.transfer import fit_scratch_curves, fit_transfer, transfer_table
from regscale.sources.catalog import load_language_config
from regscale.sources.cross_entropy import language_similarity
from regscale.sources.language import build_language
from regscale.sources.regular_language import RegularLanguage
from regscale.store import StudyFolder

LN2 = math.log(2)

SUMMARY_TABLES = ("medians", "comparisons", "ranking", "trends")
"""The summary's tables, written as ``fits/transfer_<name>.csv``."""


@dataclass(frozen=True)
class TransferAnalysis:
    """Tables of one study's analysis (module docstring), and the files written."""

    source: str
    results: pd.DataFrame
    curves: pd.DataFrame
    effective: pd.DataFrame
    fits: pd.DataFrame
    compute: pd.DataFrame
    similarity: pd.DataFrame
    improvement: pd.DataFrame
    scratch_lines: pd.DataFrame
    summary: TransferSummary
    files: dict[str, Path] = field(default_factory=dict)


def transfer_results(study: StudyFolder) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per finished planned run (with its role), and the study's config."""
    record = study.read_record()
    if record is None or record.kind != "transfer":
        raise ConfigError(f"{study.root} is not a transfer study folder (no transfer record)")
    runs = collect_runs(study)
    require_runs(runs, study)
    plan = pd.DataFrame(record.runs).drop_duplicates("run_id")
    results = plan.merge(runs.drop(columns=["size"]), on="run_id", how="inner").rename(
        columns={"non_embedding_params": "N"})
    return results, record.config


def effective_data_table(results: pd.DataFrame
                         ) -> tuple[pd.DataFrame, dict[tuple[str, int], PowerLawFit]]:
    """D_E, D_T and D_F / D_E for every fine-tuned run, and the scratch curve per target and N."""
    tables, curves = [], {}
    for target, group in results[results.role != "pretrain"].groupby("target"):
        ok = group[group.status != "diverged"]
        columns = ["N", "D", "loss"] + (["seed"] if "seed" in ok else [])
        scratch = ok[ok.role == "scratch"].rename(columns={"D_F": "D"})[columns]
        tuned = ok[ok.role == "finetune"].rename(columns={"D_F": "D"})[columns]
        per_n = fit_scratch_curves(scratch)
        curves.update({(str(target), n): curve for n, curve in per_n.items()})
        table = transfer_table(scratch, tuned)
        if len(table):
            tables.append(table.assign(target=target))
    return (pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()), curves


def transfer_fits(effective: pd.DataFrame, *, resamples: int = 1000) -> pd.DataFrame:
    """``D_T = k D_F^alpha N^beta`` per target, censored rows as lower bounds (rows of NaN with a
    ``note`` where too few points transfer). ``median_fraction_from_finetuning`` is the law's
    ``D_F / D_E`` at the measured points (a median of the rows would treat the censored rows'
    bounds as values; the censoring-aware median is the summary's)."""
    rows = []
    for target, group in effective.groupby("target") if len(effective) else []:
        censored = group["censored"]
        row: dict[str, Any] = {"target": target,
                               "positive_transfer_points": int((group["D_T"] > 0).sum()),
                               "points": len(group)}
        try:
            fit = fit_transfer(group["D_F"], group["N"], group["D_T"], censored=censored,
                               upper=group["upper_bound"], resamples=resamples,
                               seeds=group["seed"])
        except ValueError as exc:
            row["note"] = str(exc)
        else:
            row.update(fit.as_dict())
            row["median_fraction_from_finetuning"] = float(np.median(
                fit.fraction_from_finetuning(group["D_F"], group["N"])))
        rows.append(row)
    return pd.DataFrame(rows)


def compute_to_reach(results: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """Fine-tuning FLOPs to reach the from-scratch run's best loss, at the largest D_F (first
    seed).

    ``pretrain_flops`` is the one-off pre-training cost of that size, shared by all targets.
    """
    rows = []
    pretrain = results[results.role == "pretrain"].set_index("size")
    targets = results[results.role != "pretrain"]
    for (target, size), group in targets.groupby(["target", "size"]):
        if "seed" in group:  # one seed: the first
            group = group[group.seed == group.seed.min()]
        d_f = group[group.role == "finetune"].D_F.max()
        largest = group[group.D_F == d_f]
        scratch, tuned = (largest[largest.role == r] for r in ("scratch", "finetune"))
        if scratch.empty or tuned.empty:
            continue
        goal = float(scratch.loss.iloc[0])
        rows.append({
            "target": target, "size": size, "N": int(scratch.N.iloc[0]),
            "D_F": int(scratch.D_F.iloc[0]), "loss_goal": goal,
            "scratch_flops": _flops_to_reach(curves, scratch.run_id.iloc[0], goal),
            "finetune_flops": _flops_to_reach(curves, tuned.run_id.iloc[0], goal),
            "pretrain_flops": float(pretrain.flops.get(size, math.nan)),
        })
    return pd.DataFrame(rows)


def _flops_to_reach(curves: pd.DataFrame, run_id: str, goal: float) -> float:
    curve = curves[curves.run_id == run_id]
    reached = curve[curve.loss <= goal + 1e-12]
    return float(reached.flops.iloc[0]) if len(reached) else math.inf


def regular_similarity(source: str, targets: list[str]) -> pd.DataFrame:
    """Similarity measures for every regular source -> target pair."""
    built = build_language(with_part(load_language_config(source), SOURCE_PART))
    rows = []
    for target in targets:
        language = build_language(with_part(load_language_config(target), TARGET_PART))
        if isinstance(built, RegularLanguage) and isinstance(language, RegularLanguage):
            rows.append({"source": source, "target": target,
                         **language_similarity(built, language)})
    return pd.DataFrame(rows)


def loss_improvement_bits(results: pd.DataFrame) -> pd.DataFrame:
    """Per target and size: scratch minus fine-tuned loss (bits/token) at each D_F (means over
    seeds; D_F without a scratch run of the same D are left out)."""
    targets = results[results.role != "pretrain"]
    wide = targets.pivot_table(index=["target", "size", "N", "D_F"], columns="role",
                               values="loss").reset_index()
    if not {"scratch", "finetune"} <= set(wide.columns):
        return pd.DataFrame()
    wide["improvement_bits"] = (wide["scratch"] - wide["finetune"]) / LN2
    return wide.dropna(subset=["improvement_bits"]).sort_values(["target", "N", "D_F"])


def _scratch_lines(results: pd.DataFrame,
                   curves: dict[tuple[str, int], PowerLawFit]) -> pd.DataFrame:
    """Each target and size's scratch curve as the figures draw it: the monotone interpolation
    that gives ``D_E`` within the scratch range (``kind`` interpolated), then the best fitted
    law for a decade past it (``kind`` extrapolated)."""
    frames = []
    ok = results[(results.role == "scratch") & (results.status != "diverged")]
    for (target, n), group in ok.groupby(["target", "N"]):
        if group.D_F.nunique() < 2:
            continue
        curve = scratch_curve(group.D_F.to_numpy(float), group.loss.to_numpy(float))
        grid = np.logspace(np.log10(curve.d_min), np.log10(curve.d_max))
        frames.append(pd.DataFrame({"target": target, "N": n, "D": grid,
                                    "loss": curve.predict(grid), "kind": "interpolated"}))
        law = curves.get((str(target), int(n)))
        if law is not None:
            beyond = np.logspace(np.log10(curve.d_max), np.log10(curve.d_max) + 1, 20)
            frames.append(pd.DataFrame({"target": target, "N": n, "D": beyond,
                                        "loss": law.predict(beyond), "kind": "extrapolated"}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["target", "N", "D", "loss", "kind"])


def analyse_transfer(root: Path, *, resamples: int = 1000, summary_resamples: int = RESAMPLES,
                     runs: Path | None = None) -> TransferAnalysis:
    """Collect the study (its run folders under ``runs`` where given), compute effective data,
    fits, compute and the summary; write the tables."""
    study = StudyFolder(root, runs)
    results, config = transfer_results(study)
    curves = collect_curves(study, list(results.run_id))
    results = fill_convergence(results, curves)
    effective, scratch_curves = effective_data_table(results)
    analysis = TransferAnalysis(
        source=config["source"], results=results, curves=curves, effective=effective,
        fits=transfer_fits(effective, resamples=resamples),
        compute=compute_to_reach(results, curves),
        similarity=regular_similarity(config["source"], list(config["targets"])),
        improvement=loss_improvement_bits(results),
        scratch_lines=_scratch_lines(results, scratch_curves),
        summary=summarise_source(results, resamples=summary_resamples))
    files = {"results": study.write_results(results), "curves": study.write_curves(curves)}
    for name in ("effective", "fits", "compute", "similarity"):
        table_name = {"effective": "effective_data", "fits": "transfer_fits"}.get(name, name)
        files[table_name] = study.write_table(table_name, getattr(analysis, name))
    for name in SUMMARY_TABLES:
        files[f"transfer_{name}"] = study.write_table(f"transfer_{name}",
                                                      getattr(analysis.summary, name))
    analysis.files.update(files)
    return analysis
