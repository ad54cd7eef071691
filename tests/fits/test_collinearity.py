"""Variance inflation against its closed form."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.fits.collinearity import variance_inflation


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(-0.95, 0.95))
def test_two_regressors_inflate_by_one_over_one_minus_r_squared(seed: int, mix: float) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=200)
    b = mix * a + math.sqrt(1 - mix**2) * rng.normal(size=200)
    r = np.corrcoef(a, b)[0, 1]
    vif = variance_inflation(pd.DataFrame({"a": a, "b": b}))
    assert math.isclose(vif["a"], vif["b"], rel_tol=1e-12)
    assert math.isclose(vif["a"], 1 / (1 - r**2), rel_tol=1e-9)


def test_exact_collinearity_is_infinite_and_a_constant_has_none() -> None:
    x = np.arange(10.0)
    vif = variance_inflation(pd.DataFrame({"x": x, "twice": 2 * x + 1, "c": np.ones(10)}))
    assert vif["x"] == math.inf and vif["twice"] == math.inf
    assert math.isnan(vif["c"])


def test_orthogonal_regressors_do_not_inflate() -> None:
    grid = np.array([(s, t) for s in range(4) for t in range(3)], dtype=float)
    vif = variance_inflation(pd.DataFrame(grid, columns=["s", "t"]))
    assert np.allclose(vif.to_numpy(), 1.0)
