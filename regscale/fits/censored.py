"""Linear regression with censored responses (the Tobit model, Tobin 1958).

Each point has a design row ``x_i`` and either a measured response ``y_i``, only a lower bound
``y_i >= c_i`` (censored) or only an upper bound ``y_i <= c_i`` (``upper``). With Gaussian
residuals of scale ``sigma``, the log-likelihood is

    sum_measured  [log phi((y_i - x_i theta) / sigma) - log sigma]
  + sum_censored  log (1 - Phi((c_i - x_i theta) / sigma))
  + sum_upper     log Phi((c_i - x_i theta) / sigma)

maximised over ``theta`` and ``log sigma`` by L-BFGS-B with the analytic gradient, from the least
squares fit of the measured points. Dropping the censored points instead (or
using their bounds as values) biases ``theta`` towards the measured ones; here a bound counts for
exactly what it says. ``sigma`` is kept within ``[SIGMA_MIN, SIGMA_MAX]``: with as many measured
points as parameters the measured ones fit exactly and the likelihood grows without bound as
``sigma`` falls, which a verdict reports as a parameter at its bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_ndtr

SIGMA_MIN = 1e-3
"""Smallest residual scale (log units) the fit may take."""

SIGMA_MAX = 1e2
"""Largest residual scale the fit may take."""

_LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class CensoredFit:
    """Coefficients, residual scale and whether the scale stopped at a bound."""

    theta: np.ndarray
    sigma: float
    sigma_at_bound: bool


def _negative_log_likelihood(params: np.ndarray, design: np.ndarray, y: np.ndarray,
                             censored: np.ndarray, weights: np.ndarray
                             ) -> tuple[float, np.ndarray]:
    """Of a fit whose bounds are all lower bounds: an upper bound ``y <= c`` enters as the
    lower bound ``-y >= -c`` of a row whose design is negated (:func:`fit_censored`)."""
    theta, log_sigma = params[:-1], params[-1]
    sigma = math.exp(log_sigma)
    z = (y - design @ theta) / sigma
    measured = ~censored
    # measured: 0.5 z^2 + log sigma + log sqrt(2 pi); censored: -log(1 - Phi(z)) = -log Phi(-z)
    log_tail = log_ndtr(-z[censored])
    value = (np.sum(weights[measured] * (0.5 * z[measured] ** 2 + log_sigma + 0.5 * _LOG_2PI))
             - np.sum(weights[censored] * log_tail))
    # d/dz: measured z; censored lambda(z) = phi(z) / (1 - Phi(z)) (the inverse Mills ratio)
    mills = np.exp(-0.5 * z[censored] ** 2 - 0.5 * _LOG_2PI - log_tail)
    dz = np.zeros_like(z)
    dz[measured] = z[measured]
    dz[censored] = mills
    dz *= weights
    grad_theta = -(design.T @ dz) / sigma
    grad_log_sigma = np.sum(weights[measured]) - float(np.sum(dz * z))
    return float(value), np.append(grad_theta, grad_log_sigma)


def fit_censored(design: np.ndarray, y: np.ndarray, censored: np.ndarray,
                 weights: np.ndarray | None = None, *,
                 upper: np.ndarray | None = None) -> CensoredFit:
    """Maximum-likelihood ``theta`` of ``y ~ design @ theta`` where ``censored`` rows of ``y``
    are lower bounds and ``upper`` rows upper bounds; ``weights`` are multiplicities (bootstrap
    resamples).

    Raises
    ------
    ValueError
        Fewer measured points (with positive weight) than coefficients, or a row both a lower
        and an upper bound.
    """
    design, y = np.asarray(design, dtype=float), np.asarray(y, dtype=float)
    censored = np.asarray(censored, dtype=bool)
    flip = np.zeros(len(y), bool) if upper is None else np.asarray(upper, dtype=bool)
    weights = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    if (flip & censored).any():
        raise ValueError("a row cannot be both a lower and an upper bound")
    measured = ~censored & ~flip
    if int(np.count_nonzero(weights[measured] > 0)) < design.shape[1]:
        raise ValueError(f"a censored fit of {design.shape[1]} coefficients needs as many "
                         f"measured points, got {int(np.count_nonzero(measured))}")
    root = np.sqrt(weights * measured)  # start: least squares on the measured points
    start, *_ = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)
    spread = float(np.sqrt(np.sum(root**2 * (y - design @ start) ** 2) / max((root**2).sum(), 1)))
    low, high = math.log(SIGMA_MIN), math.log(SIGMA_MAX)
    x0 = np.append(start, min(max(math.log(max(spread, SIGMA_MIN)), low), high))
    bounds = [(None, None)] * design.shape[1] + [(low, high)]
    sign = np.where(flip, -1.0, 1.0)  # an upper bound y <= c is the lower bound -y >= -c
    result = minimize(_negative_log_likelihood, x0,
                      args=(design * sign[:, None], y * sign, censored | flip, weights),
                      jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"ftol": 1e-12, "gtol": 1e-9, "maxiter": 500})
    log_sigma = float(result.x[-1])
    return CensoredFit(theta=np.asarray(result.x[:-1]), sigma=math.exp(log_sigma),
                       sigma_at_bound=log_sigma <= low + 1e-6 or log_sigma >= high - 1e-6)
