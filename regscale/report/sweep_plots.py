"""The figures of a sweep, each a PNG, drawn from a :class:`~regscale.analysis.sweep.SweepAnalysis`
as it is: loss and excess loss against N, D and C per language (coloured by complexity), exponents
against complexity, and the compute-optimal frontier. Nothing here fits or selects points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from regscale.analysis.sweep import SweepAnalysis
from regscale.fits.complexity_map import at_floor
from regscale.fits.verdict import OK
from regscale.report.joint_plots import joint_exponents, learnability_map
from regscale.report.learning_curves import study_curves
from regscale.report.length_figures import length_figure
from regscale.store import StudyFolder

COLOR_BY = "complexity_entropy_rate_bits"
MARKERS = {"gpt": "o", "transformer_xl": "^", "lstm": "s"}
"""Marker per architecture; colour is the language's complexity."""

LEGEND_MAX = 12
"""A figure with more laws than this names none of them in its legend (colour: entropy)."""

FLOOR_LABEL = "at the floor (excess < 2 SE), on the axis"
NOT_A_LAW = "fit that is not a law (its verdict: fits/laws.csv)"


def _colors(laws: pd.DataFrame) -> tuple[dict[str, tuple[float, ...]], plt.cm.ScalarMappable]:
    values = laws.set_index("language")[COLOR_BY]
    norm = plt.Normalize(values.min(), values.max() if values.max() > values.min()
                         else values.min() + 1)
    mappable = plt.cm.ScalarMappable(norm=norm, cmap="viridis")
    return {lang: mappable.to_rgba(v) for lang, v in values.items()}, mappable


