"""Effective data by the data: the monotone scratch curve, its inversion, and the equally good
laws that only extrapolate, against exact math, brute force and the committed transfer study."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.fits.effective_data import (
    LOWER,
    MEASURED,
    UPPER,
    equally_good_laws,
    extrapolate,
    huber_objective,
    law_effective_data,
    pool_adjacent_violators,
    scratch_curve,
)
from regscale.fits.power_law import PowerLawFit
from regscale.fits.transfer import transfer_table

COMMITTED = Path(__file__).parents[2] / "docs" / "results" / "transfer-cpu" / "de" / "results.csv"


def min_max_isotonic(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The non-increasing weighted least-squares fit by the min-max formula
    ``f_i = min_{j <= i} max_{k >= i} mean(values[j..k])`` (an independent oracle)."""
    n = len(values)
    out = np.empty(n)
    for i in range(n):
        out[i] = min(max(np.average(values[j:k + 1], weights=weights[j:k + 1])
                         for k in range(i, n)) for j in range(i + 1))
    return out


@given(st.lists(st.tuples(st.floats(-5, 5), st.integers(1, 4)), min_size=1, max_size=9))
def test_pooling_adjacent_violators_is_the_isotonic_fit(points: list[tuple[float, int]]) -> None:
    values = np.array([v for v, _ in points])
    weights = np.array([w for _, w in points], float)
    fitted = pool_adjacent_violators(values, weights)
    assert np.all(np.diff(fitted) <= 1e-12)
    np.testing.assert_allclose(fitted, min_max_isotonic(values, weights), atol=1e-9)
    assert np.average(fitted, weights=weights) == pytest.approx(np.average(values,
                                                                           weights=weights))


def law(e: float, d0: float, alpha: float) -> PowerLawFit:
    return PowerLawFit(E=e, log_x0=math.log(d0), alpha=alpha, floor_known=False, n_points=0)


@settings(max_examples=40, deadline=None)
@given(e=st.floats(0.5, 3.0), d0=st.floats(1e2, 1e5), alpha=st.floats(0.1, 0.8),
       where=st.floats(0.0, 1.0))
def test_interpolated_effective_data_equals_the_known_one(e: float, d0: float, alpha: float,
                                                         where: float) -> None:
    """On a noise-free scratch curve measured every half decade, a loss the curve passes gives
    back the D that produced it: within 2% between inner budgets, within 8% in the two end
    intervals, where PCHIP's slopes are one-sided (the cubic between budgets is not the law; a
    grid over this strategy's space gives at most 1.1% and 7.1%)."""
    truth = law(e, d0, alpha)
    budgets = np.logspace(2.7, 6.2, 8)
    curve = scratch_curve(np.repeat(budgets, 2), np.repeat(truth.predict(budgets), 2))
    d = float(np.exp(np.log(budgets[0]) + where * np.log(budgets[-1] / budgets[0])))
    d_e, kind = curve.effective_data(float(truth.predict(np.array([d]))[0]))
    assert kind == MEASURED
    end_interval = d < budgets[1] or d > budgets[-2]
    assert d_e == pytest.approx(d, rel=0.08 if end_interval else 0.02)
    for budget in budgets:  # at a measured budget, exactly
        assert curve.effective_data(float(truth.predict(np.array([budget]))[0]))[0] == \
            pytest.approx(budget, rel=1e-9)


def test_outside_the_scratch_range_effective_data_is_a_bound() -> None:
    curve = scratch_curve(np.array([1e3, 1e4, 1e5]), np.array([3.0, 2.0, 1.5]))
    assert curve.effective_data(1.2) == (1e5, LOWER)
    assert curve.effective_data(3.5) == (1e3, UPPER)
    assert curve.effective_data(2.0) == (1e4, MEASURED)


def test_a_flat_stretch_gives_its_first_budget() -> None:
    """Seeds whose means rise with D are pooled: the loss of the pooled stretch is reached at
    its smallest budget."""
    curve = scratch_curve(np.array([1e3, 1e4, 1e5, 1e6]), np.array([3.0, 2.0, 2.2, 1.0]))
    assert curve.loss.tolist() == [3.0, 2.1, 2.1, 1.0]
    assert curve.effective_data(2.1) == (1e4, MEASURED)


def test_extrapolation_reports_the_spread_of_equally_good_laws() -> None:
    laws = [law(1.0, 1e4, 0.5), law(0.9, 1e4, 0.4)]
    guess = extrapolate(laws, 1.05)
    assert guess.d_e == pytest.approx(law_effective_data(laws[0], 1.05))
    assert guess.low < guess.high and guess.fits == 2 and not guess.identified
    assert extrapolate([law(1.0, 1e4, 0.5)], 0.99).d_e == math.inf  # below the floor


@pytest.mark.skipif(not COMMITTED.is_file(), reason="the committed transfer-cpu study is absent")
def test_two_equally_good_scratch_fits_give_one_effective_data_within_range() -> None:
    """The committed study's English scratch runs at N = 24,896 (the re-analysis's example):
    fits from different starts land on different laws at the same objective, and those laws
    disagree on D_E; the interpolation gives one D_E per run, whatever a fitter found."""
    results = pd.read_csv(COMMITTED)
    mine = results[(results.target == "en") & (results.N == 24896)]
    scratch = mine[mine.role == "scratch"].rename(columns={"D_F": "D"})[["N", "D", "seed",
                                                                         "loss"]]
    tuned = mine[mine.role == "finetune"].rename(columns={"D_F": "D"})[["N", "D", "seed",
                                                                       "loss"]]
    d, loss = scratch.D.to_numpy(float), scratch.loss.to_numpy(float)
    laws = equally_good_laws(d, loss)
    objectives = [huber_objective(x, d, loss) for x in laws]
    assert max(objectives) <= 1.01 * min(objectives)
    floors = [x.E for x in laws]
    assert max(floors) - min(floors) > 0.03  # different optima, not one found twice
    table = transfer_table(scratch, tuned)
    inside = table[table.D_E_kind == MEASURED]
    assert len(inside) >= 2
    spread = [max(law_effective_data(x, row.loss_finetuned) for x in laws)
              / min(law_effective_data(x, row.loss_finetuned) for x in laws)
              for row in inside.itertuples()]
    assert max(spread) > 1.1  # the laws disagree on D_E ...
    again = transfer_table(scratch.sample(frac=1.0, random_state=1), tuned)  # ... the data not
    np.testing.assert_allclose(again[again.D_E_kind == MEASURED].D_E.to_numpy(),
                               inside.D_E.to_numpy())
    curve = scratch_curve(d, loss)
    for row in inside.itertuples():
        assert float(curve.predict(np.array([row.D_E]))[0]) == pytest.approx(row.loss_finetuned)
