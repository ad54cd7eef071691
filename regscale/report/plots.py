"""The figures of a sweep, each a PNG: loss and excess loss against N and C per language
(coloured by complexity), exponents against complexity, and the compute-optimal frontier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from regscale.fits.complexity_map import compute_frontier, data_axis

COLOR_BY = "complexity_entropy_rate_bits"
MARKERS = {"gpt": "o", "transformer_xl": "^", "lstm": "s"}
"""Marker per architecture; colour is the language's complexity."""


def _colors(laws: pd.DataFrame) -> tuple[dict[str, tuple[float, ...]], plt.cm.ScalarMappable]:
    values = laws.set_index("language")[COLOR_BY]
    norm = plt.Normalize(values.min(), values.max() if values.max() > values.min()
                         else values.min() + 1)
    mappable = plt.cm.ScalarMappable(norm=norm, cmap="viridis")
    return {lang: mappable.to_rgba(v) for lang, v in values.items()}, mappable


def _finish(fig: plt.Figure, ax: plt.Axes, mappable: plt.cm.ScalarMappable, path: Path) -> Path:
    fig.colorbar(mappable, ax=ax, label="entropy rate (bits/token)")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _runs_of(results: pd.DataFrame, law: Any) -> pd.DataFrame:
    """The runs behind one row of the laws table (one language, one architecture)."""
    return results[(results.language == law.language)
                   & (results.arch == law.arch)]