def _finish(fig: plt.Figure, ax: plt.Axes | np.ndarray, mappable: plt.cm.ScalarMappable,
            path: Path) -> Path:
    axes = list(np.atleast_1d(ax))
    fig.colorbar(mappable, ax=axes, label="entropy rate (bits/token)")
    seen: dict[str, Any] = {}
    for one in axes:
        one.margins(0.05)
        for handle, label in zip(*one.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    if seen:  # outside the axes, below them, so it never hides points
        many = len(seen) > 8
        fig.legend(list(seen.values()), list(seen), fontsize=6 if many else 7,
                   ncols=2 if many else 1, loc="upper left", bbox_to_anchor=(0.02, 0.0),
                   frameon=False)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _arch_panels(laws: pd.DataFrame, title: str) -> tuple[plt.Figure, dict[str, plt.Axes]]:
    """One panel per architecture, side by side."""
    archs = sorted(laws["arch"].unique()) if len(laws) else ["-"]
    fig, grid = plt.subplots(1, len(archs), figsize=(4.2 * len(archs) + 1.5, 4.5),
                             squeeze=False, sharey=True)
    fig.suptitle(title)
    panels = dict(zip(archs, grid[0], strict=True))
    for arch, ax in panels.items():
        ax.set_title(arch, fontsize=9)
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    return fig, panels


def _floor_marks(ax: plt.Axes, marks: list[tuple[float, Any, str]]) -> None:
    """Runs at the floor as markers on the bottom edge of a log axis (after the other data
    set the limits), never clipped to a made-up value."""
    if not marks:
        return
    bottom, top = ax.get_ylim()
    for i, (x, color, marker) in enumerate(marks):
        ax.scatter([x], [bottom], marker="v" if marker != "v" else "^", s=22,
                   facecolors="none", edgecolors=color, clip_on=False, zorder=5,
                   label=FLOOR_LABEL if i == 0 else None)
    ax.set_ylim(bottom, top)


def _of(table: pd.DataFrame, law: Any, axis: str) -> pd.DataFrame:
    """Rows of ``table`` for one law's language, architecture and axis."""
    if table.empty:
        return table
    rows = table[(table.language == law.language) & (table.arch == law.arch)
                 & (table.axis == axis)]
    return rows.sort_values("x")


def _fit(ax: plt.Axes, line: pd.DataFrame, color: Any, label: str | None, *,
         offset: float = 0.0, style: str = "-") -> None:
    """A fitted law: in colour when its verdict is ok, else dashed grey with the reason (with
    ``label`` None, one legend entry for all of them: too many laws to name)."""
    if line.empty:
        return
    verdict = str(line["verdict"].iloc[0])
    if verdict == "ok":
        ax.plot(line.x, offset + line.y, style, color=color, lw=1)
    else:
        ax.plot(line.x, offset + line.y, "--", color="grey", lw=0.7, alpha=0.8,
                label=f"{label}: {verdict}" if label else NOT_A_LAW)


def _points(ax: plt.Axes, points: pd.DataFrame, y: pd.Series, color: Any, marker: str,
            label: str | None, floor_marks: list[tuple[float, Any, str]] | None = None) -> None:
    """Points behind a fit, filled; points shown but left out, hollow; points at the floor
    into ``floor_marks`` where given (a log axis), else drawn hollow where they are."""
    used = points["used"].astype(bool).to_numpy()
    floor = points["at_floor"].astype(bool).to_numpy() if "at_floor" in points \
        else np.zeros(len(points), bool)
    if floor_marks is not None:
        floor_marks.extend((x, color, marker) for x in points.x[floor])
    else:
        floor = np.zeros(len(points), bool)
    ax.scatter(points.x[used], y[used], color=color, s=18, marker=marker, label=label)
    hollow = ~used & ~floor
    if hollow.any():
        ax.scatter(points.x[hollow], y[hollow], facecolors="none", edgecolors=color, s=18,
                   marker=marker)


def loss_vs_params(analysis: SweepAnalysis, path: Path) -> Path:
    """Loss against non-embedding parameters at the largest budget, the fits with the exact
    floor, and the floors."""
    colors, mappable = _colors(analysis.laws)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    named = len(analysis.laws) <= LEGEND_MAX
    for law in analysis.laws.itertuples():
        points, line = _of(analysis.points, law, "N"), _of(analysis.lines, law, "N")
        color = colors[law.language]
        label = f"{law.label} ({law.arch})"
        _points(ax, points, points.loss, color, MARKERS.get(law.arch, "o"),
                label if named else None)
        ax.axhline(law.floor, color=color, ls=":", lw=0.8)
        _fit(ax, line, color, label if named else None, offset=law.floor)
    ax.set(xscale="log", xlabel="non-embedding parameters N", ylabel="loss (nats/token)",
           title="Loss vs N, best over budgets (hollow: not converged; dotted: exact floor)")
    return _finish(fig, ax, mappable, path)


def _excess_against(analysis: SweepAnalysis, axis: str, path: Path, *, xlabel: str,
                    title: str) -> Path:
    """Excess loss against one axis's x (log-log), one panel per architecture: the points
    behind each law and the law; runs at the floor as marks on the axis."""
    colors, mappable = _colors(analysis.laws)
    fig, panels = _arch_panels(analysis.laws, title)
    named = len(analysis.laws) <= LEGEND_MAX
    marks: dict[str, list[tuple[float, Any, str]]] = {arch: [] for arch in panels}
    for law in analysis.laws.itertuples():
        ax = panels[law.arch]
        points, line = _of(analysis.points, law, axis), _of(analysis.lines, law, axis)
        color = colors[law.language]
        _points(ax, points, points.excess, color, MARKERS.get(law.arch, "o"),
                _alpha_label(law, axis) if named else None, marks[law.arch])
        _fit(ax, line, color, f"{law.label} ({law.arch})" if named else None)
    for arch, ax in panels.items():
        ax.set(xscale="log", yscale="log", xlabel=xlabel)
        _floor_marks(ax, marks[arch])
    next(iter(panels.values())).set_ylabel("excess loss (nats/token)")
    return _finish(fig, np.array(list(panels.values())), mappable, path)


def excess_vs_params(analysis: SweepAnalysis, path: Path) -> Path:
    """Excess loss over the exact optimum against N, with the power-law fits."""
    return _excess_against(analysis, "N", path, xlabel="non-embedding parameters N",
                           title="Excess loss over the Bayes optimum vs N "
                                 "(grey dashed: not a law)")


def excess_vs_data(analysis: SweepAnalysis, path: Path) -> Path:
    """Excess loss against data (tokens seen, or dataset size D) for the largest model."""
    finite_any = analysis.results.dataset_tokens.notna().any()
    return _excess_against(analysis, "D", path,
                           xlabel="dataset size D (tokens)" if finite_any else "tokens seen D",
                           title="Excess loss vs data, largest model")


def loss_vs_compute(analysis: SweepAnalysis, path: Path) -> Path:
    """Excess loss against training compute, one panel per architecture: every run, each
    language's frontier and its power-law fit; runs at the floor as marks on the axis."""
    colors, mappable = _colors(analysis.laws)
    results = analysis.results
    fig, panels = _arch_panels(analysis.laws, "Excess loss vs compute (solid: frontier, "
                                              "dash-dot: ok fit, grey dashed: not a law)")
    named = len(analysis.laws) <= LEGEND_MAX
    marks: dict[str, list[tuple[float, Any, str]]] = {arch: [] for arch in panels}
    for law in analysis.laws.itertuples():
        ax, marker = panels[law.arch], MARKERS.get(law.arch, "o")
        runs = results[(results.language == law.language) & (results.arch == law.arch)]
        front, line = _of(analysis.points, law, "C"), _of(analysis.lines, law, "C")
        color = colors[law.language]
        floor = at_floor(runs).to_numpy(bool)
        ax.scatter(runs.flops[~floor], (runs.loss - law.floor)[~floor], color=color, s=10,
                   alpha=0.5, marker=marker)
        marks[law.arch].extend((x, color, marker) for x in runs.flops[floor])
        above = front[~front["at_floor"].astype(bool)] if len(front) else front
        ax.plot(above.x, above.excess, color=color, lw=1.2,
                label=_alpha_label(law, "C", "frontier") if named else None)
        _fit(ax, line, color, f"{law.label} ({law.arch})" if named else None,
             style="-.")
    for arch, ax in panels.items():
        ax.set(xscale="log", yscale="log", xlabel="training compute C (FLOPs)")
        _floor_marks(ax, marks[arch])
    next(iter(panels.values())).set_ylabel("excess loss (nats/token)")
    return _finish(fig, np.array(list(panels.values())), mappable, path)


def _alpha_label(law: Any, axis: str, what: str = "points") -> str:
    """The exponent and its interval for an ok law; a law that is not ok gives no number."""
    alpha = getattr(law, f"alpha_{axis}", np.nan)
    if getattr(law, f"alpha_{axis}_verdict", "") != OK or pd.isna(alpha):
        return f"{law.label} ({law.arch}): {what}, no ok law"
    low, high = getattr(law, f"alpha_{axis}_low"), getattr(law, f"alpha_{axis}_high")
    return f"{law.label} ({law.arch}): alpha_{axis}={alpha:.2f} [{low:.2f}, {high:.2f}]"


def exponent_vs_complexity(analysis: SweepAnalysis, path: Path) -> Path:
    """The N and C exponents with verdict ok (bars: 95% bootstrap intervals) against three
    complexity measures, one colour per architecture, with the complexity map's lines."""
    measures = [("states", "minimal-DFA states", True),
                ("entropy_rate_bits", "entropy rate (bits/token)", False),
                ("topological_entropy_bits", "topological entropy (bits)", False)]
    laws, regression = analysis.laws, analysis.regression
    fig, grid = plt.subplots(2, 3, figsize=(12, 7), squeeze=False)
    for axes, axis in zip(grid, ("N", "C"), strict=True):
        verdict = f"alpha_{axis}_verdict"
        data = laws[laws[verdict] == "ok"] if verdict in laws else laws.iloc[:0]
        for (arch, group), color in zip(data.groupby("arch"), plt.cm.tab10.colors,
                                        strict=False):
            for ax, (measure, label, log_x) in zip(axes, measures, strict=True):
                _exponents(ax, group, regression, axis, arch, measure, color)
                ax.set(xlabel=label, xscale="log" if log_x else "linear")
        axes[0].set_ylabel(f"alpha_{axis} ({len(data)} of {len(laws)} ok)")
        if data.empty:
            axes[1].text(0.5, 0.5, f"no alpha_{axis} has verdict ok", ha="center",
                         va="center", transform=axes[1].transAxes)
        for ax in axes:
            ax.margins(0.08)
            ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    fig.suptitle("Do exponents change with complexity? Size (top) and compute (bottom) laws "
                 "with verdict ok\nlines: the per-language screen's regressions (dotted grey: "
                 "the slope's 95% interval includes 0); the joint model: joint_exponents.png")
    fig.tight_layout()
    seen: dict[str, Any] = {}
    for ax in grid.ravel():
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    if seen:  # below the panels: a legend never hides a point
        fig.legend(list(seen.values()), list(seen), fontsize=7, ncols=2, loc="upper left",
                   bbox_to_anchor=(0.02, 0.0), frameon=False)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _exponents(ax: plt.Axes, group: pd.DataFrame, regression: pd.DataFrame, axis: str,
               arch: str, measure: str, color: Any) -> None:
    """One architecture's exponents against one measure, and its regression line."""
    column, alpha = f"complexity_{measure}", f"alpha_{axis}"
    errors = np.abs(np.stack([group[alpha] - group[f"{alpha}_low"],
                              group[f"{alpha}_high"] - group[alpha]]).astype(float))
    ax.errorbar(group[column], group[alpha], yerr=errors, fmt="o", ms=4, capsize=2,
                color=color, label=arch, alpha=0.8)
    for row in group.itertuples() if len(group) <= LEGEND_MAX else ():
        ax.annotate(row.label, (getattr(row, column), getattr(row, alpha)), fontsize=6,
                    xytext=(3, 3), textcoords="offset points")
    fit = regression[(regression.arch == arch) & (regression.target == alpha)
                     & (regression.measure == measure)] if len(regression) else regression
    if len(fit):  # solid only where the slope's 95% interval excludes 0
        xs = np.linspace(group[column].min(), group[column].max(), 20)
        row = fit.iloc[0]
        resolved = row.slope_low > 0 or row.slope_high < 0
        ax.plot(xs, row.intercept + row.slope * xs, "-" if resolved else ":",
                lw=1 if resolved else 0.8, color=color if resolved else "grey",
                label=None if resolved else f"{arch} alpha_{axis} on {measure}: slope not "
                                            f"resolved (p {row.p_value:.2g})")


def compute_optimal(analysis: SweepAnalysis, path: Path) -> Path:
    """Model size on the compute frontier against compute, and Chinchilla's N_opt(C) line."""
    colors, mappable = _colors(analysis.laws)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for law in analysis.laws.itertuples():
        front, line = _of(analysis.points, law, "C"), _of(analysis.lines, law, "N_opt")
        color = colors[law.language]
        ax.plot(front.x, front.N, "o-", color=color, ms=3, lw=0.8, label=law.label)
        ax.plot(line.x, line.y, "--", color=color, lw=0.8)
    ax.set(xscale="log", yscale="log", xlabel="training compute C (FLOPs)",
           ylabel="N on the frontier", title="Compute-optimal model size "
           "(dashed: Chinchilla N_opt(C), drawn only from an ok fit)")
    return _finish(fig, ax, mappable, path)


def sweep_figures(analysis: SweepAnalysis, study: StudyFolder) -> list[Path]:
    """Draw every figure into the study's ``figures/``."""
    return [study_curves(analysis.results, analysis.curves, study.figure("learning_curves")),
            loss_vs_params(analysis, study.figure("loss_vs_params")),
            excess_vs_params(analysis, study.figure("excess_vs_params")),
            excess_vs_data(analysis, study.figure("excess_vs_data")),
            loss_vs_compute(analysis, study.figure("loss_vs_compute")),
            exponent_vs_complexity(analysis, study.figure("exponent_vs_complexity")),
            compute_optimal(analysis, study.figure("compute_optimal")),
            joint_exponents(analysis, study.figure("joint_exponents")),
            learnability_map(analysis, study.figure("learnability")),
            *length_figures(analysis, study)]


def length_figures(analysis: SweepAnalysis, study: StudyFolder) -> list[Path]:
    """One length-generalisation figure per language, a line per run, where the sweep trained
    on short strings."""
    out: list[Path] = []
    lengths = analysis.lengths
    if not len(lengths):
        return out
    for number, (language, group) in enumerate(lengths.groupby("language", sort=True)):
        runs = {f"{arch} {size}": rows.sort_values("bin_low").to_dict("records")
                for (arch, size), rows in group.groupby(["arch", "size"], sort=True)}
        name = "length_generalisation" if lengths["language"].nunique() == 1 else \
            f"length_generalisation_{number}"
        out.append(length_figure(runs, study.figure(name), title=f"{language}: trained on "
                                 f"|w| <= {int(group['trained_max_length'].iloc[0])}"))
    return out
