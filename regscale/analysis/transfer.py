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
``ratios``        median D_T / D_F per target, ranked
``scratch_lines`` the fitted from-scratch curves L(D) per target and N, on a grid
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
from regscale.errors import ConfigError
from regscale.experiments.transfer_config import SOURCE_PART, TARGET_PART, with_part
from regscale.fits.power_law import PowerLawFit
from regscale.fits.transfer import fit_scratch_curves, fit_transfer, transfer_table
from regscale.sources.catalog import load_language_config
from regscale.sources.cross_entropy import language_similarity
from regscale.sources.language import build_language
from regscale.store import StudyFolder

LN2 = math.log(2)


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
    ratios: pd.DataFrame
    scratch_lines: pd.DataFrame
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
        table = transfer_table(scratch, tuned, per_n)
        if len(table):
            tables.append(table.assign(target=target))
    return (pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()), curves


def transfer_fits(effective: pd.DataFrame, *, resamples: int = 1000) -> pd.DataFrame:
    """``D_T = k D_F^alpha N^beta`` per target, censored rows as lower bounds (rows of NaN with a
    ``note`` where too few points transfer). ``median_fraction_from_finetuning`` is the law's
    ``D_F / D_E`` at the measured points (a median of the rows would treat the censored rows'
    upper bounds as values); ``median_fraction_rows`` is that median of the rows, for reference."""
    rows = []
    for target, group in effective.groupby("target") if len(effective) else []:
        censored = group["censored"]
        row: dict[str, Any] = {"target": target,
                               "median_fraction_rows": float(
                                   group["fraction_from_finetuning"].median()),
                               "positive_transfer_points": int((group["D_T"] > 0).sum()),
                               "points": len(group)}
        try:
            fit = fit_transfer(group["D_F"], group["N"], group["D_T"], censored=censored,
                               resamples=resamples, seeds=group["seed"])
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
        if not built.natural and not language.natural:
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


def ratio_summary(effective: pd.DataFrame) -> pd.DataFrame:
    """Per target: median D_T / D_F over all points (how many target tokens each is worth)."""
    if effective.empty:
        return pd.DataFrame()
    ratio = effective.assign(transfer_ratio=effective.D_T / effective.D_F)
    return ratio.groupby("target")["transfer_ratio"].median().reset_index().sort_values(
        "transfer_ratio", ascending=False, ignore_index=True).assign(
        rank=lambda f: np.arange(1, len(f) + 1))


def _scratch_lines(results: pd.DataFrame,
                   curves: dict[tuple[str, int], PowerLawFit]) -> pd.DataFrame:
    """Each fitted scratch curve from its smallest D to a decade past its largest."""
    frames = []
    for (target, n), curve in curves.items():
        d = results[(results.target == target) & (results.N == n)
                    & (results.role == "scratch")].D_F
        grid = np.logspace(np.log10(d.min()), np.log10(d.max()) + 1)
        frames.append(pd.DataFrame({"target": target, "N": n, "D": grid,
                                    "loss": curve.predict(grid)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["target", "N", "D", "loss"])


def analyse_transfer(root: Path, *, resamples: int = 1000,
                     runs: Path | None = None) -> TransferAnalysis:
    """Collect the study (its run folders under ``runs`` where given), compute effective data,
    fits and compute; write the tables."""
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
        improvement=loss_improvement_bits(results), ratios=ratio_summary(effective),
        scratch_lines=_scratch_lines(results, scratch_curves))
    files = {"results": study.write_results(results), "curves": study.write_curves(curves)}
    for name in ("effective", "fits", "compute", "similarity"):
        table_name = {"effective": "effective_data", "fits": "transfer_fits"}.get(name, name)
        files[table_name] = study.write_table(table_name, getattr(analysis, name))
    analysis.files.update(files)
    return analysis
