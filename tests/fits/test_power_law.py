"""Single-variable power laws and Kaplan's L(N, D) on synthetic data with known constants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.fits.kaplan import KaplanFit, fit_kaplan
from regscale.fits.power_law import fit_excess_power_law, fit_power_law


@settings(max_examples=25, deadline=None)
@given(e=st.floats(0.1, 3.0), log_x0=st.floats(2.0, 12.0), alpha=st.floats(0.1, 1.0))
def test_free_floor_fit_recovers_the_constants(e: float, log_x0: float, alpha: float) -> None:
    x = np.logspace(3, 9, 12)
    loss = e + np.exp(alpha * (log_x0 - np.log(x)))
    fit = fit_power_law(x, loss)
    assert fit.predict(x) == pytest.approx(loss, rel=1e-4)
    assert fit.E == pytest.approx(e, rel=0.02, abs=2e-3)


def test_known_floor_fit_is_exact_on_a_pure_power_law() -> None:
    x = np.array([1e3, 1e4, 1e5, 1e6])
    loss = 0.7 + (2e4 / x) ** 0.4
    fit = fit_excess_power_law(x, loss, 0.7)
    assert (fit.alpha, fit.x0) == pytest.approx((0.4, 2e4))
    assert fit.floor_known and fit.n_points == 4


def test_points_below_the_floor_are_dropped() -> None:
    fit = fit_excess_power_law(np.array([1.0, 10.0, 100.0, 1000.0]),
                               np.array([2.0, 1.1, 1.01, 0.999]), 1.0)
    assert fit.n_points == 3


def test_too_few_points() -> None:
    with pytest.raises(ValueError, match="3 distinct"):
        fit_power_law(np.array([1.0, 2.0]), np.array([3.0, 2.0]))


def test_kaplan_recovers_synthetic_constants() -> None:
    truth = KaplanFit(n_c=8.8e13, d_c=5.4e13, alpha_n=0.076, alpha_d=0.095, objective=0.0)
    n, d = np.meshgrid(np.logspace(6, 9, 6), np.logspace(8, 11, 6))
    loss = truth.predict(n.ravel(), d.ravel())
    fit = fit_kaplan(n.ravel(), d.ravel(), loss)
    assert fit.predict(n.ravel(), d.ravel()) == pytest.approx(loss, rel=1e-3)
    assert fit.alpha_n == pytest.approx(0.076, rel=0.05)
    assert fit.alpha_d == pytest.approx(0.095, rel=0.05)
