"""The training loop: near-optimal learning, exact references, run folders, failures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from regscale.errors import ConfigError
from regscale.models.registry import MODELS
from regscale.store import RunFolder
from regscale.training.loop import train
from regscale.training.run_config import RunConfig, run_config_from_dict
from tests.training.helpers import small_run

METRIC_KEYS = {"step", "tokens", "flops", "lr", "train_loss", "loss", "loss_se",
               "bits_per_token", "optimal_loss", "excess_loss", "excess_se", "excess_bits",
               "accuracy", "valid_mass", "wall_seconds", "tokens_per_second"}


def test_tiny_gpt_on_a_star_b_is_within_005_bits_of_optimal(tmp_path: Path) -> None:
    summary = train(small_run(), tmp_path / "run", progress=False)
    assert summary["status"] == "completed"
    assert summary["excess_bits"] < 0.05
    assert summary["acceptance"] > 0.9  # of the best model, measured once at the end
    assert 0 <= summary["acceptance_se"] < 0.06
    rows = RunFolder(tmp_path / "run").read_metrics()
    assert rows and all(set(r) >= METRIC_KEYS for r in rows)
    assert rows[-1]["tokens"] == summary["tokens"] >= 60_000


@pytest.mark.parametrize("arch", sorted(MODELS))
def test_eval_loss_is_never_below_the_exact_optimum(tmp_path: Path, arch: str) -> None:
    config = small_run("tomita3", arch=arch, tokens=80_000, every=25, samples=0)
    train(config, tmp_path / arch, progress=False)
    rows = RunFolder(tmp_path / arch).read_metrics()
    assert rows
    for row in rows:
        assert row["loss"] >= row["optimal_loss"] - 5e-3
        assert 0.0 <= row["valid_mass"] <= 1.0 + 1e-9
    assert rows[-1]["excess_loss"] < rows[0]["excess_loss"]


def test_config_round_trips_and_the_id_is_stable(tmp_path: Path) -> None:
    config = small_run("tomita3")
    again = run_config_from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config and again.run_id() == config.run_id()
    explicit = small_run("tomita5")  # an explicit-DFA language survives JSON too
    assert run_config_from_dict(json.loads(json.dumps(explicit.to_dict()))) == explicit
    assert small_run(tokens=1000).run_id() != config.run_id()


def test_finished_runs_are_returned_untouched(tmp_path: Path) -> None:
    config = small_run(tokens=4_000, every=2)
    first = train(config, tmp_path / "r", progress=False)
    stamp = (tmp_path / "r" / "summary.json").stat().st_mtime_ns
    assert train(config, tmp_path / "r", progress=False) == first
    assert (tmp_path / "r" / "summary.json").stat().st_mtime_ns == stamp


def test_finite_data_stops_early_at_the_best_eval(tmp_path: Path) -> None:
    config = small_run("tomita3", tokens=400_000, every=10, dataset_tokens=1_200,
                       samples=0)
    summary = train(config, tmp_path / "finite", progress=False)
    assert summary["status"] == "early_stopped"
    rows = RunFolder(tmp_path / "finite").read_metrics()
    assert summary["loss"] == min(r["loss"] for r in rows)
    assert summary["tokens"] < 400_000


def test_corrupt_and_mismatched_checkpoints_are_clear_errors(tmp_path: Path) -> None:
    config = small_run(tokens=4_000, every=2)
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "checkpoint.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError, match="corrupt checkpoint"):
        train(config, folder, progress=False)
    with pytest.raises(ConfigError, match="pass --resume"):
        train(config, folder, resume=False, progress=False)
    other = small_run(tokens=8_000, every=2)
    train(other, tmp_path / "other", progress=False)
    (folder / "checkpoint.pt").write_bytes((tmp_path / "other" / "checkpoint.pt").read_bytes())
    with pytest.raises(ConfigError, match="belongs to run"):
        train(config, folder, progress=False)


def test_nan_weights_mark_the_run_diverged(tmp_path: Path) -> None:
    base = small_run(tokens=4_000, every=2)
    train(base, tmp_path / "base", progress=False)
    state = torch.load(tmp_path / "base" / "best_model.pt", weights_only=True)
    state["model"] = {k: torch.full_like(v, math.nan) for k, v in state["model"].items()}
    torch.save(state, tmp_path / "nan.pt")
    config = RunConfig(**{**base.__dict__, "init_from": str(tmp_path / "nan.pt")})
    summary = train(config, tmp_path / "diverged", progress=False)
    assert summary["status"] == "diverged"
    assert "marked diverged" in summary["message"]
    assert RunFolder(tmp_path / "diverged").is_finished()


def test_fine_tuning_starts_from_given_weights(tmp_path: Path) -> None:
    pre = train(small_run(), tmp_path / "pre", progress=False)
    config = RunConfig(**{**small_run(tokens=1_024, every=1).__dict__,
                          "init_from": str(tmp_path / "pre" / "best_model.pt")})
    tuned = train(config, tmp_path / "tuned", progress=False)
    scratch = train(small_run(tokens=1_024, every=1), tmp_path / "scratch", progress=False)
    assert tuned["loss"] < scratch["loss"]
    assert tuned["loss"] < pre["loss"] + 0.05


def test_a_run_killed_before_its_first_checkpoint_writes_no_row_twice(tmp_path: Path) -> None:
    """Killed after its first evaluation row but before its first checkpoint, a run starts
    over: the stale row is dropped, not kept beside the new one."""
    config = small_run()
    straight = RunFolder(tmp_path / "straight")
    train(config, straight.path, progress=False)
    rows = straight.read_metrics()
    killed = RunFolder(tmp_path / "killed")
    killed.path.mkdir()
    killed.metrics.write_text(json.dumps(rows[0], sort_keys=True) + "\n")
    train(config, killed.path, progress=False)
    assert [r["step"] for r in killed.read_metrics()] == [r["step"] for r in rows]
