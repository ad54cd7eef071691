"""``regscale transfer``: pre-train on a source, fine-tune and train from scratch on targets."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click
import pandas as pd

from regscale.analysis.matrix_time import estimate_matrix
from regscale.analysis.transfer import TransferAnalysis, analyse_transfer
from regscale.analysis.transfer_matrix import analyse_matrix
from regscale.analysis.transfer_plan import (
    ASSUMED,
    TARGET_HALF_WIDTH,
    design_line,
    plan_transfer_design,
)
from regscale.cli.executor_options import executor_from, executor_options
from regscale.cli.run_fields import parse_sets, set_option
from regscale.experiments.transfer import run_transfer
from regscale.experiments.transfer_config import TransferConfig, load_transfer
from regscale.experiments.transfer_matrix import matrix_studies, run_matrix
from regscale.report.tables import markdown_table
from regscale.report.transfer_matrix import write_matrix_report
from regscale.report.transfer_report import write_transfer_report
from regscale.store import StudyFolder
from regscale.threads import available_cores


def print_transfer(analysis: TransferAnalysis, files: dict[str, Path]) -> None:
    """The headline tables of a transfer study, then every file written."""
    summary = analysis.summary
    if len(summary.medians):
        click.echo(markdown_table(summary.medians, ("target", "runs", "median_ratio",
                                                    "median_ratio_low", "median_ratio_high",
                                                    "lower_bounds", "upper_bounds",
                                                    "still_improving")))
    if len(summary.comparisons):
        click.echo("")
        click.echo(markdown_table(summary.comparisons, ("measure", "target_a", "target_b",
                                                        "difference", "low", "high",
                                                        "verdict")))
    if len(analysis.fits):
        click.echo("")
        click.echo(markdown_table(analysis.fits, ("target", "k", "alpha", "alpha_low",
                                                  "alpha_high", "beta", "beta_low", "beta_high",
                                                  "n_censored", "alpha_verdict",
                                                  "beta_verdict", "note")))
    if len(analysis.similarity):
        click.echo("")
        click.echo(markdown_table(analysis.similarity))
    click.echo("")
    for name, path in {**analysis.files, **files}.items():
        click.echo(f"{name}: {path}")


@click.command("transfer")
@click.option("--src", "source", default="en", show_default=True,
              help="Source language: a catalog name (en, de, ..., tomita3), regex:..., dfa:... "
                   "or a .toml path.")
@click.option("--tgt", "targets", multiple=True,
              help="Target language (repeatable); default: the study file's targets.")
@click.option("--preset", help="A preset of the study file: smoke (2 CPU cores) or gpu.")
@click.option("--study", default="transfer", show_default=True,
              help="Study file in experiments/ or a .toml path.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Study folder; default results/<study>-<src>[-<preset>]. Pre-trained models "
                   "in it are reused by later targets.")
@executor_options
@click.option("--device", help="Override the device of every run (auto, cpu, cuda).")
@set_option
@click.option("--report-only", is_flag=True, help="Only analyse an existing study folder.")
@click.option("--plan", is_flag=True,
              help="Train nothing: simulate the design and print the interval it can expect on "
                   "alpha and beta (noise and truth from the study folder's finished runs where "
                   "there are any).")
@click.option("--noise", type=click.FloatRange(min=0, min_open=True),
              help="--plan: loss noise of one run (nats/token); default: the median eval "
                   "standard error of the folder's scratch runs.")
@click.option("--assume", metavar="K,ALPHA,BETA",
              help="--plan: the transfer law to simulate, instead of the folder's fit or the "
                   "assumed default (k 300, alpha 0.18, beta 0.38).")
@click.option("--repeats", type=click.IntRange(min=10), default=100, show_default=True,
              help="--plan: simulated studies.")
@click.option("--matrix", is_flag=True,
              help="Every language given as an argument is the source of a study whose targets "
                   "are all the others (both directions of every pair); pre-trained models and "
                   "from-scratch runs are shared; ends in matrix figures and a pairs table.")
@click.argument("languages", nargs=-1)
def command(source: str, targets: tuple[str, ...], preset: str | None, study: str,
            out: Path | None, device: str | None, sets: tuple[str, ...], report_only: bool,
            plan: bool, noise: float | None, assume: str | None, repeats: int, matrix: bool,
            languages: tuple[str, ...], **run_options: Any) -> None:
    """Measure transfer: effective data transferred from SRC to each TGT.

    Pre-trains a model ladder on the source (natural sources on their Old Testament), then for
    every size and fine-tuning set size D_F trains on the target both from scratch and from the
    pre-trained weights, each to its best held-out loss. Fits D_T = k D_F^alpha N^beta per
    target, draws the figures and writes report.md. A killed study resumes when rerun.

    \b
    Examples:
      regscale transfer --src en --tgt de --preset smoke
      regscale transfer --src en --tgt de --tgt es --tgt zh --preset smoke
      regscale transfer --src tomita3 --tgt tomita5 --preset smoke
      regscale transfer --src en --tgt de --preset gpu --device cuda
      regscale transfer --src en --tgt de --preset gpu --plan --noise 0.01
      regscale transfer --matrix en de es fr ru zh ja --preset gpu --device cuda
      regscale transfer --matrix en de es zh --preset reference --plan --workers 2
      regscale transfer --matrix en de es zh --preset reference --workers 2
    """
    if languages and not matrix:
        raise click.UsageError("languages as arguments need --matrix; a single study takes "
                               "--src and --tgt")
    if matrix:
        run_matrix_command(list(languages), preset=preset, study=study, out=out, device=device,
                           sets=sets, report_only=report_only, plan=plan,
                           run_options=run_options)
        return
    overrides: dict[str, object] = {"source": source}
    if targets:
        overrides["targets"] = targets
    config = load_transfer(study, preset=preset, overrides=overrides,
                           run=run_fields(sets, device))
    root = out or Path("results") / config.name
    if plan:
        print_plan(config, root, noise=noise, assume=assume, repeats=repeats)
        return
    if not report_only:
        executor, options = executor_from(run_options)
        summaries = run_transfer(config, root, executor=executor, options=options,
                                 log=click.echo)
        click.echo(finished_line(f"transfer {config.name}", summaries, root))
    with StudyFolder(root).writing_tables():
        analysis = analyse_transfer(root)
        files = write_transfer_report(root, analysis)
    print_transfer(analysis, files)


def print_matrix_plan(studies: list[TransferConfig], run_options: dict[str, Any]) -> None:
    """The matrix's design, runs per phase and wall time measured here, at most."""
    _, options = executor_from(run_options)
    workers = options.workers or available_cores()
    click.echo(f"design of every study: {design_line(studies[0])}; budgets "
               f"{budget_line(studies[0])}")
    phases = estimate_matrix(studies, workers=workers, max_group=options.max_group)
    table = pd.DataFrame([{"phase": p.name, "runs": p.runs, "groups": p.groups,
                           "minutes": p.seconds / 60} for p in phases])
    click.echo(markdown_table(table))
    total = sum(p.seconds for p in phases) / 60
    click.echo(f"{int(table['runs'].sum())} runs: at most {total:.0f} minutes with {workers} "
               "worker(s), measured here (every run at its token cap; runs that stop early "
               "finish sooner)")


