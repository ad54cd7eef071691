"""Saturating power laws ``L(x) = E + (x0 / x)^alpha`` for x in N, D or C (Henighan et al. 2020).

Two fits:

- free floor: E, x0, alpha fitted together, in log-sum-exp form
  ``log L = LSE(alpha (log x0 - log x), log E)`` with the Huber objective of
  :mod:`regscale.fits.huber_fit`;
- known floor: for a regular language the floor is known exactly (the Bayes-optimal loss of the
  same windows), so the excess ``L - E`` is fitted as a pure power law by least squares in
  log-log space: ``log(L - E) = alpha log x0 - alpha log x``.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass

import numpy as np

from regscale.fits.huber_fit import fit_log_model, fit_log_model_starts, log_sum_exp

_GRID = np.array(list(itertools.product(
    np.arange(-3.0, 2.01, 0.25),  # log E
    np.arange(0.0, 30.1, 2.5),  # log x0
    np.arange(0.05, 2.0, 0.1),  # alpha
)))
"""Start grid, evaluated in one vectorised pass; L-BFGS refines its best points."""


@dataclass(frozen=True)
class PowerLawFit:
    """``L(x) = E + (x0 / x)^alpha``."""

    E: float  # floor (fitted, or the known one)
    log_x0: float  # log of the scale where the reducible part equals 1
    alpha: float  # exponent
    floor_known: bool  # whether E was given rather than fitted
    n_points: int  # points used

    @property
    def x0(self) -> float:
        """The scale x0 (may overflow to inf for a near-zero exponent)."""
        with np.errstate(over="ignore"):
            return float(np.exp(self.log_x0))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Loss at ``x``."""
        reducible: np.ndarray = np.exp(self.alpha * (self.log_x0 - np.log(np.asarray(
            x, dtype=float))))
        return self.E + reducible

    def as_dict(self) -> dict[str, float | bool | int]:
        """Field -> value."""
        return asdict(self)


def _model(theta: np.ndarray, log_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e, log_x0, alpha = theta
    reducible = alpha * (log_x0 - log_x)
    pred, w = log_sum_exp(np.stack(np.broadcast_arrays(reducible, e + 0.0 * log_x)))
    grad = np.stack([w[1], w[0] * alpha, w[0] * (log_x0 - log_x)])
    return pred, grad


def fit_power_law(x: np.ndarray, loss: np.ndarray, *, weights: np.ndarray | None = None,
                  start: PowerLawFit | None = None) -> PowerLawFit:
    """Fit E, x0 and alpha (needs at least 3 distinct x).

    With ``start`` (a bootstrap refit passes the full-data optimum) L-BFGS refines from there
    alone, without the start grid.
    """
    x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    if len(np.unique(x)) < 3:
        raise ValueError("a free-floor power law needs at least 3 distinct x")
    extra = None if start is None else [np.array([np.log(max(start.E, 1e-300)), start.log_x0,
                                                  start.alpha])]
    result = fit_log_model(_model, np.log(x), np.log(loss), _GRID, weights=weights,
                           extra_starts=extra, n_starts=8 if start is None else 0)
    e, log_x0, alpha = result.theta
    return PowerLawFit(E=float(np.exp(e)), log_x0=float(log_x0), alpha=float(alpha),
                       floor_known=False, n_points=len(x))


def fit_excess_power_law(x: np.ndarray, loss: np.ndarray, floor: float, *,
                         weights: np.ndarray | None = None) -> PowerLawFit:
    """Fit ``L - floor = (x0 / x)^alpha`` by least squares on logs (needs 2 distinct x).

    Points at or below the floor carry no information about the power law and are dropped;
    ``weights`` (e.g. bootstrap multiplicities) weight the squared residuals.
    """
    x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    keep = (loss > floor) & (w > 0)
    if len(np.unique(x[keep])) < 2:
        raise ValueError("an excess-loss power law needs 2 distinct x above the floor")
    slope, intercept = np.polyfit(np.log(x[keep]), np.log(loss[keep] - floor), 1,
                                  w=np.sqrt(w[keep]))
    alpha = -float(slope)
    log_x0 = float(intercept) / alpha if alpha != 0 else float("nan")
    return PowerLawFit(E=float(floor), log_x0=log_x0, alpha=alpha, floor_known=True,
                       n_points=int(keep.sum()))


def fit_power_law_starts(x: np.ndarray, loss: np.ndarray, *, n_starts: int = 32
                         ) -> list[tuple[PowerLawFit, float]]:
    """Free-floor fits refined from the ``n_starts`` best points of the start grid: every local
    optimum found, with its Huber objective, best first (needs at least 3 distinct x)."""
    x, loss = np.asarray(x, dtype=float), np.asarray(loss, dtype=float)
    if len(np.unique(x)) < 3:
        raise ValueError("a free-floor power law needs at least 3 distinct x")
    results = fit_log_model_starts(_model, np.log(x), np.log(loss), _GRID, n_starts=n_starts)
    fits = [(PowerLawFit(E=float(np.exp(r.theta[0])), log_x0=float(r.theta[1]),
                         alpha=float(r.theta[2]), floor_known=False, n_points=len(x)),
             r.objective) for r in results]
    return sorted(fits, key=lambda f: f[1])
