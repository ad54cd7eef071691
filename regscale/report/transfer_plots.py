"""The figures of a transfer study, each a PNG (after Hernandez et al. 2021, figures 1-3), drawn
from a :class:`~regscale.analysis.transfer.TransferAnalysis` as it is: loss against D_F for scratch
and fine-tuned runs with D_T marked; the fraction of effective data from fine-tuning, D_F / D_E,
against D_F; and loss against compute, scratch vs fine-tuned."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from regscale.analysis.transfer import TransferAnalysis
from regscale.report.learning_curves import study_curves
from regscale.store import StudyFolder


def _panels(n: int) -> tuple[plt.Figure, list[plt.Axes]]:
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n, 4), squeeze=False)
    return fig, list(axes[0])


def _colors(sizes: list[int]) -> dict[int, tuple[float, ...]]:
    cmap = plt.get_cmap("viridis")
    return {n: cmap(i / max(len(sizes) - 1, 1)) for i, n in enumerate(sorted(sizes))}


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def loss_vs_data(analysis: TransferAnalysis, path: Path) -> Path:
    """Loss against D_F per target: scratch runs (open circles, every seed) with the monotone
    curve that gives D_E (dashed) and the fitted law past it (dotted, extrapolation only), and
    fine-tuned runs (squares, the line through their seed means), with an arrow from D_F to D_E
    at each fine-tuned loss (its length is D_T)."""
    runs = analysis.results[analysis.results.role != "pretrain"]
    effective, lines = analysis.effective, analysis.scratch_lines
    targets = sorted(runs.target.unique())
    fig, axes = _panels(len(targets))
    colors = _colors(list(runs.N.unique()))
    for ax, target in zip(axes, targets, strict=True):
        for n, group in runs[runs.target == target].groupby("N"):
            color = colors[int(n)]
            scratch = group[group.role == "scratch"]
            tuned = group[group.role == "finetune"]
            ax.plot(scratch.D_F, scratch.loss, "o", color=color, mfc="none", ms=4)
            ax.plot(tuned.D_F, tuned.loss, "s", color=color, ms=4)
            means = tuned.groupby("D_F").loss.mean()
            ax.plot(means.index, means.to_numpy(), "-", color=color, label=f"fine-tuned N={n:,}")
            mine = lines[(lines.target == target) & (lines.N == n)]
            for kind, style in (("interpolated", "--"), ("extrapolated", ":")):
                line = mine[mine.kind == kind]
                ax.plot(line.D, line.loss, style, color=color, lw=1)
        if len(effective):
            for row in effective[effective.target == target].itertuples():
                if row.D_T > 0 and np.isfinite(row.D_E):
                    bound = bool(row.censored)
                    ax.annotate("", xy=(row.D_E, row.loss_finetuned),
                                xytext=(row.D_F, row.loss_finetuned),
                                arrowprops={"arrowstyle": "->", "color": "grey", "lw": 0.8,
                                            "ls": ":" if bound else "-"})
                    if bound:  # D_E is only known to lie beyond the largest scratch D
                        ax.plot(row.D_E, row.loss_finetuned, ">", color="grey", ms=5)
        ax.set(xscale="log", xlabel="fine-tuning tokens D_F", ylabel="eval loss (nats/token)",
               title=f"target {target}\nscratch o -- (dotted: extrapolated), fine-tuned s -;"
                     "\narrows: D_T (dotted >: at least)")
        ax.title.set_fontsize(9)
        ax.legend(fontsize=7)
    return _save(fig, path)


def fraction_vs_data(analysis: TransferAnalysis, path: Path) -> Path:
    """D_F / D_E against D_F per model size (the line through seed means of the geometric
    kind), one panel per target; bounds marked as bounds."""
    effective = analysis.effective
    targets = sorted(effective.target.unique()) if len(effective) else ["(no transfer)"]
    fig, axes = _panels(len(targets))
    colors = _colors(list(effective.N.unique()) if len(effective) else [0])
    for ax, target in zip(axes, targets, strict=True):
        for n, group in effective[effective.target == target].groupby("N") if len(
                effective) else []:
            color = colors[int(n)]
            means = np.exp(np.log(group.fraction_from_finetuning).groupby(group.D_F).mean())
            ax.plot(means.index, means.to_numpy(), "-", color=color, label=f"N={n:,}")
            lower = group["censored"].astype(bool)  # D_E at least: the fraction at most
            upper = group["upper_bound"].astype(bool)  # D_E at most: the fraction at least
            measured = ~lower & ~upper
            ax.plot(group.D_F[measured], group.fraction_from_finetuning[measured], "o",
                    color=color)
            ax.plot(group.D_F[lower], group.fraction_from_finetuning[lower], "v", color=color,
                    mfc="none")
            ax.plot(group.D_F[upper], group.fraction_from_finetuning[upper], "^", color=color,
                    mfc="none")
        ax.axhline(1.0, color="grey", lw=0.8, ls=":")
        ax.set(xscale="log", yscale="log", xlabel="fine-tuning tokens D_F", ylabel="D_F / D_E",
               title=f"target {target}\nshare of effective data from fine-tuning"
                     "\n(v: at most, ^: at least)")
        ax.title.set_fontsize(9)
        ax.legend(fontsize=7)
    return _save(fig, path)


def loss_vs_compute(analysis: TransferAnalysis, path: Path) -> Path:
    """Eval loss against training FLOPs at the largest D_F: scratch (dashed) and fine-tuned
    (solid, fine-tuning compute only), per size, one panel per target."""
    runs = analysis.results[analysis.results.role != "pretrain"]
    targets = sorted(runs.target.unique())
    fig, axes = _panels(len(targets))
    colors = _colors(list(runs.N.unique()))
    for ax, target in zip(axes, targets, strict=True):
        group = runs[runs.target == target]
        for row in group[group.D_F == group.D_F.max()].itertuples():
            curve = analysis.curves[analysis.curves.run_id == row.run_id]
            style = "-" if row.role == "finetune" else "--"
            ax.plot(curve.flops, curve.loss, style, color=colors[int(row.N)],
                    label=f"{row.role} N={row.N:,}")
        ax.set(xscale="log", xlabel="training FLOPs", ylabel="eval loss (nats/token)",
               title=f"target {target}, D_F={int(group.D_F.max()):,}")
        ax.legend(fontsize=7)
    return _save(fig, path)


def transfer_figures(analysis: TransferAnalysis, study: StudyFolder) -> list[Path]:
    """All transfer figures into the study's ``figures/``."""
    runs = analysis.results.rename(columns={"N": "non_embedding_params"})
    return [study_curves(runs, analysis.curves, study.figure("learning_curves"),
                         title="Learning curves (pre-training, scratch and fine-tuned runs)"),
            loss_vs_data(analysis, study.figure("transfer_loss_vs_data")),
            fraction_vs_data(analysis, study.figure("transfer_fraction")),
            loss_vs_compute(analysis, study.figure("transfer_compute"))]
