"""Learning rate per size: the selection picks the known best, and a sweep with ``lrs`` tunes
first, then runs its grid at each (language, arch, size)'s best rate."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.analysis.sweep import analyse_sweep
from regscale.errors import ConfigError
from regscale.experiments.lr_tuning import grid_edges, select_learning_rates, tuning_runs
from regscale.experiments.sweep import run_sweep
from regscale.experiments.sweep_config import load_sweep
from tests.experiments.tiny_sweep import TINY, write_tiny

LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]


@settings(max_examples=30, deadline=None)
@given(best=st.sampled_from(LRS), size=st.sampled_from(["nano", "micro"]),
       diverged=st.sets(st.sampled_from(LRS)))
def test_selection_picks_the_known_best_on_a_toy_grid(best: float, size: str,
                                                      diverged: set[float]) -> None:
    """Loss is a bowl in log lr with its minimum at ``best``; diverged runs never win."""
    rows = []
    for lr in LRS:
        status = "diverged" if lr in diverged and lr != best else "completed"
        loss = math.nan if status == "diverged" else 1.0 + (math.log10(lr / best)) ** 2
        rows.append({"language": "L", "arch": "gpt", "size": size, "lr": lr, "loss": loss,
                     "status": status})
    rows.append({"language": "L", "arch": "lstm", "size": size, "lr": 1e-2, "loss": 0.5,
                 "status": "completed"})
    chosen = select_learning_rates(pd.DataFrame(rows))
    assert chosen == {("L", "gpt", size): best, ("L", "lstm", size): 1e-2}


@settings(max_examples=30, deadline=None)
@given(grid=st.lists(st.sampled_from(LRS), min_size=1, max_size=5, unique=True),
       data=st.data())
def test_a_choice_at_the_grid_edge_is_marked(grid: list[float], data: st.DataObject) -> None:
    """Exactly the chosen row is marked, and only when it is the grid's min or max."""
    best = data.draw(st.sampled_from(grid))
    table = pd.DataFrame([{"language": "L", "arch": "gpt", "size": "nano", "lr": lr,
                           "loss": 1.0 + math.log10(lr / best) ** 2, "status": "completed"}
                          for lr in grid])
    edges = grid_edges(table, select_learning_rates(table))
    for lr, edge in zip(grid, edges, strict=True):
        if lr != best or len(grid) < 2:
            assert edge == ""
        else:
            assert edge == ("lowest" if lr == min(grid) else "highest" if lr == max(grid)
                            else "")


def test_every_tuning_run_diverged_is_an_error() -> None:
    table = pd.DataFrame([{"language": "L", "arch": "gpt", "size": "nano", "lr": 1.0,
                           "loss": math.nan, "status": "diverged"}])
    with pytest.raises(ValueError, match="every tuning run"):
        select_learning_rates(table)


def test_a_sweep_tunes_then_runs_its_grid_at_the_chosen_rates(tmp_path: Path) -> None:
    text = TINY.split("[presets.one]")[0].replace('"dfa:n=4,t=7,f=2,k=2,seed=0"', "")
    text = text.replace('languages = ["a_star_b", ]', 'languages = ["a_star_b"]')
    text += "lrs = [1e-6, 1e-2]\ntuning_tokens = 2048\n"
    sweep = load_sweep(str(write_tiny(tmp_path, text)))
    summaries = run_sweep(sweep, tmp_path / "out", log=lambda _: None)
    assert len(summaries) == 4  # the grid: 2 sizes x 2 budgets
    analysis = analyse_sweep(tmp_path / "out")
    tuning = analysis.tuning.set_index(["size", "lr"])
    for size in ("nano", "micro"):  # 1e-6 barely moves the weights: 1e-2 must win
        assert tuning.loc[(size, 1e-2), "chosen"] and not tuning.loc[(size, 1e-6), "chosen"]
        assert tuning.loc[(size, 1e-2), "loss"] < tuning.loc[(size, 1e-6), "loss"]
        assert tuning.loc[(size, 1e-2), "edge"] == "highest"  # the best may lie beyond
    assert set(analysis.results.lr) == {1e-2} and len(analysis.results) == 4
    assert (tmp_path / "out" / "fits" / "learning_rates.csv").is_file()


def test_lrs_need_a_tuning_budget(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tuning_tokens"):
        load_sweep(str(write_tiny(tmp_path, TINY.split("[presets.one]")[0] + "lrs = [1e-3]\n")))


def test_a_grid_per_architecture_tunes_each_at_its_own_rates(tmp_path: Path) -> None:
    text = TINY.split("[presets.one]")[0].replace('archs = ["gpt"]', 'archs = ["gpt", "lstm"]')
    text += "tuning_tokens = 2048\n[lrs]\ngpt = [1e-3, 3e-3]\nlstm = [1e-2, 3e-2, 1e-1]\n"
    sweep = load_sweep(str(write_tiny(tmp_path, text)))
    runs = tuning_runs(sweep.run_configs(), sweep.lrs_for, 2048)
    rates: dict[str, set[float]] = {}
    for run in runs:
        rates.setdefault(run.model.arch, set()).add(run.optim.lr)
    assert rates == {"gpt": {1e-3, 3e-3}, "lstm": {1e-2, 3e-2, 1e-1}}
    assert len(runs) == 2 * 2 * (2 + 3)  # languages x sizes x rates of each arch


@pytest.mark.parametrize("grid", ["[lrs]\ngpt = [1e-3]\n",
                                  "[lrs]\ngpt = [1e-3]\nlstm = [1e-2]\nrnn = [1e-2]\n",
                                  "[lrs]\ngpt = [1e-3]\nlstm = []\n"])
def test_a_grid_per_architecture_must_match_the_archs(tmp_path: Path, grid: str) -> None:
    text = TINY.split("[presets.one]")[0].replace('archs = ["gpt"]', 'archs = ["gpt", "lstm"]')
    with pytest.raises(ConfigError, match="'lrs'"):
        load_sweep(str(write_tiny(tmp_path, text + "tuning_tokens = 2048\n" + grid)))
