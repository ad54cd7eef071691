"""``regscale sweep``, ``collect``, ``fit`` and ``report``: grids of runs and what they show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from regscale.cli.executor_options import executor_from, executor_options
from regscale.experiments.analysis import Analysis, fit_sweep, report_sweep
from regscale.experiments.sweep import run_sweep
from regscale.experiments.sweep_config import load_sweep
from regscale.report.markdown import markdown_table

SHOWN = ("language", "arch", "complexity_states", "complexity_entropy_rate_bits", "floor",
         "alpha_N", "alpha_N_free", "E_N_free_minus_floor", "alpha_C")


def _print_analysis(analysis: Analysis) -> None:
    click.echo(markdown_table(analysis.laws, SHOWN))
    if len(analysis.regression):
        click.echo("")
        click.echo(markdown_table(analysis.regression[analysis.regression.target == "alpha_N"],
                                  ("arch", "target", "measure", "languages", "slope", "slope_low",
                                   "slope_high", "p_value")))
    click.echo("")
    for name, path in analysis.files.items():
        click.echo(f"{name}: {path}")


@click.command("sweep")
@click.argument("name")
@click.option("--preset", help="A preset of the sweep file, e.g. smoke (2 CPU cores) or gpu.")
@click.option("--language", "languages", multiple=True,
              help="Replace the sweep's languages (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Sweep folder; default results/<name>[-<preset>].")
@executor_options
@click.option("--device", help="Override the device of every run (auto, cpu, cuda).")
@click.option("--no-report", is_flag=True, help="Run only; skip the fits, figures and report.")
def sweep_command(name: str, preset: str | None, languages: tuple[str, ...], out: Path | None,
                  device: str | None, no_report: bool, **run_options: Any) -> None:
    """Run a sweep (skipping finished runs), then fit, plot and report.

    NAME is a file in experiments/ (complexity, size, data) or a .toml path. A killed sweep
    rerun with the same command resumes where it stopped.

    \b
    Examples:
      regscale sweep complexity --preset smoke
      regscale sweep size --language tomita5 --preset smoke
      regscale sweep data --language parity --device cuda
      regscale sweep complexity --preset gpu --executor ray --address auto --gpus-per-run 1
      regscale sweep complexity --executor slurm --slurm-partition gpu --gpus-per-run 1
    """
    overrides: dict[str, object] = {}
    if languages:
        overrides["languages"] = languages
    if device:
        overrides["device"] = device
    sweep = load_sweep(name, preset=preset, overrides=overrides)
    root = out or Path("results") / sweep.name
    executor, options = executor_from(run_options)
    summaries = run_sweep(sweep, root, executor=executor, options=options, log=click.echo)
    diverged = sum(s["status"] == "diverged" for s in summaries)
    click.echo(f"sweep {sweep.name}: {len(summaries)} runs finished ({diverged} diverged) "
               f"in {root}")
    if not no_report:
        _print_analysis(report_sweep(root))


@click.command("collect")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
def collect_command(root: Path) -> None:
    """Merge a sweep's run folders into ROOT/results.parquet (and .csv).

    \b
    Example:
      regscale collect results/complexity-smoke
    """
    analysis = fit_sweep(root)
    click.echo(f"{len(analysis.results)} runs -> {analysis.files['results']}")


@click.command("fit")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
def fit_command(root: Path) -> None:
    """Fit scaling laws per language and regress exponents on complexity (CSV in ROOT/fits).

    \b
    Example:
      regscale fit results/complexity-smoke
    """
    _print_analysis(fit_sweep(root))


@click.command("report")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report_command(root: Path) -> None:
    """Fits, figures (ROOT/figures/*.png) and ROOT/report.md for a sweep folder.

    \b
    Example:
      regscale report results/complexity-smoke
    """
    _print_analysis(report_sweep(root))
