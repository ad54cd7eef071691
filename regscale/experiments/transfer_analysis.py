"""From a transfer study folder to conclusions: effective data transferred per target, fits of
``D_T = k D_F^alpha N^beta``, compute to reach a loss, similarity of regular pairs; figures and
a report."""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regscale.config_io import from_mapping
from regscale.errors import ConfigError
from regscale.experiments.transfer import planned_runs
from regscale.experiments.transfer_config import TransferConfig
from regscale.fits.transfer import fit_transfer, transfer_table
from regscale.sources.cross_entropy import language_similarity
from regscale.sources.language import build_language
from regscale.sources.regular_language import RegularLanguage
from regscale.training.run_store import RunFolder, atomic_write_bytes

LN2 = math.log(2)


@dataclass(frozen=True)
class TransferAnalysis:
    """Tables and files of one study's analysis."""

    results: pd.DataFrame  # one row per finished run: role, target, size, N, D_F, losses
    effective: pd.DataFrame  # one row per fine-tuned run: D_E, D_T, D_F / D_E
    fits: pd.DataFrame  # one row per target: k, alpha, beta and intervals
    compute: pd.DataFrame  # compute to reach the from-scratch best loss, per target/size
    similarity: pd.DataFrame  # regular pairs: shared alphabet, states, cross-entropy
    files: dict[str, Path]  # name -> written file


def study_config(root: Path) -> TransferConfig:
    """The study config recorded in ``transfer.json``."""
    data = json.loads((root / "transfer.json").read_text())["transfer"]
    return from_mapping(TransferConfig, data, str(root / "transfer.json"))


def transfer_results(root: Path) -> pd.DataFrame:
    """One row per finished planned run."""
    rows = []
    for run in planned_runs(root):
        summary = run["summary"]
        if summary is None:
            continue
        rows.append({
            "run_id": run["run_id"], "role": run["role"], "target": run["target"],
            "size": run["size"], "D_F": run["D_F"], "status": summary["status"],
            "language": summary["language"], "N": summary["non_embedding_params"],
            "loss": summary.get("loss", math.nan), "bits_per_char": summary.get(
                "bits_per_char", math.nan), "bits_per_token": summary.get("bits_per_token",
                                                                          math.nan),
            "excess_bits": summary.get("excess_bits", math.nan),
            "tokens": summary["tokens"], "flops": summary["flops"],
            "best_tokens": summary.get("best", {}).get("tokens", math.nan),
        })
    return pd.DataFrame(rows)


def effective_data_table(results: pd.DataFrame) -> pd.DataFrame:
    """D_E, D_T and D_F / D_E for every fine-tuned run, per target."""
    tables = []
    for target, group in results[results.role != "pretrain"].groupby("target"):
        ok = group[group.status != "diverged"]
        scratch = ok[ok.role == "scratch"].rename(columns={"D_F": "D"})[["N", "D", "loss"]]
        tuned = ok[ok.role == "finetune"].rename(columns={"D_F": "D"})[["N", "D", "loss"]]
        table = transfer_table(scratch, tuned)
        if len(table):
            tables.append(table.assign(target=target))
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def transfer_fits(effective: pd.DataFrame, *, resamples: int = 1000) -> pd.DataFrame:
    """``D_T = k D_F^alpha N^beta`` per target (rows of NaN where too few points transfer)."""
    rows = []
    for target, group in effective.groupby("target") if len(effective) else []:
        row: dict[str, Any] = {"target": target,
                               "median_fraction_from_finetuning": float(
                                   group["fraction_from_finetuning"].median()),
                               "positive_transfer_points": int((group["D_T"] > 0).sum()),
                               "points": len(group)}
        try:
            row.update(fit_transfer(group["D_F"], group["N"], group["D_T"],
                                    resamples=resamples).as_dict())
        except ValueError as exc:
            row["note"] = str(exc)
        rows.append(row)
    return pd.DataFrame(rows)


