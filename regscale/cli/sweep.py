"""``regscale sweep``, ``collect``, ``fit`` and ``report``: grids of runs and what they show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from regscale.analysis.sweep import SweepAnalysis, analyse_sweep, collect_sweep
from regscale.analysis.sweep_plan import NOISE, plan_sweep
from regscale.analysis.transfer import analyse_transfer
from regscale.cli.executor_options import executor_from, executor_options
from regscale.cli.run_fields import parse_sets, set_option
from regscale.cli.transfer import print_transfer
from regscale.experiments.sweep import run_sweep
from regscale.experiments.sweep_config import load_sweep
from regscale.report.sweep_plan import format_plan
from regscale.report.sweep_report import verdict_summary, write_sweep_report
from regscale.report.tables import markdown_table
from regscale.report.transfer_report import write_transfer_report
from regscale.store import StudyFolder
from regscale.threads import available_cores

SHOWN = ("language", "arch", "complexity_states", "floor", "alpha_N", "alpha_N_low",
         "alpha_N_high", "alpha_N_verdict", "alpha_C", "alpha_C_verdict")


def print_sweep(analysis: SweepAnalysis, files: dict[str, Path]) -> None:
    """The headline tables of a sweep, then every file written."""
    if len(analysis.laws):
        click.echo(markdown_table(analysis.laws, SHOWN))
    if len(analysis.regression):  # the complexity map: exponents with verdict ok only
        click.echo("")
        click.echo(markdown_table(analysis.regression,
                                  ("arch", "target", "measure", "languages", "left_out",
                                   "slope", "slope_low", "slope_high", "p_value")))
    click.echo("")
    for name, path in {**analysis.files, **files}.items():
        click.echo(f"{name}: {path}")
    click.echo(verdict_summary(analysis.laws))


@click.command("sweep")
@click.argument("name")
@click.option("--preset", help="A preset of the sweep file, e.g. smoke (2 CPU cores) or gpu.")
@click.option("--language", "languages", multiple=True,
              help="Replace the sweep's languages (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Sweep folder; default results/<name>[-<preset>].")
@executor_options
@click.option("--device", help="Override the device of every run (auto, cpu, cuda).")
@set_option
@click.option("--no-report", is_flag=True, help="Run only; skip the fits, figures and report.")
@click.option("--plan", is_flag=True,
              help="Train nothing: print the design's complexity measures, their correlations "
                   "and variance inflation, automata per cell, the estimated wall time "
                   "(measured here) and the joint model's expected intervals.")
@click.option("--no-timing", is_flag=True, help="--plan: skip the timing probes.")
@click.option("--noise", type=click.FloatRange(min=0, min_open=True), default=NOISE,
              show_default=True,
              help="--plan: noise of the simulated studies, in log excess loss.")
def sweep_command(name: str, preset: str | None, languages: tuple[str, ...], out: Path | None,
                  device: str | None, sets: tuple[str, ...], no_report: bool, plan: bool,
                  no_timing: bool, noise: float, **run_options: Any) -> None:
    """Run a sweep (skipping finished runs), then fit, plot and report.

    NAME is a file in experiments/ (complexity, size, data) or a .toml path. A killed sweep
    rerun with the same command resumes where it stopped.

    \b
    Examples:
      regscale sweep complexity --preset smoke
      regscale sweep complexity --preset factorial --plan --workers 2
      regscale sweep size --language tomita5 --preset smoke
      regscale sweep data --language parity --device cuda
      regscale sweep size --preset smoke --set optim.lr=1e-3 --set eval.rows=128
      regscale sweep complexity --preset gpu --executor ray --address auto --gpus-per-run 1
      regscale sweep complexity --executor slurm --slurm-partition gpu --gpus-per-run 1
    """
    run = parse_sets(sets)
    if device:
        run["system.device"] = device
    sweep = load_sweep(name, preset=preset, run=run,
                       overrides={"languages": languages, "design": {}, "tuning_languages": ()}
                       if languages else None)
    root = out or Path("results") / sweep.name
    executor, options = executor_from(run_options)
    if plan:
        workers = options.workers or available_cores()
        click.echo(format_plan(plan_sweep(sweep, workers=workers, max_group=options.max_group,
                                          measure=not no_timing, noise=noise),
                                workers=workers))
        return
    summaries = run_sweep(sweep, root, executor=executor, options=options, log=click.echo)
    diverged = sum(s["status"] == "diverged" for s in summaries)
    click.echo(f"sweep {sweep.name}: {len(summaries)} runs finished ({diverged} diverged) "
               f"in {root}")
    if not no_report:
        with StudyFolder(root).writing_tables():  # one writer, if two sweeps share the folder
            analysis = analyse_sweep(root)
            files = write_sweep_report(root, analysis)
        print_sweep(analysis, files)


@click.command("collect")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
def collect_command(root: Path) -> None:
    """Collect a sweep's finished runs into ROOT/results.parquet (and .csv) and their learning
    curves into ROOT/curves.parquet; no fits.

    \b
    Example:
      regscale collect results/complexity-smoke
    """
    with StudyFolder(root).writing_tables():
        study, results, curves = collect_sweep(root)
    click.echo(f"{len(results)} runs -> {study.results}")
    click.echo(f"{len(curves)} evaluations -> {study.curves}")


@click.command("fit")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
def fit_command(root: Path) -> None:
    """Collect, fit scaling laws per language and regress exponents on complexity (CSV in
    ROOT/fits).

    \b
    Example:
      regscale fit results/complexity-smoke
    """
    with StudyFolder(root).writing_tables():
        analysis = analyse_sweep(root)
    print_sweep(analysis, {})


@click.command("report")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report_command(root: Path) -> None:
    """Collect, fit, draw ROOT/figures/*.png and write ROOT/report.md for a sweep folder or a
    transfer study folder.

    \b
    Examples:
      regscale report results/complexity-smoke
      regscale report results/transfer-en-smoke
    """
    study = StudyFolder(root)
    record = study.read_record()
    with study.writing_tables():
        if record is not None and record.kind == "transfer":
            transfer = analyse_transfer(root)
            files = write_transfer_report(root, transfer)
        else:
            analysis = analyse_sweep(root)
            files = write_sweep_report(root, analysis)
    if record is not None and record.kind == "transfer":
        print_transfer(transfer, files)
    else:
        print_sweep(analysis, files)