def budget_line(study: TransferConfig) -> str:
    """Each dataset size's token cap."""
    sizes = sorted(set(study.scratch_tokens) | set(study.finetune_tokens))
    return ", ".join(f"{d:.2g} -> {study.budget(d):.2g}".replace("e+0", "e") for d in sizes)


def run_fields(sets: tuple[str, ...], device: str | None) -> dict[str, Any]:
    """``--set`` fields, and ``--device`` as ``system.device``."""
    run = parse_sets(sets)
    if device:
        run["system.device"] = device
    return run


def finished_line(label: str, summaries: list[dict[str, Any]], root: Path) -> str:
    """How many runs finished and diverged, and where."""
    diverged = sum(s["status"] == "diverged" for s in summaries)
    return f"{label}: {len(summaries)} runs finished ({diverged} diverged) in {root}"


def print_plan(config: TransferConfig, root: Path, *, noise: float | None, assume: str | None,
               repeats: int) -> None:
    """Simulate the design; print the expected intervals and whether they meet the target."""
    truth = None
    if assume is not None:
        try:
            k, alpha, beta = (float(v) for v in assume.split(","))
        except ValueError:
            raise click.BadParameter(f"expected K,ALPHA,BETA, got {assume!r}",
                                     param_hint="--assume") from None
        truth = dataclasses.replace(ASSUMED, k=k, alpha=alpha, beta=beta)
    table = plan_transfer_design(config, root, noise=noise, truth=truth, repeats=repeats)
    click.echo(f"design of {config.name}: {design_line(config)}")
    click.echo(markdown_table(table, ("target", "truth", "k", "true_alpha", "true_beta", "noise",
                                      "noise_source", "alpha_median", "alpha_low", "alpha_high",
                                      "alpha_half_width", "beta_median", "beta_low",
                                      "beta_high", "beta_half_width", "failed_share",
                                      "censored_mean")))
    met = bool(table["alpha_identified"].all() and table["beta_identified"].all())
    click.echo(f"{'identifies' if met else 'does not identify'} alpha and beta to "
               f"+-{TARGET_HALF_WIDTH} (95%) for every target in {repeats} simulated studies")


def run_matrix_command(languages: list[str], *, preset: str | None, study: str, out: Path | None,
                       device: str | None, sets: tuple[str, ...], report_only: bool, plan: bool,
                       run_options: dict[str, Any]) -> None:
    """``--matrix``: run (unless report-only), analyse and report every source's study;
    with ``--plan``, only the measured wall-time estimate."""
    studies = matrix_studies(languages, study=study, preset=preset,
                             run=run_fields(sets, device))
    root = out or Path("results") / ("transfer-matrix" + (f"-{preset}" if preset else ""))
    if plan:
        print_matrix_plan(studies, run_options)
        return
    if not report_only:
        executor, options = executor_from(run_options)
        summaries = run_matrix(studies, root, executor=executor, options=options,
                               log=click.echo)
        click.echo(finished_line("transfer matrix", summaries, root))
    with StudyFolder(root).writing_tables():
        analysis = analyse_matrix(root, studies)
        files = write_matrix_report(root, analysis)
    click.echo(markdown_table(analysis.pairs, ("source", "target", "alpha", "alpha_low",
                                               "alpha_high", "alpha_verdict", "beta",
                                               "beta_verdict", "median_ratio",
                                               "median_ratio_low", "median_ratio_high",
                                               "bits_per_verse_finetuned")))
    click.echo("")
    for name, path in {**analysis.files, **files}.items():
        click.echo(f"{name}: {path}")
