"""Live metrics: TensorBoard event files, read back with TensorBoard's own reader, hold every
evaluation of a run and of a sweep's runs; unknown sinks are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from regscale.errors import ConfigError
from regscale.experiments.executors import ExecutorOptions
from regscale.experiments.sweep import run_sweep
from regscale.experiments.sweep_config import load_sweep
from regscale.store import RunFolder
from regscale.training.live_metrics import open_sinks
from regscale.training.loop import train
from tests.experiments.tiny_sweep import write_tiny
from tests.training.helpers import small_run


def scalars(folder: Path, tag: str) -> list[tuple[int, float]]:
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator",
        reason="TensorBoard is not installed (pip install '.[live]')")
    reader = event_accumulator.EventAccumulator(str(folder / "tensorboard"))
    reader.Reload()
    return [(event.step, event.value) for event in reader.Scalars(tag)]


def test_every_evaluation_is_a_scalar_against_tokens(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard", reason="TensorBoard is not installed (pip install "
                        "'.[live]')")
    config = small_run("tomita3", tokens=8_000, every=4, samples=0)
    train(config, tmp_path / "run", progress=False, live=("tensorboard",))
    rows = RunFolder(tmp_path / "run").read_metrics()
    logged = scalars(tmp_path / "run", "eval/excess_loss")
    assert [step for step, _ in logged] == [r["tokens"] for r in rows]
    assert [value for _, value in logged] == pytest.approx([r["excess_loss"] for r in rows],
                                                          rel=1e-6)


def test_a_sweep_logs_each_run_from_its_worker(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard", reason="TensorBoard is not installed (pip install "
                        "'.[live]')")
    sweep = load_sweep(str(write_tiny(tmp_path)))  # 8 runs: a pool of two workers
    out = tmp_path / "out"
    run_sweep(sweep, out, options=ExecutorOptions(workers=2, live=("tensorboard",)),
              log=lambda _: None)
    for folder in (out / "runs").iterdir():
        rows = RunFolder(folder).read_metrics()
        assert len(scalars(folder, "eval/loss")) == len(rows) > 0


def test_an_unknown_sink_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown --log"):
        open_sinks(("wandb",), tmp_path, "title")
