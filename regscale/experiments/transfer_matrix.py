"""A transfer matrix: every language of a list as the source of a transfer study whose targets
are all the others, both directions of every pair.

The studies live under one root, one folder per source (``<root>/<source>/``), and share one
``<root>/runs/``: every study uses the vocabulary of the whole list, so a target's from-scratch
runs are the same runs in every study and are trained once, and each source's pre-trained ladder
is trained once and serves all its targets. A killed matrix resumes where it stopped. The
analysis is :func:`regscale.analysis.transfer_matrix.analyse_matrix`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from regscale.errors import ConfigError
from regscale.experiments.executors import ExecutorOptions
from regscale.experiments.transfer import run_transfer
from regscale.experiments.transfer_config import TransferConfig, load_transfer

RUNS = "runs"
"""The shared run folder under a matrix root."""


def matrix_studies(languages: list[str], *, study: str = "transfer", preset: str | None = None,
                   run: dict[str, Any] | None = None) -> list[TransferConfig]:
    """One study per source: the study file's settings, that source and every other language as
    a target (so every study has the same languages, hence the same vocabulary).

    Raises
    ------
    ConfigError
        Fewer than 2 languages, or a language named twice.
    """
    if len(languages) < 2 or len(set(languages)) < len(languages):
        raise ConfigError(f"a transfer matrix needs at least 2 distinct languages, got "
                          f"{' '.join(languages) or 'none'}")
    return [load_transfer(study, preset=preset, run=run, overrides={
        "source": source, "targets": tuple(t for t in languages if t != source)})
        for source in languages]


def run_matrix(studies: list[TransferConfig], root: Path, *, executor: str = "local",
               options: ExecutorOptions | None = None,
               log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run every study of the matrix under ``root`` (module docstring); all summaries."""
    summaries = []
    for number, study in enumerate(studies, 1):
        log(f"source {study.source} ({number} of {len(studies)})")
        summaries += run_transfer(study, root / folder_name(study.source), executor=executor,
                                  options=options, runs=root / RUNS, log=log)
    return summaries


def folder_name(language: str) -> str:
    """A folder name for a language spec (``dfa:n=4,...`` and ``.toml`` paths made safe)."""
    name = Path(language).stem if language.endswith(".toml") else language
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
