"""Kaplan et al. (2020), Eq. 1.5: ``L(N, D) = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D``.

Fitted in log form ``log L = alpha_D LSE((alpha_N / alpha_D)(log N_c - log N), log D_c - log D)``
with the Huber objective of :mod:`regscale.fits.huber_fit`. It has no irreducible term, so it
suits losses far above the floor (or the excess loss of a regular language).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass

import numpy as np

from regscale.fits.huber_fit import fit_log_model, log_sum_exp

_GRID = np.array(list(itertools.product(
    np.arange(5.0, 31.0, 5.0),  # log N_c
    np.arange(5.0, 31.0, 5.0),  # log D_c
    np.arange(0.05, 1.0, 0.2),  # alpha_N
    np.arange(0.05, 1.0, 0.2),  # alpha_D
)))


@dataclass(frozen=True)
class KaplanFit:
    """Fitted constants of Kaplan's L(N, D)."""

    n_c: float
    d_c: float
    alpha_n: float
    alpha_d: float
    objective: float

    def predict(self, n: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Loss at N parameters and D tokens."""
        inner = np.power(self.n_c / np.asarray(n, dtype=float), self.alpha_n / self.alpha_d)
        return np.power(inner + self.d_c / np.asarray(d, dtype=float), self.alpha_d)

    def as_dict(self) -> dict[str, float]:
        """Field -> value."""
        return asdict(self)


def _model(theta: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    log_nc, log_dc, alpha_n, alpha_d = theta
    log_n, log_d = data
    ratio = alpha_n / alpha_d
    t1 = ratio * (log_nc - log_n)
    t2 = log_dc - log_d
    lse, w = log_sum_exp(np.stack(np.broadcast_arrays(t1, t2)))
    pred = alpha_d * lse
    grad = np.stack([
        alpha_d * w[0] * ratio,
        alpha_d * w[1],
        w[0] * (log_nc - log_n),
        lse - w[0] * t1,
    ])
    return pred, grad


def fit_kaplan(n: np.ndarray, d: np.ndarray, loss: np.ndarray) -> KaplanFit:
    """Fit Kaplan's L(N, D) to runs."""
    data = np.stack([np.log(np.asarray(n, dtype=float)), np.log(np.asarray(d, dtype=float))])
    result = fit_log_model(_model, data, np.log(np.asarray(loss, dtype=float)), _GRID)
    log_nc, log_dc, alpha_n, alpha_d = result.theta
    return KaplanFit(n_c=float(np.exp(log_nc)), d_c=float(np.exp(log_dc)),
                     alpha_n=float(alpha_n), alpha_d=float(alpha_d),
                     objective=result.objective)
