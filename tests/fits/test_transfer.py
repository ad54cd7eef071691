"""Effective data transferred on synthetic curves with known k, alpha and beta."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.fits.power_law import PowerLawFit
from regscale.fits.transfer import effective_data, fit_transfer, transfer_table

SIZES = (1e5, 1e6, 1e7)
SCRATCH_D = np.logspace(4, 9, 8)
FINETUNE_D = np.logspace(4, 7, 5)


def scratch_loss(n: float, d: np.ndarray) -> np.ndarray:
    """A from-scratch curve per size: floor 1.5, bigger models learn faster."""
    return 1.5 + (2e7 / n**0.3 / np.asarray(d)) ** 0.35


def synthetic(k: float, alpha: float, beta: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    scratch = pd.DataFrame([{"N": n, "D": d, "loss": float(scratch_loss(n, d))}
                            for n in SIZES for d in SCRATCH_D])
    tuned = pd.DataFrame([{"N": n, "D": d, "loss": float(scratch_loss(n, d + k * d**alpha
                                                                      * n**beta))}
                          for n in SIZES for d in FINETUNE_D])
    return scratch, tuned


def test_effective_data_inverts_the_curve() -> None:
    curve = PowerLawFit(E=1.0, log_x0=math.log(1e6), alpha=0.5, floor_known=False, n_points=3)
    for d in (1e3, 1e6, 1e9):
        assert math.isclose(effective_data(curve, float(curve.predict(np.array([d]))[0])), d,
                            rel_tol=1e-9)
    assert effective_data(curve, 1.0) == math.inf and effective_data(curve, 0.5) == math.inf


def test_recovers_the_published_text_to_python_numbers() -> None:
    scratch, tuned = synthetic(1.9e4, 0.18, 0.38)
    table = transfer_table(scratch, tuned)
    assert len(table) == len(SIZES) * len(FINETUNE_D)
    fit = fit_transfer(table["D_F"], table["N"], table["D_T"], resamples=200)
    assert fit.alpha == pytest.approx(0.18, abs=0.01)
    assert fit.beta == pytest.approx(0.38, abs=0.01)
    assert fit.k == pytest.approx(1.9e4, rel=0.15)
    assert fit.alpha_low <= fit.alpha <= fit.alpha_high
    assert fit.n_points == 15 and fit.n_sizes == 3
    expected = FINETUNE_D / (FINETUNE_D + 1.9e4 * FINETUNE_D**0.18 * 1e6**0.38)
    mid = table[table["N"] == 1e6].sort_values("D_F")["fraction_from_finetuning"]
    np.testing.assert_allclose(mid, expected, rtol=0.05)


@settings(max_examples=15, deadline=None)
@given(k=st.floats(10.0, 1e4), alpha=st.floats(0.05, 0.6), beta=st.floats(0.0, 0.6))
def test_recovers_any_law(k: float, alpha: float, beta: float) -> None:
    scratch, tuned = synthetic(k, alpha, beta)
    table = transfer_table(scratch, tuned)
    fit = fit_transfer(table["D_F"], table["N"], table["D_T"], resamples=20)
    assert fit.alpha == pytest.approx(alpha, abs=0.02)
    assert fit.beta == pytest.approx(beta, abs=0.02)
    assert math.log(fit.k) == pytest.approx(math.log(k), abs=0.3)


def test_negative_and_infinite_transfer_are_reported_not_fitted() -> None:
    scratch, tuned = synthetic(1e3, 0.3, 0.2)
    tuned.loc[0, "loss"] = 10.0  # worse than scratch: negative transfer
    tuned.loc[1, "loss"] = 1.0  # below the scratch floor: D_E infinite
    table = transfer_table(scratch, tuned)
    assert table.loc[0, "D_T"] < 0 and table.loc[1, "D_E"] == math.inf
    fit = fit_transfer(table["D_F"], table["N"], table["D_T"], resamples=20)
    assert fit.n_points == len(table) - 2


def test_one_size_fits_alpha_only_and_too_few_points_fail() -> None:
    fit = fit_transfer([1e4, 1e5, 1e6], [1e6] * 3, [10 * 1e4**0.3, 10 * 1e5**0.3, 10 * 1e6**0.3],
                       resamples=10)
    assert fit.alpha == pytest.approx(0.3) and math.isnan(fit.beta)
    assert fit.k == pytest.approx(10.0)
    with pytest.raises(ValueError, match="needs 3 points"):
        fit_transfer([1e4, 1e5], [1e6, 1e6], [5.0, 6.0])
