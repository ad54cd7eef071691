"""Robust curve fitting in log space: Huber loss on log residuals, L-BFGS from a start grid.

Following Hoffmann et al. (2022), Approach 3: minimise ``sum_i Huber_delta(log f(x_i) - log y_i)``
with ``delta = 1e-3``. The objective is tiny (about 1e-3 summed over hundreds of points), so it is
multiplied by ``SCALE`` before L-BFGS, which would otherwise stop at its default tolerance long
before the optimum (Besiroglu et al. 2024). The grid is evaluated in one vectorised pass and
L-BFGS starts from its ``n_starts`` best points. Fits run with one BLAS thread (the problems are
small; more threads only spin on a busy machine, see :mod:`regscale.threads`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from regscale.threads import single_threaded_blas

DELTA = 1e-3
SCALE = 1e4

# f(theta[P], data) -> (log prediction [n], d log prediction / d theta [P, n]). Models must
# broadcast: with theta of shape [P, G, 1] the prediction is [G, n] (the grid in one pass).
LogModel = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def huber(residual: np.ndarray, delta: float = DELTA) -> np.ndarray:
    """Huber loss per residual: quadratic within ``delta``, linear outside."""
    a = np.abs(residual)
    return np.where(a <= delta, 0.5 * residual**2, delta * (a - 0.5 * delta))


@dataclass(frozen=True)
class FitResult:
    """Best parameters and the (unscaled) summed Huber objective."""

    theta: np.ndarray
    objective: float


def fit_log_model(model: LogModel, data: np.ndarray, log_y: np.ndarray, grid: np.ndarray,
                  *, n_starts: int = 8, extra_starts: list[np.ndarray] | None = None,
                  weights: np.ndarray | None = None,
                  bounds: list[tuple[float, float]] | None = None) -> FitResult:
    """Minimise the Huber objective of ``model`` over ``theta``: the best of
    :func:`fit_log_model_starts`.

    Raises
    ------
    ValueError
        No start converged to a finite objective.
    """
    return min(fit_log_model_starts(model, data, log_y, grid, n_starts=n_starts,
                                    extra_starts=extra_starts, weights=weights, bounds=bounds),
               key=lambda r: r.objective)


@single_threaded_blas()
def fit_log_model_starts(model: LogModel, data: np.ndarray, log_y: np.ndarray,
                         grid: np.ndarray, *, n_starts: int = 8,
                         extra_starts: list[np.ndarray] | None = None,
                         weights: np.ndarray | None = None,
                         bounds: list[tuple[float, float]] | None = None) -> list[FitResult]:
    """The Huber objective of ``model`` minimised from each start: one local optimum per start
    that converged to a finite objective (several may be the same optimum).

    Parameters
    ----------
    model
        Log-prediction and its gradient.
    data
        Inputs, passed to the model (e.g. ``[2, n]`` of log N and log D).
    log_y
        Observed log losses ``[n]``.
    grid
        Start points ``[G, P]``; the ``n_starts`` best by objective are refined.
    extra_starts
        Starts refined in any case (e.g. the full-data optimum during a bootstrap).
    weights
        Per-point weights (bootstrap multiplicities); default 1.
    bounds
        Box constraints per parameter (keeps degenerate data from running off to overflow).
    """
    w = np.ones_like(log_y) if weights is None else weights

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        pred, grad = model(theta, data)
        r = pred - log_y
        value = float((w * huber(r)).sum())
        dr = w * np.clip(r, -DELTA, DELTA)
        return SCALE * value, SCALE * (grad @ dr)

    starts = list(extra_starts or [])
    if n_starts and len(grid):
        pred, _ = model(grid.T[:, :, None], data)  # every grid point at once: [G, n]
        values = (w * huber(pred - log_y)).sum(axis=1)
        starts = [grid[i] for i in np.argsort(values)[:n_starts]] + starts
    found = []
    for start in starts:
        if bounds is not None:
            start = np.clip(start, [b[0] for b in bounds], [b[1] for b in bounds])
        result = minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                          options={"maxiter": 2000, "gtol": 1e-12, "ftol": 1e-15})
        value = float(result.fun) / SCALE
        if np.isfinite(value):
            found.append(FitResult(theta=np.asarray(result.x, dtype=float), objective=value))
    if not found:
        raise ValueError("no start converged to a finite objective")
    return found


def log_sum_exp(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log sum_k exp(terms[k])`` over axis 0 and the softmax weights (its gradient)."""
    top = terms.max(axis=0)
    e = np.exp(terms - top)
    total = e.sum(axis=0)
    return top + np.log(total), e / total
