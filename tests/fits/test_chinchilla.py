"""Chinchilla L(N, D) against Epoch AI's replication data and estimates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regscale.fits.bootstrap import bootstrap, percentile_interval
from regscale.fits.chinchilla import ChinchillaFit, fit_chinchilla

DATA = Path(__file__).parents[1] / "data" / "chinchilla_epoch_svg_extracted.csv"

# tests/data/README.md: the Approach-3 optimum, and Epoch's bootstrap intervals.
OPTIMUM = {"A": 477.8, "B": 2143.0, "E": 1.8172, "alpha": 0.3473, "beta": 0.3672}
EPOCH_INTERVALS = {"A": (285, 744), "B": (1042, 5810), "E": (1.769, 1.871),
                   "alpha": (0.317, 0.373), "beta": (0.331, 0.415)}


def epoch_points() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """240 points: Epoch drops the 5 highest-loss ones; D = C / (6 N)."""
    df = pd.read_csv(DATA).sort_values("loss").iloc[:-5]
    n = df["Model Size"].to_numpy()
    return n, df["Training FLOP"].to_numpy() / (6 * n), df["loss"].to_numpy()


@pytest.fixture(scope="module")
def point_fit() -> ChinchillaFit:
    return fit_chinchilla(*epoch_points())


def test_point_fit_hits_the_published_optimum(point_fit: ChinchillaFit) -> None:
    for key in ("E", "alpha", "beta"):
        assert getattr(point_fit, key) == pytest.approx(OPTIMUM[key], rel=0.01)
    for key in ("A", "B"):
        assert getattr(point_fit, key) == pytest.approx(OPTIMUM[key], rel=0.05)
    # the objective, written out here: Huber (delta 1e-3) of the log-loss residuals of
    # log L = logsumexp(log A - alpha log N, log B - beta log D, log E), summed over the points
    n, d, loss = epoch_points()
    o = OPTIMUM
    terms = np.stack([np.log(o["A"]) - o["alpha"] * np.log(n),
                      np.log(o["B"]) - o["beta"] * np.log(d), np.full(len(n), np.log(o["E"]))])
    residual = np.abs(np.log(loss) - np.logaddexp.reduce(terms, axis=0))
    delta = 1e-3
    huber = np.where(residual <= delta, 0.5 * residual**2, delta * (residual - 0.5 * delta))
    at_published = float(huber.sum())  # the published optimum, rounded as published
    assert point_fit.objective <= at_published * (1 + 1e-6)  # ours is at least as good
    assert point_fit.objective == pytest.approx(at_published, rel=0.01)


def test_bootstrap_intervals_are_close_to_epochs(point_fit: ChinchillaFit) -> None:
    n, d, loss = epoch_points()
    fits = bootstrap(lambda w: fit_chinchilla(n, d, loss, weights=w, start=point_fit,
                                              n_starts=0), len(loss), resamples=1000, seed=0)
    for key, (lo, hi) in EPOCH_INTERVALS.items():
        ours_lo, ours_hi = percentile_interval(np.array([getattr(f, key) for f in fits]))
        width = hi - lo
        assert abs(ours_lo - lo) < 0.15 * width, (key, ours_lo, lo)
        assert abs(ours_hi - hi) < 0.15 * width, (key, ours_hi, hi)


def test_compute_optimal_allocation_uses_the_whole_budget(point_fit: ChinchillaFit) -> None:
    flops = np.array([1e21, 1e23, 1e25])
    n_opt, d_opt = point_fit.compute_optimal(flops)
    assert np.allclose(6 * n_opt * d_opt, flops)
    # N_opt(C) is the minimiser of L(N, C / 6N)
    for c, best in zip(flops, n_opt, strict=True):
        grid = best * np.exp(np.linspace(-1, 1, 201))
        losses = point_fit.predict(grid, c / (6 * grid))
        assert grid[np.argmin(losses)] == pytest.approx(best, rel=0.02)


def test_recovers_synthetic_parameters() -> None:
    rng = np.random.default_rng(0)
    truth = ChinchillaFit(E=1.5, A=300.0, B=900.0, alpha=0.3, beta=0.35, objective=0.0)
    n = np.exp(rng.uniform(np.log(1e6), np.log(1e9), 80))
    d = np.exp(rng.uniform(np.log(1e8), np.log(1e11), 80))
    fit = fit_chinchilla(n, d, truth.predict(n, d) * np.exp(rng.normal(0, 1e-3, 80)))
    assert fit.alpha == pytest.approx(0.3, abs=0.02)
    assert fit.beta == pytest.approx(0.35, abs=0.02)
    assert fit.E == pytest.approx(1.5, abs=0.02)
