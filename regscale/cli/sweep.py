"""``regscale sweep``, ``collect``, ``fit`` and ``report``: grids of runs and what they show."""

from __future__ import annotations

from pathlib import Path

import click

from regscale.experiments.analysis import Analysis, fit_sweep, report_sweep
from regscale.experiments.executors import EXECUTORS, ExecutorOptions
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
@click.option("--executor", type=click.Choice(sorted(EXECUTORS)), default="local",
              show_default=True, help="local, ray (a Ray cluster) or slurm (submitit).")
@click.option("--workers", type=click.IntRange(min=1), help="local: parallel workers "
              "(default: one per GPU, 1 on CPU).")
@click.option("--address", help="ray: cluster address (default: start a local cluster).")
@click.option("--cpus-per-run", type=float, default=1.0, show_default=True)
@click.option("--gpus-per-run", type=float, default=0.0, show_default=True)
@click.option("--max-retries", type=click.IntRange(min=0), default=2, show_default=True,
              help="ray/slurm: retries of a run whose worker or job died (it resumes).")
@click.option("--slurm-partition", help="slurm: partition.")
@click.option("--slurm-time", type=click.IntRange(min=1), default=240, show_default=True,
              help="slurm: minutes per run.")
@click.option("--slurm-cluster", type=click.Choice(["slurm", "local"]),
              help="slurm: force SLURM, or run the jobs as local processes (testing).")
@click.option("--device", help="Override the device of every run (auto, cpu, cuda).")
@click.option("--no-report", is_flag=True, help="Run only; skip the fits, figures and report.")
def sweep_command(name: str, preset: str | None, languages: tuple[str, ...], out: Path | None,
                  executor: str, workers: int | None, address: str | None,
                  cpus_per_run: float, gpus_per_run: float, max_retries: int,
                  slurm_partition: str | None, slurm_time: int, slurm_cluster: str | None,
                  device: str | None, no_report: bool) -> None:
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
    options = ExecutorOptions(workers=workers, address=address, cpus_per_run=cpus_per_run,
                              gpus_per_run=gpus_per_run, max_retries=max_retries,
                              slurm_cluster=slurm_cluster, slurm_partition=slurm_partition,
                              slurm_time_min=slurm_time)
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
