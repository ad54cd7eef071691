"""Learning curves: every evaluation of every run, so a reader sees whether runs converged and
where a model learned in a sudden drop.

For a study: one panel per language, excess loss over the exact floor (regular languages) or
bits per byte (natural ones) against tokens seen, log axes, colour by model size N, line style
by architecture; runs that did not converge are drawn thin. For one run (``regscale train
--png``): eval loss, train loss and the exact floor against tokens, and the excess loss.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from regscale.errors import StorageError

LINE_STYLES = {"gpt": "-", "lstm": "--", "transformer_xl": ":"}
"""Line style per architecture; colour is the model size."""

MIN_EXCESS = 1e-5
"""Excess losses at or below 0 are drawn here on log axes (nats/token)."""


def _quantity(curve: pd.DataFrame) -> tuple[pd.Series, str]:
    """Excess loss where the floor is known, else bits per byte."""
    if curve["excess_loss"].notna().any():
        return curve["excess_loss"].clip(lower=MIN_EXCESS), "excess loss (nats/token)"
    return curve["bits_per_byte"], "bits per byte"


def study_curves(results: pd.DataFrame, curves: pd.DataFrame, path: Path, *,
                 title: str = "Learning curves") -> Path:
    """One panel per language: every run's curve (thin: did not converge)."""
    languages = sorted(results["language"].unique())
    cols = min(4, len(languages))
    rows = math.ceil(len(languages) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols + 1.2, 3.4 * rows + 0.6),
                             squeeze=False, layout="constrained")
    sizes = np.log10(results["non_embedding_params"].astype(float))
    norm = plt.Normalize(sizes.min(), max(sizes.max(), sizes.min() + 1e-9))
    cmap = plt.get_cmap("viridis")
    for ax, language in zip(axes.flat, languages, strict=False):
        runs = results[results["language"] == language].sort_values("non_embedding_params")
        label = ""
        for run in runs.itertuples():
            curve = curves[curves["run_id"] == run.run_id].sort_values("tokens")
            if curve.empty:
                continue
            values, label = _quantity(curve)
            converged = bool(getattr(run, "converged", True)) if not pd.isna(
                getattr(run, "converged", True)) else True
            ax.plot(curve["tokens"], values, LINE_STYLES.get(run.arch, "-"),
                    color=cmap(norm(math.log10(run.non_embedding_params))),
                    lw=1.2 if converged else 0.5, alpha=0.9 if converged else 0.6)
        ax.set(xscale="log", yscale="log", title=language[:40], xlabel="tokens seen",
               ylabel=label)
        ax.tick_params(which="both", labelsize=7)
    for ax in list(axes.flat)[len(languages):]:
        ax.set_axis_off()
    handles = [plt.Line2D([], [], color="black", ls=style, label=arch)
               for arch, style in LINE_STYLES.items() if arch in set(results["arch"])]
    handles.append(plt.Line2D([], [], color="grey", lw=0.5, label="not converged"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8)
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=list(axes.flat),
                 label="log10 N (non-embedding parameters)", shrink=0.8)
    fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_curves(rows: list[dict[str, Any]], path: Path, *, title: str) -> Path:
    """One run: losses and the exact floor against tokens, and the excess loss (log-log)."""
    curve = pd.DataFrame(rows)
    exact = "optimal_loss" in curve
    fig, axes = plt.subplots(1, 2 if exact else 1, figsize=(10 if exact else 5.5, 3.8),
                             squeeze=False)
    ax = axes[0, 0]
    ax.plot(curve["tokens"], curve["loss"], "o-", ms=3, label="eval loss")
    if "train_loss" in curve:
        ax.plot(curve["tokens"], curve["train_loss"], "-", lw=0.8, label="train loss")
    if exact:
        ax.plot(curve["tokens"], curve["optimal_loss"], ":", color="black",
                label="exact floor (Bayes-optimal)")
    ax.set(xscale="log", xlabel="tokens seen", ylabel="loss (nats/token)", title=title)
    ax.legend(fontsize=8)
    if exact:
        ax = axes[0, 1]
        ax.plot(curve["tokens"], curve["excess_loss"].clip(lower=MIN_EXCESS), "o-", ms=3)
        ax.set(xscale="log", yscale="log", xlabel="tokens seen",
               ylabel="excess loss (nats/token)", title="excess over the exact floor")
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise StorageError(f"could not write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return path
