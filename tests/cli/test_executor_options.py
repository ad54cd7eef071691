"""The executor options shared by ``regscale sweep`` and ``regscale transfer``."""

from __future__ import annotations

from typing import Any

import click
from click.testing import CliRunner

from regscale.cli.app import cli
from regscale.cli.executor_options import executor_from, executor_options
from regscale.experiments.executors import ExecutorOptions


def test_options_parse_into_executor_options() -> None:
    seen: list[tuple[str, ExecutorOptions]] = []

    @click.command()
    @executor_options
    def probe(**options: Any) -> None:
        seen.append(executor_from(options))
        assert not options  # every executor option was taken out

    result = CliRunner().invoke(probe, ["--executor", "slurm", "--slurm-partition", "gpu",
                                        "--slurm-time", "30", "--gpus-per-run", "1",
                                        "--max-retries", "0", "--cpus-per-run", "4"])
    assert result.exit_code == 0, result.output
    executor, options = seen[0]
    assert executor == "slurm"
    assert options == ExecutorOptions(cpus_per_run=4.0, gpus_per_run=1.0, max_retries=0,
                                      slurm_partition="gpu", slurm_time_min=30)


def test_sweep_and_transfer_offer_the_same_executor_options() -> None:
    for name in ("sweep", "transfer"):
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        flags = {flag for p in command.params for flag in getattr(p, "opts", [])}
        assert {"--executor", "--workers", "--address", "--cpus-per-run", "--gpus-per-run",
                "--max-retries", "--slurm-partition", "--slurm-time", "--slurm-cluster",
                "--log"} <= flags
