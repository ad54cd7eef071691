"""Effective data transferred (Hernandez et al. 2021, "Scaling Laws for Transfer").

A model fine-tuned on D_F tokens that reaches loss ``L_ft`` is worth ``D_E`` tokens of target
data: the data a from-scratch model of the same size needs to reach ``L_ft``. ``D_E`` is read
off the scratch runs themselves, a monotone interpolation of their loss in log D
(:mod:`regscale.fits.effective_data`), never off a fitted law, so it does not depend on where
an optimiser stopped. The data transferred is ``D_T = D_E - D_F`` and the fraction of effective
data that came from fine-tuning ``D_F / D_E``; ``log(D_E / D_F)`` puts positive and negative
transfer on one scale (``D_T / D_F`` is bounded below by -1).

**Censoring.** The scratch curve is measured from ``D_min`` to ``D_max``. A fine-tuned run better
than the largest scratch run shows only that ``D_E >= D_max``: the row is ``censored`` (a lower
bound); one worse than the smallest shows ``D_E <= D_min`` (``upper_bound``). Neither is ever a
value: summaries treat them as the bounds they are (:mod:`regscale.fits.transfer_summary`).
Beyond ``D_max`` the equally good fits of a parametric law give an extrapolated ``D_E`` with
their spread, flagged and reported, not used.

Across sizes and fine-tuning sets, ``log D_T = log k + alpha log D_F + beta log N`` is fitted by
maximum likelihood with the censored rows as lower bounds (:mod:`regscale.fits.censored`), with
bootstrap percentile intervals and a verdict for alpha and beta (:mod:`regscale.fits.verdict`).
Rows with ``D_T <= 0`` (no transfer, or a bound that says nothing) cannot enter a law in logs:
they are counted, not fitted. The paper's English text -> Python values are k = 1.9e4,
alpha = 0.18, beta = 0.38.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from regscale.fits.bootstrap import bootstrap, percentile_interval
from regscale.fits.censored import fit_censored
from regscale.fits.effective_data import (
    LOWER,
    UPPER,
    ScratchCurve,
    equally_good_laws,
    extrapolate,
    scratch_curve,
)
from regscale.fits.power_law import PowerLawFit, fit_power_law
from regscale.fits.verdict import judge, residual_rms

MIN_REFITS = 0.5
"""Below this share of bootstrap resamples that can be fitted, a transfer fit has no interval."""


def fit_scratch_curves(scratch: pd.DataFrame) -> dict[int, PowerLawFit]:
    """One fitted ``L(D)`` per ``N`` from columns ``N``, ``D``, ``loss`` (needs 3 distinct D per
    N): the lines the figures draw; ``D_E`` comes from :func:`scratch_curves`."""
    curves = {}
    for n, group in scratch.groupby("N"):
        if group["D"].nunique() >= 3:
            curves[int(n)] = fit_power_law(group["D"].to_numpy(float),
                                           group["loss"].to_numpy(float))
    return curves


def scratch_curves(scratch: pd.DataFrame) -> dict[int, ScratchCurve]:
    """The monotone scratch curve per ``N`` (needs 2 distinct D per N)."""
    return {int(n): scratch_curve(group["D"].to_numpy(float), group["loss"].to_numpy(float))
            for n, group in scratch.groupby("N") if group["D"].nunique() >= 2}


def transfer_table(scratch: pd.DataFrame, finetuned: pd.DataFrame, *,
                   extrapolated: bool = True) -> pd.DataFrame:
    """Per fine-tuned run: ``D_E``, what kind it is, ``D_T``, ``D_F / D_E``, ``log(D_E / D_F)``.

    ``scratch`` and ``finetuned`` have columns ``N``, ``D`` and ``loss`` (and ``seed`` where runs
    have several: every seed's scratch runs make one curve per N, every fine-tuned run one row);
    ``finetuned``'s ``D`` is D_F. Sizes without a scratch curve are left out. ``censored`` rows
    carry lower bounds of ``D_E`` (and ``D_T``, ``log_ratio``) and an upper bound of
    ``D_F / D_E``; ``upper_bound`` rows the reverse. With ``extrapolated``, censored rows also get
    the parametric extrapolation and its spread over equally good fits (module docstring).
    """
    curves = scratch_curves(scratch)
    laws: dict[int, list[PowerLawFit]] = {}
    means = scratch.groupby(["N", "D"])["loss"].mean().to_dict()
    rows = []
    for row in finetuned.itertuples(index=False):
        n = int(row.N)
        curve = curves.get(n)
        if curve is None:
            continue
        loss, d_f = float(row.loss), float(row.D)
        d_e, kind = curve.effective_data(loss)
        out = {
            "N": n, "D_F": d_f, "loss_finetuned": loss, "seed": getattr(row, "seed", 0),
            "loss_scratch": float(means.get((row.N, row.D), math.nan)),
            "D_E": d_e, "D_E_kind": kind, "censored": kind == LOWER, "upper_bound": kind == UPPER,
            "D_T": d_e - d_f, "fraction_from_finetuning": d_f / d_e,
            "log_ratio": math.log(d_e / d_f), "scratch_reach": curve.reach,
            "D_min": curve.d_min, "D_max": curve.d_max,
            "D_E_extrapolated": math.nan, "D_E_extrapolated_low": math.nan,
            "D_E_extrapolated_high": math.nan, "extrapolation_identified": False,
        }
        if extrapolated and kind == LOWER and len(curve.d) >= 3:
            if n not in laws:
                same = scratch[scratch["N"] == row.N]
                laws[n] = equally_good_laws(same["D"].to_numpy(float),
                                            same["loss"].to_numpy(float))
            guess = extrapolate(laws[n], loss)
            out.update({"D_E_extrapolated": guess.d_e, "D_E_extrapolated_low": guess.low,
                        "D_E_extrapolated_high": guess.high,
                        "extrapolation_identified": guess.identified})
        rows.append(out)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class TransferFit:
    """``D_T = k * D_F^alpha * N^beta`` with 95% bootstrap intervals (nan where undetermined) and
    a verdict on each exponent."""

    k: float
    alpha: float
    beta: float
    k_low: float
    k_high: float
    alpha_low: float
    alpha_high: float
    beta_low: float
    beta_high: float
    n_points: int  # points the fit used: measured D_T > 0 and censored bounds > 0
    n_censored: int  # of those, lower bounds
    n_left_out: int  # D_T <= 0 or not finite: no transfer, or a bound that says nothing
    n_sizes: int  # distinct N among them; beta needs 2
    sigma: float  # residual scale of log D_T
    residual_rms: float  # root mean square log residual of the measured points
    alpha_verdict: str
    beta_verdict: str

    def predict(self, d_f: np.ndarray, n: np.ndarray) -> np.ndarray:
        """D_T at fine-tuning data ``d_f`` and size ``n``."""
        beta = 0.0 if math.isnan(self.beta) else self.beta
        return np.asarray(self.k * np.power(d_f, self.alpha) * np.power(n, beta))

    def fraction_from_finetuning(self, d_f: np.ndarray, n: np.ndarray) -> np.ndarray:
        """``D_F / D_E`` the law gives at ``d_f`` and ``n``."""
        d_f = np.asarray(d_f, dtype=float)
        return np.asarray(d_f / (d_f + self.predict(d_f, np.asarray(n, dtype=float))))

    def as_dict(self) -> dict[str, float | int | str]:
        """Field -> value."""
        return asdict(self)


def fit_transfer(d_f: ArrayLike, n: ArrayLike, d_t: ArrayLike, *,
                 censored: ArrayLike | None = None, upper: ArrayLike | None = None,
                 resamples: int = 1000, seed: int = 0,
                 seeds: ArrayLike | None = None) -> TransferFit:
    """Fit ``log D_T = log k + alpha log D_F + beta log N``, with ``censored`` rows of ``d_t``
    as lower bounds, and bootstrap it (over ``seeds``, the training seed of each row, as well as
    over rows, where there are several). ``upper`` rows (``D_E`` at most the smallest scratch
    budget) are left out with the rows that do not transfer.

    Raises
    ------
    ValueError
        Fewer than 3 usable points, fewer than 2 distinct D_F, or fewer measured points than
        coefficients.
    """
    d_f, n, d_t = (np.asarray(a, dtype=float) for a in (d_f, n, d_t))
    bound = np.zeros(len(d_t), bool) if censored is None else np.asarray(censored, dtype=bool)
    keep = np.isfinite(d_t) & (d_t > 0)
    if upper is not None:
        keep &= ~np.asarray(upper, dtype=bool)
    log_df, log_n, log_dt = np.log(d_f[keep]), np.log(n[keep]), np.log(d_t[keep])
    bound = bound[keep]
    clusters = None if seeds is None else np.asarray(seeds)[keep]
    if clusters is not None and len(np.unique(clusters)) < 2:
        clusters = None
    if keep.sum() < 3 or len(np.unique(log_df)) < 2:
        raise ValueError(f"the transfer fit needs 3 points with D_T > 0 over 2 D_F values, got "
                         f"{int(keep.sum())}")
    with_n = len(np.unique(log_n)) >= 2
    design = np.stack([np.ones_like(log_df), log_df] + ([log_n] if with_n else []), axis=1)
    full = fit_censored(design, log_dt, bound)

    def refit(weights: np.ndarray) -> np.ndarray:
        try:
            return fit_censored(design, log_dt, bound, weights).theta
        except ValueError:  # a resample with too few measured points
            return np.full(design.shape[1], np.nan)

    thetas = np.array(bootstrap(refit, len(log_dt), resamples=resamples, seed=seed,
                                clusters=clusters))
    thetas = thetas[np.isfinite(thetas).all(axis=1)]
    if len(thetas) < MIN_REFITS * resamples:  # most resamples cannot be fitted: no interval
        thetas = np.full((2, design.shape[1]), np.nan)
    k_lo, k_hi = percentile_interval(np.exp(thetas[:, 0]))
    a_lo, a_hi = percentile_interval(thetas[:, 1])
    b_lo, b_hi = percentile_interval(thetas[:, 2]) if with_n else (math.nan, math.nan)
    beta = float(full.theta[2]) if with_n else math.nan
    measured = ~bound
    rms = residual_rms(log_dt[measured], (design @ full.theta)[measured])
    # sigma at a bound matters only where the measured points fit exactly (as many as
    # coefficients); with more, it says they lie on the line, which leaves theta determined
    at_bound = ["sigma"] if full.sigma_at_bound and measured.sum() <= design.shape[1] else []
    parameters = design.shape[1] + 1  # the coefficients and the scatter sigma
    alpha_quality = judge(x=d_f[keep], exponent=float(full.theta[1]), low=a_lo, high=a_hi,
                          residual_rms=rms, at_bound=at_bound, direction="rises",
                          parameters=parameters)
    beta_quality = (judge(x=n[keep], exponent=beta, low=b_lo, high=b_hi, residual_rms=rms,
                          at_bound=at_bound, direction="either", parameters=parameters)
                    if with_n else
                    judge(x=n[keep], exponent=math.nan, low=math.nan, high=math.nan,
                          failed="one model size"))
    return TransferFit(k=float(np.exp(full.theta[0])), alpha=float(full.theta[1]), beta=beta,
                       k_low=k_lo, k_high=k_hi, alpha_low=a_lo, alpha_high=a_hi,
                       beta_low=b_lo, beta_high=b_hi, n_points=int(keep.sum()),
                       n_censored=int(bound.sum()), n_left_out=int((~keep).sum()),
                       n_sizes=len(np.unique(log_n)), sigma=full.sigma, residual_rms=rms,
                       alpha_verdict=alpha_quality.verdict, beta_verdict=beta_quality.verdict)