def compute_to_reach(root: Path, results: pd.DataFrame) -> pd.DataFrame:
    """Fine-tuning FLOPs to reach the from-scratch run's best loss, at the largest D_F.

    ``pretrain_flops`` is the one-off pre-training cost of that size, shared by all targets.
    """
    rows = []
    pretrain = results[results.role == "pretrain"].set_index("size")
    targets = results[results.role != "pretrain"]
    for (target, size), group in targets.groupby(["target", "size"]):
        largest = group[group.D_F == group.D_F.max()]
        scratch, tuned = (largest[largest.role == r] for r in ("scratch", "finetune"))
        if scratch.empty or tuned.empty:
            continue
        goal = float(scratch.loss.iloc[0])
        rows.append({
            "target": target, "size": size, "N": int(scratch.N.iloc[0]),
            "D_F": int(scratch.D_F.iloc[0]), "loss_goal": goal,
            "scratch_flops": _flops_to_reach(root, scratch.run_id.iloc[0], goal),
            "finetune_flops": _flops_to_reach(root, tuned.run_id.iloc[0], goal),
            "pretrain_flops": float(pretrain.flops.get(size, math.nan)),
        })
    return pd.DataFrame(rows)


def _flops_to_reach(root: Path, run_id: str, goal: float) -> float:
    for row in RunFolder(root / "runs" / run_id).read_metrics():
        if row["loss"] <= goal + 1e-12:
            return float(row["flops"])
    return math.inf


def regular_similarity(study: TransferConfig) -> pd.DataFrame:
    """Similarity measures for every regular source -> target pair of the study."""
    source = build_language(study.source_language())
    rows = []
    for target in study.targets:
        language = build_language(study.target_language(target))
        if isinstance(source, RegularLanguage) and isinstance(language, RegularLanguage):
            rows.append({"source": study.source, "target": target,
                         **language_similarity(source, language)})
    return pd.DataFrame(rows)


def analyse_transfer(root: Path, *, resamples: int = 1000) -> TransferAnalysis:
    """Collect the study, compute effective data and fits; tables under ``root`` and fits/."""
    results = transfer_results(root)
    if results.empty:
        raise ConfigError(f"no finished runs in the transfer study {root}")
    effective = effective_data_table(results)
    fits = transfer_fits(effective, resamples=resamples)
    compute = compute_to_reach(root, results)
    similarity = regular_similarity(study_config(root))
    files = {"results": root / "results.parquet"}
    buffer = io.BytesIO()
    results.to_parquet(buffer, index=False)
    atomic_write_bytes(files["results"], buffer.getvalue())
    for name, table in (("effective_data", effective), ("transfer_fits", fits),
                        ("compute", compute), ("similarity", similarity)):
        path = root / "fits" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, table.to_csv(index=False).encode())
        files[name] = path
    return TransferAnalysis(results=results, effective=effective, fits=fits, compute=compute,
                            similarity=similarity, files=files)


def loss_improvement_bits(results: pd.DataFrame) -> pd.DataFrame:
    """Per target and size: scratch minus fine-tuned loss (bits/token) at each D_F."""
    targets = results[results.role != "pretrain"]
    wide = targets.pivot_table(index=["target", "size", "N", "D_F"], columns="role",
                               values="loss").reset_index()
    if not {"scratch", "finetune"} <= set(wide.columns):
        return pd.DataFrame()
    wide["improvement_bits"] = (wide["scratch"] - wide["finetune"]) / LN2
    return wide.sort_values(["target", "N", "D_F"])


def ratio_summary(effective: pd.DataFrame) -> pd.DataFrame:
    """Per target: median D_T / D_F over all points (how many target tokens each is worth)."""
    if effective.empty:
        return pd.DataFrame()
    ratio = effective.assign(transfer_ratio=effective.D_T / effective.D_F)
    return ratio.groupby("target")["transfer_ratio"].median().reset_index().sort_values(
        "transfer_ratio", ascending=False, ignore_index=True).assign(
        rank=lambda f: np.arange(1, len(f) + 1))
