"""Kaplan-Meier medians: exact without censoring, unbiased under censoring where the naive
median (bounds as values) is not."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.fits.survival import kaplan_meier_median


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=1, max_size=30))
def test_without_censoring_it_is_the_lower_median(times: list[int]) -> None:
    values = np.array(times, dtype=float)
    median, bound = kaplan_meier_median(values, np.zeros(len(values), bool))
    assert not bound
    assert median == np.sort(values)[math.ceil(len(values) / 2) - 1]


def test_recovers_the_true_median_under_censoring() -> None:
    rng = np.random.default_rng(0)
    rate, errors_km, errors_naive = 1.0, [], []
    truth = math.log(2) / rate
    for _ in range(200):
        times = rng.exponential(1 / rate, 200)
        limits = rng.uniform(0, 2.5, 200)  # each run's budget
        observed = np.minimum(times, limits)
        censored = times > limits
        median, bound = kaplan_meier_median(observed, censored)
        assert not bound
        errors_km.append(median - truth)
        errors_naive.append(float(np.median(observed)) - truth)
    assert abs(np.mean(errors_km)) < 0.03
    assert np.mean(errors_naive) < -0.15  # bounds taken as values pull the median down


def test_mostly_censored_is_a_lower_bound() -> None:
    median, bound = kaplan_meier_median(np.array([5.0, 10.0, 10.0]),
                                        np.array([False, True, True]))
    assert bound and median == 10.0


def test_no_times_is_an_error() -> None:
    with pytest.raises(ValueError):
        kaplan_meier_median(np.array([]), np.array([], bool))
