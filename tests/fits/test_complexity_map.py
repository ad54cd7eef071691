"""The complexity map on synthetic results with known laws: fits and regression recover them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regscale.fits.complexity_map import (
    COMPLEXITY_MEASURES,
    at_floor,
    axis_points,
    complexity_regression,
    compute_frontier,
    fit_language_laws,
)


def synthetic_results() -> pd.DataFrame:
    """Six languages: floor 0.5, excess (N0/N)^alpha with alpha = 0.1 + 0.01 * states,
    times 0.5% log-normal noise."""
    rng = np.random.default_rng(0)
    rows = []
    for states in (2, 4, 8, 16, 24, 32):
        alpha = 0.1 + 0.01 * states
        for n in np.logspace(3, 6.5, 8):
            for tokens in (1e5, 1e6):
                loss = 0.5 + (2e4 / n) ** alpha * np.exp(rng.normal(0, 0.005))
                row = {"language": f"L{states}", "arch": "gpt", "status": "completed",
                       "non_embedding_params": n, "tokens": tokens, "dataset_tokens": None,
                       "flops": 6 * n * tokens, "loss": loss, "optimal_loss": 0.5}
                row.update({m: float(states) for m in COMPLEXITY_MEASURES})
                rows.append(row)
    return pd.DataFrame(rows)


def test_laws_recover_each_languages_exponent_and_the_floor() -> None:
    laws = fit_language_laws(synthetic_results())
    assert len(laws) == 6
    for row in laws.itertuples():
        states = row.complexity_states
        assert row.alpha_N == pytest.approx(0.1 + 0.01 * states, abs=0.01)
        assert row.log_x0_N == pytest.approx(np.log(2e4), rel=0.1)
        assert row.E_N_free_minus_floor == pytest.approx(0.0, abs=0.1)
        assert row.alpha_N_low < row.alpha_N < row.alpha_N_high
    truth = 0.1 + 0.01 * laws["complexity_states"]
    covered = (laws["alpha_N_low"] <= truth) & (truth <= laws["alpha_N_high"])
    assert covered.sum() >= 5  # 95% intervals: most, not necessarily all, cover the truth


def test_regression_finds_the_slope_of_exponent_on_complexity() -> None:
    table = complexity_regression(fit_language_laws(synthetic_results()))
    row = table[(table.target == "alpha_N") & (table.measure == "states")].iloc[0]
    assert row.slope == pytest.approx(0.01, rel=0.1)
    assert row.slope_low <= 0.01 <= row.slope_high and row.slope_low > 0
    prefactor = table[(table.target == "log_x0_N") & (table.measure == "states")].iloc[0]
    assert prefactor.slope_low <= 0.0 <= prefactor.slope_high  # only the exponent moves


def test_diverged_runs_are_left_out() -> None:
    results = synthetic_results()
    results.loc[0, "status"] = "diverged"
    results.loc[0, "loss"] = np.nan
    laws = fit_language_laws(results)
    assert laws.loc[laws.language == "L2", "runs"].item() == 15


def test_compute_frontier_is_the_lower_envelope() -> None:
    flops = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    loss = np.array([5.0, 6.0, 4.0, 4.5, 3.0])
    assert compute_frontier(flops, loss).tolist() == [0, 2, 4]


def test_chinchilla_verdict_names_each_failing_exponent_and_why() -> None:
    """Budgets over one decade: beta cannot be judged, and the bootstrap is skipped for both."""
    for verdict in fit_language_laws(synthetic_results())["chinchilla_verdict"]:
        assert verdict.startswith("poorly determined: alpha: ")
        assert "; beta: 1 decades of x" in verdict and verdict.endswith("1.5 decades)")


def test_chinchilla_verdict_is_ok_for_a_law_the_grid_supports() -> None:
    """L = 0.5 + 300 / N^0.35 + 2000 / D^0.3 over 2.5 decades of N and 2 of D, 0.5% noise."""
    rng = np.random.default_rng(1)
    rows = []
    for n in np.logspace(3, 5.5, 6):
        for tokens in np.logspace(5, 7, 5):
            loss = (0.5 + 300 / n**0.35 + 2000 / tokens**0.3) * np.exp(rng.normal(0, 0.005))
            row = {"language": "L", "arch": "gpt", "status": "completed",
                   "non_embedding_params": n, "tokens": tokens, "dataset_tokens": None,
                   "flops": 6 * n * tokens, "loss": loss, "optimal_loss": 0.5}
            row.update({m: 4.0 for m in COMPLEXITY_MEASURES})
            rows.append(row)
    law = fit_language_laws(pd.DataFrame(rows)).iloc[0]
    assert law["chinchilla_verdict"] == "ok"
    assert law["chinchilla_alpha_low"] <= 0.35 <= law["chinchilla_alpha_high"]
    assert law["chinchilla_beta_low"] <= 0.3 <= law["chinchilla_beta_high"]


def test_runs_at_the_floor_are_counted_and_left_out_of_the_fits() -> None:
    """The largest model of L2 reaches the floor (excess within 2 standard errors of 0): it is
    marked, left out of L(N), and L(N) is the fit of the other sizes, not a law pulled towards
    a clipped 1e-6."""
    results = synthetic_results()
    results["excess_loss"] = results["loss"] - results["optimal_loss"]
    results["excess_se"] = 1e-4
    top = (results["language"] == "L2") & (results["non_embedding_params"]
                                            == results["non_embedding_params"].max())
    results.loc[top, "loss"] = 0.5 + 1e-5
    results.loc[top, "excess_loss"] = 1e-5
    assert at_floor(results).sum() == top.sum()
    group = results[results["language"] == "L2"]
    points = axis_points(group)["N"]
    assert points["at_floor"].sum() == 1 and not points.loc[points["at_floor"], "used"].any()
    law = fit_language_laws(results).set_index("language").loc["L2"]
    assert law["at_floor_N"] == 1 and law["left_out_N"] == "1 at the floor"
    kept = group[~top]
    reference = fit_language_laws(kept).iloc[0]
    assert law["alpha_N"] == pytest.approx(reference["alpha_N"], rel=1e-9)
    assert law["alpha_N"] == pytest.approx(0.12, abs=0.01)
