"""From run folders to conclusions: collect, fit, regress on complexity, draw, report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from regscale.errors import ConfigError
from regscale.experiments.collect import collect, write_results
from regscale.fits.complexity_map import complexity_regression, fit_language_laws
from regscale.report.markdown import write_report
from regscale.report.plots import all_figures
from regscale.training.run_store import atomic_write_bytes


@dataclass(frozen=True)
class Analysis:
    """Tables and files of one sweep folder's analysis."""

    results: pd.DataFrame  # one row per finished run
    laws: pd.DataFrame  # one row per (language, arch)
    regression: pd.DataFrame  # exponents and prefactors against complexity
    files: dict[str, Path]  # name -> written file


def fit_sweep(root: Path) -> Analysis:
    """Collect ``root/runs`` into ``results.parquet`` and fit the laws (CSV under fits/)."""
    results = collect(root)
    if results.empty:
        raise ConfigError(f"no finished runs under {root / 'runs'}")
    files = {"results": write_results(root, results)}
    laws = fit_language_laws(results)
    regression = complexity_regression(laws)
    for name, table in (("laws", laws), ("regression", regression)):
        path = root / "fits" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, table.to_csv(index=False).encode())
        files[name] = path
    return Analysis(results=results, laws=laws, regression=regression, files=files)


def report_sweep(root: Path) -> Analysis:
    """:func:`fit_sweep`, then the figures (``figures/*.png``) and ``report.md``."""
    analysis = fit_sweep(root)
    figures = all_figures(analysis.results, analysis.laws, root / "figures")
    report = write_report(root, analysis.results, analysis.laws, analysis.regression, figures)
    files = {**analysis.files, **{p.stem: p for p in figures}, "report": report}
    return Analysis(results=analysis.results, laws=analysis.laws,
                    regression=analysis.regression, files=files)