def _fitted_excess(law: Any, axis: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The known-floor fit ``(x0/x)^alpha`` of one axis (N, D or C) on a log grid spanning
    ``x``, or None where that axis had too few points to fit."""
    alpha = getattr(law, f"alpha_{axis}", np.nan)
    if np.isnan(alpha):
        return None
    grid = np.logspace(np.log10(np.min(x)), np.log10(np.max(x)), 50)
    return grid, np.exp(alpha * (getattr(law, f"log_x0_{axis}") - np.log(grid)))


def _at_largest_budget(group: pd.DataFrame) -> pd.DataFrame:
    budget = data_axis(group)
    return group[budget == budget.max()].sort_values("non_embedding_params")


def loss_vs_params(results: pd.DataFrame, laws: pd.DataFrame, path: Path) -> Path:
    """Loss against non-embedding parameters at the largest budget, the fits with the exact
    floor, and the floors."""
    colors, mappable = _colors(laws)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for law in laws.itertuples():
        group = _at_largest_budget(_runs_of(results, law))
        color = colors[law.language]
        ax.scatter(group.non_embedding_params, group.loss, color=color, s=18,
                   marker=MARKERS.get(law.arch, "o"), label=f"{law.language} ({law.arch})")
        ax.axhline(law.floor, color=color, ls=":", lw=0.8)
        if (fit := _fitted_excess(law, "N", group.non_embedding_params)) is not None:
            ax.plot(fit[0], law.floor + fit[1], color=color, lw=1)
    ax.set(xscale="log", xlabel="non-embedding parameters N", ylabel="loss (nats/token)",
           title="Loss vs N (lines: fits with the exact floor, dotted: the floor)")
    return _finish(fig, ax, mappable, path)


def excess_vs_params(results: pd.DataFrame, laws: pd.DataFrame, path: Path) -> Path:
    """Excess loss over the exact optimum against N, log-log, with power-law fits."""
    colors, mappable = _colors(laws)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for law in laws.itertuples():
        group = _at_largest_budget(_runs_of(results, law))
        color = colors[law.language]
        excess = (group.loss - law.floor).clip(lower=1e-6)
        label = f"{law.language} ({law.arch}): alpha_N={getattr(law, 'alpha_N', np.nan):.2f}"
        ax.scatter(group.non_embedding_params, excess, color=color, s=18, label=label,
                   marker=MARKERS.get(law.arch, "o"))
        if (fit := _fitted_excess(law, "N", group.non_embedding_params)) is not None:
            ax.plot(*fit, color=color, lw=1)
    ax.set(xscale="log", yscale="log", xlabel="non-embedding parameters N",
           ylabel="excess loss (nats/token)", title="Excess loss over the Bayes optimum vs N")
    return _finish(fig, ax, mappable, path)


def excess_vs_data(results: pd.DataFrame, laws: pd.DataFrame, path: Path) -> Path:
    """Excess loss against data (tokens seen, or dataset size D) for the largest model."""
    colors, mappable = _colors(laws)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for law in laws.itertuples():
        group = _runs_of(results, law)
        group = group[group.non_embedding_params == group.non_embedding_params.max()]
        data = data_axis(group).to_numpy(float)
        order = np.argsort(data)
        color = colors[law.language]
        excess = (group.loss.to_numpy(float) - law.floor).clip(min=1e-6)[order]
        ax.scatter(data[order], excess, color=color, s=18, marker=MARKERS.get(law.arch, "o"),
                   label=f"{law.language} ({law.arch}): "
                   f"alpha_D={getattr(law, 'alpha_D', np.nan):.2f}")
        if (fit := _fitted_excess(law, "D", data)) is not None:
            ax.plot(*fit, color=color, lw=1)
    finite_any = results.dataset_tokens.notna().any()
    ax.set(xscale="log", yscale="log",
           xlabel="dataset size D (tokens)" if finite_any else "tokens seen D",
           ylabel="excess loss (nats/token)", title="Excess loss vs data, largest model")
    return _finish(fig, ax, mappable, path)


def loss_vs_compute(results: pd.DataFrame, laws: pd.DataFrame, path: Path) -> Path:
    """Excess loss against training compute, every run, each language's frontier and its
    power-law fit (dashed)."""
    colors, mappable = _colors(laws)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for law in laws.itertuples():
        group = _runs_of(results, law)
        color = colors[law.language]
        excess = (group.loss - law.floor).clip(lower=1e-6).to_numpy()
        flops = group.flops.to_numpy(float)
        ax.scatter(flops, excess, color=color, s=10, alpha=0.5,
                   marker=MARKERS.get(law.arch, "o"))
        front = compute_frontier(flops, group.loss.to_numpy(float))
        ax.plot(flops[front], excess[front], color=color, lw=1.2,
                label=f"{law.language} ({law.arch}): "
                f"alpha_C={getattr(law, 'alpha_C', np.nan):.2f}")
        if (fit := _fitted_excess(law, "C", flops)) is not None:
            ax.plot(*fit, "--", color=color, lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="training compute C (FLOPs)",
           ylabel="excess loss (nats/token)",
           title="Excess loss vs compute (solid: frontier, dashed: power-law fit)")
    return _finish(fig, ax, mappable, path)


def short_name(language: str) -> str:
    """A label that fits a plot: ``dfa:n=8,t=14,f=3,k=2,seed=0`` -> ``dfa n8 t14``."""
    if language.startswith("dfa:"):
        parts = dict(p.split("=") for p in language[4:].split(",") if "=" in p)
        return f"dfa n{parts.get('n')} t{parts.get('t')}"
    return language.removeprefix("regex:")[:16]


def exponent_vs_complexity(laws: pd.DataFrame, path: Path) -> Path:
    """The N exponent (with its bootstrap interval) against three complexity measures, one
    colour per architecture, with least-squares lines."""
    measures = [("complexity_states", "minimal-DFA states", True),
                ("complexity_entropy_rate_bits", "entropy rate (bits/token)", False),
                ("complexity_topological_entropy_bits", "topological entropy (bits)", False)]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
    data = laws.dropna(subset=["alpha_N"]) if "alpha_N" in laws else laws.iloc[:0]
    for (arch, group), color in zip(data.groupby("arch"), plt.cm.tab10.colors, strict=False):
        for ax, (column, label, log_x) in zip(axes, measures, strict=True):
            errors = None
            if "alpha_N_low" in group:
                errors = np.abs(np.stack([group["alpha_N"] - group["alpha_N_low"],
                                          group["alpha_N_high"] - group["alpha_N"]])
                                .astype(float))
            ax.errorbar(group[column], group["alpha_N"], yerr=errors, fmt="o", ms=4,
                        capsize=2, color=color, label=arch, alpha=0.8)
            for row in group.itertuples():
                ax.annotate(short_name(row.language), (getattr(row, column), row.alpha_N),
                            fontsize=6, xytext=(3, 3), textcoords="offset points")
            if len(group) >= 2 and group[column].nunique() >= 2:
                slope, intercept = np.polyfit(group[column], group["alpha_N"], 1)
                xs = np.linspace(group[column].min(), group[column].max(), 20)
                ax.plot(xs, intercept + slope * xs, lw=1, color=color)
            ax.set(xlabel=label, xscale="log" if log_x else "linear")
            ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[0].set_ylabel("alpha_N (excess-loss exponent)")
    axes[0].legend(fontsize=8)
    fig.suptitle("Do exponents change with complexity? (bars: 95% bootstrap intervals)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def compute_optimal(results: pd.DataFrame, laws: pd.DataFrame, path: Path) -> Path:
    """Model size on the compute frontier against compute, and Chinchilla's N_opt(C) line."""
    colors, mappable = _colors(laws)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for law in laws.itertuples():
        group = _runs_of(results, law)
        flops = group.flops.to_numpy(float)
        front = compute_frontier(flops, group.loss.to_numpy(float))
        color = colors[law.language]
        ax.plot(flops[front], group.non_embedding_params.to_numpy(float)[front], "o-",
                color=color, ms=3, lw=0.8, label=law.language)
        if not np.isnan(getattr(law, "chinchilla_alpha", np.nan)):
            s = law.chinchilla_alpha + law.chinchilla_beta
            g = (law.chinchilla_alpha * law.chinchilla_A /
                 (law.chinchilla_beta * law.chinchilla_B)) ** (1 / s)
            c = np.logspace(np.log10(flops.min()), np.log10(flops.max()), 30)
            ax.plot(c, g * (c / 6) ** (law.chinchilla_beta / s), "--", color=color, lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="training compute C (FLOPs)",
           ylabel="N on the frontier", title="Compute-optimal model size "
           "(dashed: Chinchilla N_opt(C))")
    return _finish(fig, ax, mappable, path)


def all_figures(results: pd.DataFrame, laws: pd.DataFrame, folder: Path) -> list[Path]:
    """Draw every figure into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return [loss_vs_params(results, laws, folder / "loss_vs_params.png"),
            excess_vs_params(results, laws, folder / "excess_vs_params.png"),
            excess_vs_data(results, laws, folder / "excess_vs_data.png"),
            loss_vs_compute(results, laws, folder / "loss_vs_compute.png"),
            exponent_vs_complexity(laws, folder / "exponent_vs_complexity.png"),
            compute_optimal(results, laws, folder / "compute_optimal.png")]
