"""Chinchilla's parametric loss ``L(N, D) = E + A / N^alpha + B / D^beta`` (Hoffmann et al. 2022).

Fitted as in their Approach 3: in log-sum-exp form
``log L = LSE(a - alpha log N, b - beta log D, e)`` with ``A = e^a, B = e^b, E = e^e``, Huber loss
(delta 1e-3) on log loss, L-BFGS from a grid (see :mod:`regscale.fits.huber_fit`). The
compute-optimal allocation under ``C = 6 N D`` (their Eq. 4):
``N_opt = G (C/6)^(beta/(alpha+beta))`` and ``D_opt = G^-1 (C/6)^(alpha/(alpha+beta))`` with
``G = (alpha A / (beta B))^(1/(alpha+beta))``.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass

import numpy as np

from regscale.fits.huber_fit import fit_log_model, log_sum_exp

GRID = np.array(list(itertools.product(
    np.arange(0.0, 30.0, 5.0),  # a = log A
    np.arange(0.0, 30.0, 5.0),  # b = log B
    np.arange(-1.0, 1.6, 0.5),  # e = log E
    np.arange(0.0, 2.1, 0.5),  # alpha
    np.arange(0.0, 2.1, 0.5),  # beta
)))
"""Hoffmann et al.'s start grid."""

BOUNDS = [(-50.0, 100.0), (-50.0, 100.0), (-10.0, 10.0), (0.0, 5.0), (0.0, 5.0)]
"""Box for (log A, log B, log E, alpha, beta): wide, but no overflow on degenerate data."""


@dataclass(frozen=True)
class ChinchillaFit:
    """Fitted parameters of L(N, D) = E + A/N^alpha + B/D^beta."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float  # summed Huber loss on log residuals

    def predict(self, n: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Loss at N parameters and D tokens."""
        loss: np.ndarray = self.E + self.A / np.power(n, self.alpha) + \
            self.B / np.power(d, self.beta)
        return loss

    def compute_optimal(self, flops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(N_opt, D_opt)`` for compute ``C = 6 N D``."""
        s = self.alpha + self.beta
        g = (self.alpha * self.A / (self.beta * self.B)) ** (1.0 / s)
        c6 = np.asarray(flops) / 6.0
        return g * c6 ** (self.beta / s), c6 ** (self.alpha / s) / g

    def as_dict(self) -> dict[str, float]:
        """Field -> value."""
        return asdict(self)


def _model(theta: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b, e, alpha, beta = theta
    log_n, log_d = data
    pred, w = log_sum_exp(np.stack(np.broadcast_arrays(a - alpha * log_n, b - beta * log_d,
                                                       e + 0.0 * log_n)))
    grad = np.stack([w[0], w[1], w[2], -w[0] * log_n, -w[1] * log_d])
    return pred, grad


def _to_fit(theta: np.ndarray, objective: float) -> ChinchillaFit:
    a, b, e, alpha, beta = theta
    return ChinchillaFit(E=float(np.exp(e)), A=float(np.exp(a)), B=float(np.exp(b)),
                         alpha=float(alpha), beta=float(beta), objective=objective)


def fit_chinchilla(n: np.ndarray, d: np.ndarray, loss: np.ndarray, *,
                   weights: np.ndarray | None = None, start: ChinchillaFit | None = None,
                   n_starts: int = 8) -> ChinchillaFit:
    """Fit L(N, D) to runs with ``n`` parameters, ``d`` tokens and final ``loss``.

    ``start`` adds a start point (a bootstrap refit passes the full-data optimum and
    ``n_starts=0``, so it refines from there without the grid).
    """
    data = np.stack([np.log(n), np.log(d)])
    extra = None
    if start is not None:
        extra = [np.array([np.log(start.A), np.log(start.B), np.log(start.E), start.alpha,
                           start.beta])]
    result = fit_log_model(_model, data, np.log(loss), GRID, n_starts=n_starts,
                           extra_starts=extra, weights=weights, bounds=BOUNDS)
    return _to_fit(result.theta, result.objective)
