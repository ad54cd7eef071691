"""Collect run folders into one results table (one row per finished run), saved as parquet."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from regscale.training.run_store import RunFolder, atomic_write_bytes

SUMMARY_COLUMNS = ("run_id", "status", "language", "arch", "size", "context",
                   "non_embedding_params", "total_params", "dataset_tokens", "steps", "tokens",
                   "flops", "flops_per_token", "wall_seconds", "tokens_per_second", "loss",
                   "optimal_loss", "excess_loss", "excess_bits", "bits_per_token", "accuracy",
                   "valid_mass", "acceptance", "entropy_rate_nats")


def collect(root: Path) -> pd.DataFrame:
    """One row per finished run under ``root/runs``: summary fields, complexity, run config."""
    rows = []
    for folder in sorted((root / "runs").glob("*")):
        summary = RunFolder(folder).read_summary() if folder.is_dir() else None
        if summary is None:
            continue
        row: dict[str, Any] = {k: summary.get(k) for k in SUMMARY_COLUMNS}
        row.update({f"complexity_{k}": v for k, v in summary.get("complexity", {}).items()})
        config = json.loads((folder / "config.json").read_text())
        row.update(seed=config["data"]["seed"], lr=config["optim"]["lr"],
                   policy=config["language"]["policy"]["name"],
                   init_from=config.get("init_from"))
        rows.append(row)
    return pd.DataFrame(rows)


def write_results(root: Path, table: pd.DataFrame) -> Path:
    """Write ``results.parquet`` (and a CSV beside it) atomically; returns the parquet path."""
    path = root / "results.parquet"
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    atomic_write_bytes(path, buffer.getvalue())
    atomic_write_bytes(root / "results.csv", table.to_csv(index=False).encode())
    return path
