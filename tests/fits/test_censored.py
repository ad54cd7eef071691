"""Regression with right-censored responses against exact oracles: least squares when nothing is
censored, the analytic gradient against finite differences, and recovery of a known line under
heavy censoring where dropping the bounds is biased."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime

from regscale.fits.censored import _negative_log_likelihood, fit_censored


def line_data(seed: int, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 4, n)
    return np.stack([np.ones(n), x], axis=1), 1.0 + 0.5 * x + rng.normal(0, noise, n)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 40))
def test_without_censoring_it_is_least_squares(seed: int, n: int) -> None:
    design, y = line_data(seed, n, 0.3)
    fit = fit_censored(design, y, np.zeros(n, bool))
    expected, *_ = np.linalg.lstsq(design, y, rcond=None)
    np.testing.assert_allclose(fit.theta, expected, atol=1e-5)
    residual = y - design @ expected  # the maximum-likelihood scale: the rms residual
    assert fit.sigma == pytest.approx(float(np.sqrt(np.mean(residual**2))), rel=1e-3)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.floats(0.0, 0.8))
def test_the_gradient_is_the_derivative(seed: int, share: float) -> None:
    design, y = line_data(seed, 30, 0.3)
    rng = np.random.default_rng(seed + 1)
    censored = rng.random(30) < share
    weights = rng.integers(0, 3, 30).astype(float)
    params = np.array([0.8, 0.6, np.log(0.4)])
    value, grad = _negative_log_likelihood(params, design, y, censored, weights)

    def f(p: np.ndarray) -> float:
        return _negative_log_likelihood(p, design, y, censored, weights)[0]

    np.testing.assert_allclose(grad, approx_fprime(params, f, 1e-7), rtol=1e-4, atol=1e-4)
    assert np.isfinite(value)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_recovers_a_line_under_heavy_censoring(seed: int) -> None:
    """y is only known to exceed its bound where it does (about half the points): the censored
    fit recovers the slope; least squares on the measured points alone underestimates it."""
    design, y = line_data(seed, 600, 0.5)
    bound = np.quantile(y, 0.5)
    censored = y > bound
    observed = np.where(censored, bound, y)
    fit = fit_censored(design, observed, censored)
    assert fit.theta[1] == pytest.approx(0.5, abs=0.08)
    assert fit.sigma == pytest.approx(0.5, abs=0.08)
    kept, *_ = np.linalg.lstsq(design[~censored], y[~censored], rcond=None)
    assert kept[1] < 0.5 - 0.1  # dropping the bounds flattens the line


def test_too_few_measured_points_is_an_error() -> None:
    design, y = line_data(0, 5, 0.1)
    with pytest.raises(ValueError, match="needs as many measured points"):
        fit_censored(design, y, np.array([True, True, True, True, False]))
