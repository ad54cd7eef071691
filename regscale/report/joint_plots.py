"""Figures of the joint model and of learnability, drawn from a
:class:`~regscale.analysis.sweep.SweepAnalysis` as it is."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import matplotlib.lines

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from regscale.analysis.sweep import SweepAnalysis
from regscale.fits.joint_model import RESOLVED

ARCH_COLORS = {"gpt": "tab:blue", "transformer_xl": "tab:orange", "lstm": "tab:green"}


def joint_exponents(analysis: SweepAnalysis, path: Path) -> Path:
    """How the exponent moves per unit of each complexity regressor: each architecture's
    ``alpha:m`` with its 95% cluster-bootstrap interval, one panel per axis; filled where
    resolved, hollow where not (interval includes 0, or a leave-one-automaton-out refit flips
    the sign)."""
    table = analysis.joint.coefficients
    axes_present = [a for a in ("C", "N", "D") if len(table) and (table["axis"] == a).any()]
    fig, grid = plt.subplots(1, max(len(axes_present), 1), figsize=(4.6 * max(
        len(axes_present), 1), 3.8), squeeze=False, sharey=True)
    for ax, axis in zip(grid[0], axes_present, strict=False):
        rows = table[(table["axis"] == axis) & table["term"].str.startswith("alpha:")]
        terms = sorted(rows["term"].unique())
        archs = sorted(rows["arch"].unique())
        for k, arch in enumerate(archs):
            mine = rows[rows["arch"] == arch].set_index("term")
            offset = (k - (len(archs) - 1) / 2) * 0.22
            for i, term in enumerate(terms):
                if term not in mine.index:
                    continue
                row = mine.loc[term]
                y = i + offset
                color = ARCH_COLORS.get(arch, "grey")
                resolved = row["status"] == RESOLVED
                ax.plot([row["low"], row["high"]], [y, y], color=color, lw=1.2)
                ax.scatter([row["estimate"]], [y], color=color if resolved else "white",
                           edgecolors=color, zorder=3, s=28)
        ax.axvline(0, color="black", lw=0.7)
        ax.set_yticks(range(len(terms)), [t.removeprefix("alpha:") for t in terms],
                      fontsize=8)
        ax.set_ylim(-0.6, len(terms) - 0.4)
        ax.margins(x=0.1)
        ax.set(xlabel=f"change of alpha_{axis} per unit", title=f"axis {axis}")
    if not axes_present:
        grid[0][0].text(0.5, 0.5, "no joint model: no complexity measure varies",
                        ha="center", va="center", transform=grid[0][0].transAxes)
    archs_drawn = sorted(table["arch"].unique()) if len(table) else []
    handles = [matplotlib.lines.Line2D([], [], color=ARCH_COLORS.get(a, "grey"), marker="o")
               for a in archs_drawn]
    if handles:
        fig.legend(handles, archs_drawn, loc="upper left", bbox_to_anchor=(0.02, 0.0), ncols=3,
                   frameon=False, fontsize=8, title="filled: resolved; hollow: not resolved")
    fig.suptitle("Does the exponent move with complexity? Joint-model terms, 95% cluster-"
                 "bootstrap intervals over automata", fontsize=10)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def learnability_map(analysis: SweepAnalysis, path: Path) -> Path:
    """Per architecture (rows) and size (columns), the states x transitions-per-state grid of
    Kaplan-Meier median tokens to learn (colour, log10), with ``learned/languages`` in each
    cell; a cell whose median is only a lower bound is hatched and says ``>``."""
    cells = analysis.learnability.cells
    archs = sorted(cells["arch"].unique()) if len(cells) else []
    sizes = [s for s in ("pico", "nano", "micro", "tiny", "mini", "small", "medium", "large")
             if len(cells) and s in set(cells["size"])]
    sizes += sorted(set(cells["size"]) - set(sizes)) if len(cells) else []
    fig, grid = plt.subplots(max(len(archs), 1), max(len(sizes), 1),
                             figsize=(3.0 * max(len(sizes), 1) + 1, 3.0 * max(len(archs), 1)),
                             squeeze=False, gridspec_kw={"hspace": 0.45})
    if not len(cells):
        grid[0][0].text(0.5, 0.5, "no regular language", ha="center", va="center")
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
        return path
    low = math.log10(cells["median_tokens"].min())
    high = math.log10(cells["median_tokens"].max())
    norm = plt.Normalize(low, high if high > low else low + 1)
    states = sorted(cells["states"].unique())
    ratios = sorted(cells["transitions_per_state"].unique())
    for r, arch in enumerate(archs):
        for c, size in enumerate(sizes):
            ax = grid[r][c]
            mine = cells[(cells["arch"] == arch) & (cells["size"] == size)]
            image = np.full((len(ratios), len(states)), np.nan)
            for row in mine.itertuples():
                i, j = ratios.index(row.transitions_per_state), states.index(row.states)
                image[i, j] = math.log10(row.median_tokens)
                bound = bool(row.median_is_lower_bound)
                ax.text(j, i, f"{'>' if bound else ''}{row.median_tokens:.0e}\n"
                        f"{row.learned}/{row.languages}", ha="center", va="center",
                        fontsize=6, color="white" if norm(image[i, j]) < 0.5 else "black")
                if bound:
                    ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False,
                                               hatch="///", edgecolor="grey", lw=0))
            ax.imshow(image, origin="lower", cmap="viridis", norm=norm, aspect="auto")
            ax.set_xticks(range(len(states)), [str(int(s)) for s in states], fontsize=7)
            ax.set_yticks(range(len(ratios)), [f"{x:g}" for x in ratios], fontsize=7)
            ax.set_title(f"{arch} {size}", fontsize=8)
            if r == len(archs) - 1:
                ax.set_xlabel("states", fontsize=8)
            if c == 0:
                ax.set_ylabel("transitions / state", fontsize=8)
    mappable = plt.cm.ScalarMappable(norm=norm, cmap="viridis")
    fig.colorbar(mappable, ax=grid.ravel().tolist(), label="log10 median tokens to learn")
    fig.suptitle("Tokens to learn (excess < 10% of the unigram model's), Kaplan-Meier median "
                 "per cell; hatched '>': half or more never learned (a lower bound)",
                 fontsize=9)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path

