"""Effective data transferred (Hernandez et al. 2021, "Scaling Laws for Transfer").

For each model size N, the from-scratch loss curve ``L_scratch(D) = E + (D0 / D)^a`` is fitted on
the scratch runs' best losses. A model fine-tuned on D_F tokens that reaches loss ``L_ft`` is worth
``D_E`` tokens of target data, where ``L_scratch(D_E) = L_ft``; the data transferred is
``D_T = D_E - D_F``, and the fraction of effective data that came from fine-tuning is
``D_F / D_E``. Across sizes and fine-tuning sets, ``D_T = k * D_F^alpha * N^beta`` is fitted by
least squares on logs (points with ``D_T > 0`` and finite), with bootstrap percentile intervals.
The paper's English text -> Python values are k = 1.9e4, alpha = 0.18, beta = 0.38.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from regscale.fits.bootstrap import bootstrap, percentile_interval
from regscale.fits.power_law import PowerLawFit, fit_power_law


def effective_data(curve: PowerLawFit, loss: float) -> float:
    """``D_E`` with ``curve(D_E) = loss``: inf at or below the curve's floor."""
    reducible = loss - curve.E
    if reducible <= 0:
        return math.inf
    with np.errstate(over="ignore"):
        return float(np.exp(curve.log_x0 - math.log(reducible) / curve.alpha))


def fit_scratch_curves(scratch: pd.DataFrame) -> dict[int, PowerLawFit]:
    """One ``L(D)`` per ``N`` from columns ``N``, ``D``, ``loss`` (needs 3 distinct D per N)."""
    curves = {}
    for n, group in scratch.groupby("N"):
        if group["D"].nunique() >= 3:
            curves[int(n)] = fit_power_law(group["D"].to_numpy(float),
                                           group["loss"].to_numpy(float))
    return curves


def transfer_table(scratch: pd.DataFrame, finetuned: pd.DataFrame,
                   curves: dict[int, PowerLawFit] | None = None) -> pd.DataFrame:
    """Per fine-tuned run: ``D_E``, ``D_T``, ``D_F / D_E`` and whether ``D_E`` is extrapolated.

    ``scratch`` and ``finetuned`` have columns ``N``, ``D`` and ``loss``; ``finetuned``'s ``D`` is
    D_F. ``curves`` are the scratch fits per N (fitted here when not given). Sizes without a
    scratch curve are left out.
    """
    curves = fit_scratch_curves(scratch) if curves is None else curves
    rows = []
    for row in finetuned.itertuples(index=False):
        curve = curves.get(int(row.N))
        if curve is None:
            continue
        d_e = effective_data(curve, float(row.loss))
        measured = scratch[(scratch["N"] == row.N) & (scratch["D"] == row.D)]["loss"]
        rows.append({
            "N": int(row.N), "D_F": float(row.D), "loss_finetuned": float(row.loss),
            "loss_scratch": float(measured.iloc[0]) if len(measured) else math.nan,
            "loss_scratch_fit": float(curve.predict(np.array([row.D]))[0]),
            "D_E": d_e, "D_T": d_e - float(row.D),
            "fraction_from_finetuning": float(row.D) / d_e if d_e > 0 else math.nan,
            "extrapolated": bool(d_e > scratch[scratch["N"] == row.N]["D"].max()),
            "curve_E": curve.E, "curve_alpha": curve.alpha,
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class TransferFit:
    """``D_T = k * D_F^alpha * N^beta`` with 95% bootstrap intervals (nan where undetermined)."""

    k: float
    alpha: float
    beta: float
    k_low: float
    k_high: float
    alpha_low: float
    alpha_high: float
    beta_low: float
    beta_high: float
    n_points: int  # points with a positive, finite D_T
    n_sizes: int  # distinct N among them; beta needs 2

    def predict(self, d_f: np.ndarray, n: np.ndarray) -> np.ndarray:
        """D_T at fine-tuning data ``d_f`` and size ``n``."""
        beta = 0.0 if math.isnan(self.beta) else self.beta
        return np.asarray(self.k * np.power(d_f, self.alpha) * np.power(n, beta))

    def as_dict(self) -> dict[str, float | int]:
        """Field -> value."""
        return asdict(self)


def _least_squares(log_df: np.ndarray, log_n: np.ndarray, log_dt: np.ndarray,
                   weights: np.ndarray, with_n: bool) -> np.ndarray:
    columns = [np.ones_like(log_df), log_df] + ([log_n] if with_n else [])
    design = np.stack(columns, axis=1) * np.sqrt(weights)[:, None]
    theta, *_ = np.linalg.lstsq(design, log_dt * np.sqrt(weights), rcond=None)
    return np.asarray(theta)


def fit_transfer(d_f: np.ndarray, n: np.ndarray, d_t: np.ndarray, *, resamples: int = 1000,
                 seed: int = 0) -> TransferFit:
    """Fit ``log D_T = log k + alpha log D_F + beta log N`` and bootstrap it.

    Raises
    ------
    ValueError
        Fewer than 3 usable points, or fewer than 2 distinct D_F.
    """
    d_f, n, d_t = (np.asarray(a, dtype=float) for a in (d_f, n, d_t))
    keep = np.isfinite(d_t) & (d_t > 0)
    log_df, log_n, log_dt = np.log(d_f[keep]), np.log(n[keep]), np.log(d_t[keep])
    if keep.sum() < 3 or len(np.unique(log_df)) < 2:
        raise ValueError(f"the transfer fit needs 3 points with D_T > 0 over 2 D_F values, got "
                         f"{int(keep.sum())}")
    with_n = len(np.unique(log_n)) >= 2
    full = _least_squares(log_df, log_n, log_dt, np.ones_like(log_df), with_n)
    thetas = np.array(bootstrap(lambda w: _least_squares(log_df, log_n, log_dt, w, with_n),
                                len(log_df), resamples=resamples, seed=seed))
    beta = float(full[2]) if with_n else math.nan
    k_lo, k_hi = percentile_interval(np.exp(thetas[:, 0]))
    a_lo, a_hi = percentile_interval(thetas[:, 1])
    b_lo, b_hi = percentile_interval(thetas[:, 2]) if with_n else (math.nan, math.nan)
    return TransferFit(k=float(np.exp(full[0])), alpha=float(full[1]), beta=beta,
                       k_low=k_lo, k_high=k_hi, alpha_low=a_lo, alpha_high=a_hi,
                       beta_low=b_lo, beta_high=b_hi, n_points=int(keep.sum()),
                       n_sizes=len(np.unique(log_n)))
