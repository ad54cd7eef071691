"""Length generalisation as a figure: excess over the exact floor, valid mass and acceptance by
length bin, one line per run (:mod:`regscale.training.length_generalisation`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from regscale.errors import StorageError


def length_figure(runs: dict[str, list[dict[str, Any]]], path: Path, *, title: str) -> Path:
    """``runs``: label -> the rows of one run's ``length_generalisation``."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for label, rows in runs.items():
        centres = [(r["bin_low"] + r["bin_high"]) / 2 for r in rows]
        axes[0].errorbar(centres, [r["excess_nats"] for r in rows],
                         yerr=[r["excess_se_nats"] for r in rows], marker="o", ms=4, capsize=3,
                         label=label)
        axes[1].plot(centres, [r["valid_mass"] for r in rows], "o-", ms=4, label=label)
        axes[2].errorbar(centres, [r["acceptance"] for r in rows],
                         yerr=[r["acceptance_se"] for r in rows], marker="o", ms=4, capsize=3,
                         label=label)
    limit = next(iter(runs.values()))[0]["bin_high"] if runs else 0
    for ax, ylabel in zip(axes, ["excess over the exact floor (nats/token)",
                                 "valid mass", "acceptance of samples in the bin"], strict=True):
        ax.axvline(limit, color="grey", lw=0.8, ls=":")  # the longest training string
        ax.set(xlabel="string length (bin centre; dotted: longest trained)", ylabel=ylabel)
    axes[0].axhline(0, color="black", lw=0.6)
    axes[0].set_title(title, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise StorageError(f"could not write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
    return path
