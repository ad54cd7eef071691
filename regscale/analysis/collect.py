"""Collect a study folder's runs into tables: one row per finished run, and learning curves.

Only the runs the study's record names are collected (every run present when a folder has no
record), so two studies sharing a folder are never reported together.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from regscale.errors import ConfigError
from regscale.fits.convergence import convergence
from regscale.store import SUMMARY_COLUMNS, RunFolder, StudyFolder

CURVE_COLUMNS = ("step", "tokens", "flops", "loss", "loss_se", "excess_loss", "excess_se",
                 "excess_bits", "bits_per_byte", "bits_per_char", "train_loss", "lr")
"""Evaluation fields kept in the learning-curves table."""


def study_runs(study: StudyFolder) -> list[RunFolder]:
    """The run folders of the study (its record's runs, or every folder without a record)."""
    record = study.read_record()
    if record is None:
        return study.run_folders()
    return [study.run(run_id) for run_id in dict.fromkeys(record.run_ids)]


def collect_runs(study: StudyFolder) -> pd.DataFrame:
    """One row per finished run: summary fields, complexity measures, run-config fields."""
    rows = []
    for folder in study_runs(study):
        summary = folder.read_summary()
        if summary is None:
            continue
        row: dict[str, Any] = {k: summary.get(k) for k in SUMMARY_COLUMNS}
        row.update({f"complexity_{k}": v for k, v in summary.get("complexity", {}).items()})
        row["best_tokens"] = summary.get("best", {}).get("tokens", math.nan)
        config = folder.read_config() or {}
        row.update(seed=config.get("data", {}).get("seed"),
                   lr=config.get("optim", {}).get("lr"),
                   policy=config.get("language", {}).get("policy", {}).get("name"),
                   init_from=config.get("init_from"))
        rows.append(row)
    return pd.DataFrame(rows)


LENGTH_KEYS = ("language", "arch", "size", "non_embedding_params")
"""Run fields repeated on each row of the length table."""


def collect_lengths(study: StudyFolder) -> pd.DataFrame:
    """One row per (run, length bin) of the runs trained on short strings
    (:mod:`regscale.training.length_generalisation`); empty when none was."""
    rows = []
    for folder in study_runs(study):
        summary = folder.read_summary()
        if summary is None or not summary.get("length_generalisation"):
            continue
        for row in summary["length_generalisation"]:
            rows.append({"run_id": summary.get("run_id"),
                         **{k: summary.get(k) for k in LENGTH_KEYS},
                         "trained_max_length": summary["length_generalisation"][0]["bin_high"],
                         **row})
    return pd.DataFrame(rows)


def collect_curves(study: StudyFolder, run_ids: list[str]) -> pd.DataFrame:
    """Every evaluation of the given runs: ``run_id`` plus :data:`CURVE_COLUMNS`."""
    rows = []
    for run_id in run_ids:
        for metrics in study.run(run_id).read_metrics():
            rows.append({"run_id": run_id,
                         **{k: metrics.get(k, math.nan) for k in CURVE_COLUMNS}})
    return pd.DataFrame(rows, columns=["run_id", *CURVE_COLUMNS])


def fill_convergence(results: pd.DataFrame, curves: pd.DataFrame) -> pd.DataFrame:
    """``converged`` and ``late_drop`` from the curves where a summary lacks them (runs made
    before summaries recorded them), by the same rule the loop uses."""
    results = results.copy()
    for column in ("converged", "late_drop"):
        if column not in results:
            results[column] = None
    missing = results["converged"].isna()
    for index in results.index[missing]:
        run = results.loc[index]
        curve = curves[curves.run_id == run.run_id]
        floor = curve["loss"] - curve["excess_loss"] if curve["excess_loss"].notna().all() \
            else 0.0
        noise = curve["excess_se"].fillna(curve["loss_se"])
        judged = convergence(curve["tokens"], curve["loss"], floor=floor, noise=noise,
                             early_stopped=run.status == "early_stopped")
        results.loc[index, ["converged", "late_drop"]] = [judged.converged, judged.late_drop]
    results["converged"] = results["converged"].astype(bool)
    results["late_drop"] = results["late_drop"].astype(bool)
    return results


def require_runs(results: pd.DataFrame, study: StudyFolder) -> None:
    """Raise when a study has no finished run to analyse."""
    if results.empty:
        raise ConfigError(f"no finished runs under {study.runs}")
