"""Effective data transferred on synthetic curves with known k, alpha and beta."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.fits.effective_data import law_effective_data
from regscale.fits.power_law import PowerLawFit
from regscale.fits.transfer import fit_transfer, transfer_table
from regscale.fits.transfer_simulation import (
    SyntheticTransfer,
    TransferDesign,
    simulate_fits,
    summarise_fits,
)

SIZES = (1e5, 1e6, 1e7)
SCRATCH_D = np.logspace(4, 9, 16)  # a third of a decade apart: D_E by interpolation
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


def test_a_law_inverts_to_its_effective_data() -> None:
    curve = PowerLawFit(E=1.0, log_x0=math.log(1e6), alpha=0.5, floor_known=False, n_points=3)
    for d in (1e3, 1e6, 1e9):
        assert math.isclose(law_effective_data(curve, float(curve.predict(np.array([d]))[0])),
                            d, rel_tol=1e-9)
    assert law_effective_data(curve, 1.0) == math.inf
    assert law_effective_data(curve, 0.5) == math.inf


def test_recovers_the_published_text_to_python_numbers() -> None:
    scratch, tuned = synthetic(1.9e4, 0.18, 0.38)
    table = transfer_table(scratch, tuned)
    assert len(table) == len(SIZES) * len(FINETUNE_D)
    fit = fit_transfer(table["D_F"], table["N"], table["D_T"], censored=table["censored"],
                       resamples=200)
    assert fit.alpha == pytest.approx(0.18, abs=0.01)
    assert fit.beta == pytest.approx(0.38, abs=0.01)
    assert fit.k == pytest.approx(1.9e4, rel=0.15)
    assert fit.alpha_low <= fit.alpha <= fit.alpha_high
    assert fit.n_points == 15 and fit.n_sizes == 3
    expected = FINETUNE_D / (FINETUNE_D + 1.9e4 * FINETUNE_D**0.18 * 1e6**0.38)
    mid = table[table["N"] == 1e6].sort_values("D_F")["fraction_from_finetuning"]
    np.testing.assert_allclose(mid, expected, rtol=0.05)


@st.composite
def measurable_laws(draw: st.DrawFn) -> tuple[float, float, float]:
    """k, alpha and beta whose largest effective data stays within half the scratch curves'
    reach, so the design measures every point (beyond it they are censored: tested below), and
    whose D_T is at least 30% of D_F everywhere: a smaller D_T is the difference of two nearly
    equal data sizes, where any error of D_E (here the interpolation's, between budgets a third
    of a decade apart) is magnified many times."""
    alpha = draw(st.floats(0.05, 0.6))
    least = 0.3 * FINETUNE_D.max() ** (1 - alpha)
    most = 0.5 * SCRATCH_D.max() / FINETUNE_D.max() ** alpha
    k = math.exp(draw(st.floats(math.log(least), math.log(most))))
    room = math.log(most / k) / math.log(max(SIZES))
    return k, alpha, draw(st.floats(0.0, min(0.6, room)))


@settings(max_examples=15, deadline=None)
@given(law=measurable_laws())
def test_recovers_any_law(law: tuple[float, float, float]) -> None:
    k, alpha, beta = law
    scratch, tuned = synthetic(k, alpha, beta)
    table = transfer_table(scratch, tuned)
    fit = fit_transfer(table["D_F"], table["N"], table["D_T"], censored=table["censored"],
                       resamples=20)
    assert fit.alpha == pytest.approx(alpha, abs=0.02)
    assert fit.beta == pytest.approx(beta, abs=0.02)
    assert math.log(fit.k) == pytest.approx(math.log(k), abs=0.3)


def test_negative_transfer_is_counted_and_beyond_the_curve_is_censored() -> None:
    scratch, tuned = synthetic(1e3, 0.3, 0.2)
    tuned.loc[0, "loss"] = 10.0  # worse than scratch: negative transfer
    tuned.loc[1, "loss"] = 1.0  # below the scratch floor: D_E only known to exceed D_max
    table = transfer_table(scratch, tuned)
    # worse than the smallest scratch run: D_E at most D_min, so D_T at most D_min - D_F = 0
    assert table.loc[0, "upper_bound"] and not table.loc[0, "censored"]
    assert table.loc[0, "D_E"] == SCRATCH_D.min() and table.loc[0, "D_T"] <= 0
    assert table.loc[1, "censored"] and table.loc[1, "D_E"] == SCRATCH_D.max()
    assert table.loc[1, "D_T"] == SCRATCH_D.max() - table.loc[1, "D_F"]
    assert int(table["censored"].sum()) == 1  # the rest lie within the measured range
    fit = fit_transfer(table["D_F"], table["N"], table["D_T"], censored=table["censored"],
                       upper=table["upper_bound"], resamples=20)
    assert fit.n_points == len(table) - 1 and fit.n_censored == 1 and fit.n_left_out == 1
    # the bound (D_T >= 1e9, where the law gives ~3e5) counts: the scale of the scatter says so
    assert fit.sigma > 1.0 and fit.alpha_verdict != "ok"


def test_censoring_removes_the_bias_of_dropping() -> None:
    """Hernandez's law with loss noise 0.01 nats, scratch curves measured to 1e8 tokens: about
    3 of 24 fine-tuned runs beat the scratch curve's reach. Dropping them (as D_E = inf was)
    biases the median D_F / D_E low by a third; as lower bounds they leave it unbiased."""
    truth = SyntheticTransfer()
    design = TransferDesign(sizes=SIZES, scratch_tokens=tuple(np.logspace(4, 8, 5)),
                            finetune_tokens=tuple(np.logspace(4, 7, 8)), noise=0.01)
    n, d_f = np.repeat(SIZES, 8), np.tile(design.finetune_tokens, 3)
    true_fraction = float(np.median(truth.fraction_from_finetuning(n, d_f)))
    censored = simulate_fits(truth, design, repeats=24, resamples=5)
    dropped = simulate_fits(truth, design, repeats=24, resamples=5, censor=False)
    assert censored["n_censored"].mean() >= 2 and dropped["n_censored"].max() == 0
    assert censored["median_fraction"].median() == pytest.approx(true_fraction, rel=0.1)
    assert dropped["median_fraction"].median() < 0.8 * true_fraction
    assert censored["alpha"].median() == pytest.approx(0.18, abs=0.02)
    assert censored["beta"].median() == pytest.approx(0.38, abs=0.03)


def test_a_fit_carries_a_verdict_on_each_exponent() -> None:
    scratch, tuned = synthetic(1.9e4, 0.18, 0.38)
    table = transfer_table(scratch, tuned)
    law = 1.9e4 * table["D_F"] ** 0.18 * table["N"] ** 0.38
    exact = fit_transfer(table["D_F"], table["N"], law, resamples=50)
    # noiseless points fix the law exactly: every resample gives the same exponent, and an
    # interval of no width is not a measurement
    assert "zero-width interval" in exact.alpha_verdict
    noise = np.exp(np.random.default_rng(0).normal(0.0, 0.05, len(table)))
    fit = fit_transfer(table["D_F"], table["N"], table["D_T"] * noise,
                       censored=table["censored"], resamples=50)
    assert fit.alpha_verdict == "ok" and fit.beta_verdict == "ok", (fit.alpha_verdict,
                                                                    fit.beta_verdict)
    flat = fit_transfer([1e4, 1e5, 1e6], [1e6] * 3, [100.0, 100.5, 101.0], resamples=20)
    assert flat.alpha_verdict.startswith("poorly determined")
    assert flat.beta_verdict == "failed: one model size"


def test_one_size_fits_alpha_only_and_too_few_points_fail() -> None:
    fit = fit_transfer([1e4, 1e5, 1e6], [1e6] * 3, [10 * 1e4**0.3, 10 * 1e5**0.3, 10 * 1e6**0.3],
                       resamples=10)
    assert fit.alpha == pytest.approx(0.3) and math.isnan(fit.beta)
    assert fit.k == pytest.approx(10.0)
    with pytest.raises(ValueError, match="needs 3 points"):
        fit_transfer([1e4, 1e5], [1e6, 1e6], [5.0, 6.0])


def test_more_seeds_narrow_the_expected_interval() -> None:
    """The design check's answer moves the right way: averaging 8 seeds per point shrinks the
    expected range of alpha and beta against one seed, at the same noise."""
    truth = SyntheticTransfer()
    one = TransferDesign(sizes=SIZES, scratch_tokens=tuple(np.logspace(4, 9, 6)),
                         finetune_tokens=tuple(np.logspace(4, 7, 4)), noise=0.02)
    eight = TransferDesign(**{**one.__dict__, "seeds": 8})
    wide, narrow = (summarise_fits(simulate_fits(truth, d, repeats=30, resamples=5), truth)
                    for d in (one, eight))
    assert narrow["alpha_half_width"] < 0.6 * wide["alpha_half_width"]
    assert narrow["beta_half_width"] < 0.6 * wide["beta_half_width"]
    assert abs(narrow["alpha_bias"]) < 0.02 and narrow["failed_share"] == 0
