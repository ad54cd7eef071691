"""Censoring-aware summaries of transfer recover what was simulated where the naive ones do
not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.fits.transfer_summary import (
    censored_location,
    kaplan_meier_location,
    naive_median,
    resample_within,
    target_effects,
    trend,
)


def censor(y: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values above ``high`` become lower bounds at ``high``, below ``low`` upper bounds."""
    lower, upper = y > high, y < low
    return np.clip(y, low, high), lower, upper


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), mu=st.floats(-1.0, 1.0))
def test_censored_medians_recover_the_truth_where_the_naive_one_does_not(seed: int,
                                                                          mu: float) -> None:
    """Half the runs beyond the scratch range, as in the committed study: their bounds taken
    as values pull the naive median towards the bound; the censored estimates do not move."""
    rng = np.random.default_rng(seed)
    y = rng.normal(mu, 1.0, 2000)
    high = mu  # every value above the median is only known to exceed it
    values, lower, upper = censor(y, -np.inf, high)
    assert lower.mean() == pytest.approx(0.5, abs=0.08)
    assert censored_location(values, lower, upper) == pytest.approx(mu, abs=0.2)
    km, kind = kaplan_meier_location(values, lower, upper)
    assert kind in ("median", "lower bound")
    assert km == pytest.approx(mu, abs=0.2)
    shifted, lower2, upper2 = censor(y, -np.inf, mu - 0.3)  # most censored: still unbiased
    assert censored_location(shifted, lower2, upper2) == pytest.approx(mu, abs=0.25)
    assert naive_median(shifted) < mu - 0.25  # the bias the re-analysis found


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_bounds_both_ways(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(0.5, 1.0, 2000)
    values, lower, upper = censor(y, 0.0, 1.2)
    assert lower.any() and upper.any()
    assert censored_location(values, lower, upper) == pytest.approx(0.5, abs=0.2)
    assert kaplan_meier_location(values, lower, upper)[1] == "bounds both ways"
    values, lower, upper = censor(y, 0.6, np.inf)  # upper bounds only: Kaplan-Meier of -y
    km, kind = kaplan_meier_location(values, lower, upper)
    assert kind in ("median", "upper bound") and km == pytest.approx(0.5, abs=0.25)


def matched_cells(rng: np.random.Generator, effects: dict[str, float], *, seeds: int = 3,
                  slope_n: float = 0.0, slope_d: float = 0.0, noise: float = 0.2,
                  cap: float = np.inf) -> pd.DataFrame:
    """log(D_E / D_F) per target, N, D_F and seed: target effect + cell effect + noise, with
    values above ``cap`` lower bounds (as beyond the largest scratch run)."""
    rows = []
    for target, effect in effects.items():
        for n in (1e3, 1e4, 1e5):
            for d_f in (5e2, 5e3, 5e4, 5e5):
                for seed in range(seeds):
                    y = (effect - slope_n * math.log(n / 1e4) - slope_d * math.log(d_f / 5e3)
                         + rng.normal(0, noise))
                    rows.append({"target": target, "N": n, "D_F": d_f, "seed": seed,
                                 "log_ratio": min(y, cap), "censored": y > cap,
                                 "upper_bound": False})
    return pd.DataFrame(rows)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_target_effects_recover_differences_at_matched_cells(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = matched_cells(rng, {"de": 1.5, "es": 1.0, "zh": -0.5}, noise=0.1, cap=1.55)
    assert frame["censored"].any()
    effects = target_effects(frame, ["de", "es", "zh"])
    assert effects["de"] - effects["es"] == pytest.approx(0.5, abs=0.15)
    assert effects["es"] - effects["zh"] == pytest.approx(1.5, abs=0.15)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), slope_n=st.floats(-0.5, 0.5), slope_d=st.floats(-0.5, 0.5))
def test_a_target_effect_is_its_mean_over_the_cells(seed: int, slope_n: float,
                                                     slope_d: float) -> None:
    """Not the value at one reference cell: the sign of an effect says whether transfer helps
    on average over the design (here mean log(N/1e4) is 0 and mean log(D_F/5e3) is ln(10)/2)."""
    frame = matched_cells(np.random.default_rng(seed), {"de": 1.0, "zh": -0.4}, noise=0.1,
                          slope_n=slope_n, slope_d=slope_d)
    effects = target_effects(frame, ["de", "zh"])
    shift = slope_d * np.mean([math.log(d / 5e3) for d in (5e2, 5e3, 5e4, 5e5)])
    # 36 runs per target at noise 0.1: standard error about 0.02
    assert effects["de"] == pytest.approx(1.0 - shift, abs=0.1)
    assert effects["zh"] == pytest.approx(-0.4 - shift, abs=0.1)


def test_a_cell_of_bounds_only_is_left_out_of_the_comparison() -> None:
    frame = matched_cells(np.random.default_rng(0), {"de": 1.0, "es": 0.0}, noise=0.1)
    cell = (frame["N"] == 1e5) & (frame["D_F"] == 5e5)
    frame.loc[cell, "censored"] = True  # nothing measured there
    effects = target_effects(frame, ["de", "es"])
    assert effects["de"] - effects["es"] == pytest.approx(1.0, abs=0.1)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), slope_n=st.floats(-0.5, 0.5), slope_d=st.floats(-0.5, 0.5))
def test_trend_recovers_the_slopes_of_the_fraction(seed: int, slope_n: float,
                                                   slope_d: float) -> None:
    rng = np.random.default_rng(seed)
    frame = matched_cells(rng, {"de": 1.0}, slope_n=slope_n, slope_d=slope_d, noise=0.1)
    slopes = trend(frame)
    assert slopes["slope_N"] == pytest.approx(slope_n, abs=0.05)
    assert slopes["slope_D_F"] == pytest.approx(slope_d, abs=0.05)


@given(st.lists(st.integers(0, 3), min_size=1, max_size=30), st.integers(0, 100))
def test_resampling_stays_within_each_cell(cells: list[int], seed: int) -> None:
    frame = pd.DataFrame({"cell": cells, "row": range(len(cells))})
    drawn = resample_within(frame, ["cell"], np.random.default_rng(seed))
    assert sorted(drawn["cell"]) == sorted(cells)
    for row in drawn.itertuples():
        assert cells[row.row] == row.cell


def test_targets_with_nothing_measured_have_no_effect() -> None:
    frame = matched_cells(np.random.default_rng(1), {"de": 1.0, "es": 0.0}, noise=0.1)
    frame["censored"] = True  # every run beyond the scratch range
    effects = target_effects(frame, ["de", "es"])
    assert all(math.isnan(v) for v in effects.values())
