"""``regscale sweep --plan``: design checks against their definitions, a measured time, and the
warnings a confounded design must raise."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from regscale.analysis.sweep_plan import plan_sweep
from regscale.cli.app import cli
from regscale.experiments.sweep_config import load_sweep
from regscale.experiments.time_estimate import StepCost, makespan
from regscale.fits.collinearity import variance_inflation


def test_the_factorial_preset_separates_its_factors() -> None:
    """The issue's definition of done, from the shipped preset."""
    plan = plan_sweep(load_sweep("complexity", preset="factorial"), workers=2, max_group=None,
                      measure=False)
    vif = plan.vif
    assert vif.loc["states + transitions/state"].dropna().max() < 2.5
    assert vif.loc["+ entropy rate"].dropna().max() < 5
    assert plan.cells["automata"].min() >= 3
    assert not plan.warnings
    columns = ["log2_states", "log2_transitions_per_state", "entropy_rate_bits"]
    expected = variance_inflation(plan.design[columns])
    assert np.allclose(vif.loc["+ entropy rate", columns].to_numpy(float), expected.to_numpy())
    half = plan.half_widths.set_index("term")["half_width"]
    assert half["alpha:log2_states"] > 0 and half["alpha:log2_transitions_per_state"] > 0


def test_a_design_with_t_equal_3n_and_one_automaton_per_cell_is_warned_of(
        tmp_path: Path) -> None:
    path = tmp_path / "confounded.toml"
    languages = [f"dfa:n={n},t={3 * n},f={max(1, n // 4)},k=4,seed=0" for n in (4, 8, 16, 32)]
    path.write_text(f"languages = {languages}\nsizes = ['pico']\ntokens = [1e4]\n")
    plan = plan_sweep(load_sweep(str(path)), workers=1, max_group=None, measure=False)
    assert any("one automaton" in w for w in plan.warnings)
    assert plan.design["log2_transitions_per_state"].nunique() == 1  # t/n is constant: no axis


def test_timing_probes_train_and_the_cli_prints_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "tiny.toml"
    path.write_text('archs = ["gpt"]\nsizes = ["pico"]\ntokens = [2e4]\nseeds = [0, 1]\n'
                    'batch_size = 8\ncontext = 16\neval_every = 40\neval_rows = 8\n'
                    'eval_samples = 0\n[design]\nstates = [4, 8]\n'
                    'transitions_per_state = [1.5, 2.5]\nautomata = 2\n')
    result = CliRunner().invoke(cli, ["sweep", str(path), "--plan", "--workers", "1"])
    assert result.exit_code == 0, result.output
    for section in ("## Correlation of the regressors", "## Variance inflation",
                    "## Automata per cell", "## Estimated wall time", "with 1 worker(s)"):
        assert section in result.output
    plan = plan_sweep(load_sweep(str(path)), workers=1, max_group=1)
    assert plan.phases[-1].runs == 16 and plan.phases[-1].groups == 16
    assert 0 < plan.minutes < 10
    assert not list(tmp_path.glob("results"))  # nothing trained into a study folder


def test_group_cost_counts_start_steps_and_evaluations() -> None:
    cost = StepCost(step=0.01, evaluation=0.5, start=2.0)
    assert math.isclose(cost.group_seconds(250, 100), 2.0 + 2.5 + 3 * 0.5)


def test_makespan_is_within_four_thirds_of_the_optimum() -> None:
    rng = np.random.default_rng(0)
    for _ in range(30):
        costs = list(rng.uniform(1, 10, rng.integers(1, 8)))
        best = min(max(sum(c for c, w in zip(costs, assign, strict=True) if w == k)
                       for k in range(2))
                   for assign in itertools.product(range(2), repeat=len(costs)))
        span = makespan(costs, 2)
        assert best - 1e-9 <= span <= 4 / 3 * best + 1e-9
