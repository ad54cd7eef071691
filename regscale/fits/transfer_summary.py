"""Censoring-aware summaries of transfer: locations, orderings and trends of ``log(D_E / D_F)``.

Every fine-tuned run gives ``y = log(D_E / D_F)``: measured, a lower bound (better than the
largest scratch run) or an upper bound (worse than the smallest). A median that takes the bounds
as values is biased towards the middle of the scratch range; here they count for what they say:

- :func:`censored_location`: the location of ``y`` under a censored normal model (the Tobit
  intercept, :mod:`regscale.fits.censored`): the median of ``y``, hence of ``D_E / D_F``;
- :func:`kaplan_meier_location`: the Kaplan-Meier median where bounds go one way only (no
  distributional assumption; a bound itself where half or more lie beyond every measurement);
- :func:`target_effects`: one censored regression ``y ~ target + cell`` over the (N, D_F) cells
  of one source, so targets are compared at matched size and fine-tuning data; a target's effect
  is its fitted ``y`` averaged over the cells (so its sign says whether transfer helps on
  average over the design), and the effects' differences are the pairwise comparisons;
- :func:`trend`: ``y ~ 1 + log N + log D_F`` for one pair; the slopes of ``log(D_F / D_E)`` are
  their negatives (the seed post reports ``D_F / D_E`` falling with N and rising with D_F).

The intervals come from resampling seeds within each cell (:func:`resample_within`): each cell's
runs are replicates that differ only in their seed (model initialisation and data offset).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from regscale.fits.censored import fit_censored
from regscale.fits.survival import kaplan_meier_median


def _arrays(y: np.ndarray, lower: np.ndarray, upper: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.asarray(y, float), np.asarray(lower, bool), np.asarray(upper, bool))


def censored_location(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """The Tobit location of ``y`` with ``lower`` rows lower bounds and ``upper`` rows upper
    bounds; NaN with fewer than 2 measured values (a location and a scale need them)."""
    y, lower, upper = _arrays(y, lower, upper)
    if np.count_nonzero(~lower & ~upper) < 2:
        return math.nan
    fit = fit_censored(np.ones((len(y), 1)), y, lower, upper=upper)
    return float(fit.theta[0])


def kaplan_meier_location(y: np.ndarray, lower: np.ndarray, upper: np.ndarray
                          ) -> tuple[float, str]:
    """The Kaplan-Meier median of ``y`` and what it is: ``"median"``, ``"lower bound"`` or
    ``"upper bound"`` (half or more of the rows lie beyond every measurement), or NaN and
    ``"bounds both ways"`` where rows are bounded on both sides (no Kaplan-Meier applies)."""
    y, lower, upper = _arrays(y, lower, upper)
    if lower.any() and upper.any():
        return math.nan, "bounds both ways"
    if upper.any():  # an upper bound of y is a lower bound of -y
        value, bound = kaplan_meier_median(-y, upper)
        return -value, "upper bound" if bound else "median"
    value, bound = kaplan_meier_median(y, lower)
    return value, "lower bound" if bound else "median"


def naive_median(y: np.ndarray) -> float:
    """The median taking every bound as a value: biased, kept for comparison."""
    return float(np.median(np.asarray(y, float)))


def _design(frame: pd.DataFrame, targets: Sequence[str]) -> np.ndarray:
    """One column per target, then one per (N, D_F) cell but the first."""
    columns = [(frame["target"] == t).to_numpy(float) for t in targets]
    cells = list(dict.fromkeys(zip(frame["N"], frame["D_F"], strict=True)))
    for n, d_f in sorted(cells)[1:]:
        columns.append(((frame["N"] == n) & (frame["D_F"] == d_f)).to_numpy(float))
    return np.stack(columns, axis=1)


def target_effects(frame: pd.DataFrame, targets: Sequence[str],
                   column: str = "log_ratio") -> dict[str, float]:
    """Each target's effect on ``column`` at matched (N, D_F): its fitted value averaged over
    the informative cells (module docstring), keyed by target; censored columns ``censored``
    and ``upper_bound`` are used where ``frame`` has them. NaN for every target when the fit
    cannot be made (too few measured values)."""
    frame = frame[frame["target"].isin(targets)]
    lower = frame["censored"].to_numpy(bool) if "censored" in frame else np.zeros(len(frame), bool)
    upper = (frame["upper_bound"].to_numpy(bool) if "upper_bound" in frame
             else np.zeros(len(frame), bool))
    # a cell without a measured value says nothing about the targets (its own coefficient
    # runs off to infinity): leave it out
    measured = pd.Series(~lower & ~upper, index=frame.index)
    informative = measured.groupby([frame["N"], frame["D_F"]]).transform("any").to_numpy(bool)
    frame = frame[informative]
    lower, upper = lower[informative], upper[informative]
    present = [t for t in targets if (frame["target"] == t).any()]
    if not present:  # nothing measured anywhere: no target can be placed
        return {t: math.nan for t in targets}
    design = _design(frame, present)
    try:
        fit = fit_censored(design, frame[column].to_numpy(float), lower, upper=upper)
    except ValueError:
        return {t: math.nan for t in targets}
    cells = fit.theta[len(present):]  # the first cell's effect is 0: it is the reference
    shift = float(cells.sum()) / (len(cells) + 1)
    found = dict(zip(present, fit.theta[:len(present)] + shift, strict=True))
    return {t: float(found.get(t, math.nan)) for t in targets}


def trend(frame: pd.DataFrame) -> dict[str, float]:
    """Slopes of ``log(D_F / D_E)`` in log N and log D_F for one pair (module docstring); NaN
    without two sizes and two D_F, or with too few measured values."""
    nan = {"slope_N": math.nan, "slope_D_F": math.nan}
    if frame["N"].nunique() < 2 or frame["D_F"].nunique() < 2:
        return nan
    design = np.stack([np.ones(len(frame)), np.log(frame["N"].to_numpy(float)),
                       np.log(frame["D_F"].to_numpy(float))], axis=1)
    try:
        fit = fit_censored(design, frame["log_ratio"].to_numpy(float),
                           frame["censored"].to_numpy(bool),
                           upper=frame["upper_bound"].to_numpy(bool))
    except ValueError:
        return nan
    return {"slope_N": -float(fit.theta[1]), "slope_D_F": -float(fit.theta[2])}


def resample_within(frame: pd.DataFrame, keys: Sequence[str],
                    rng: np.random.Generator) -> pd.DataFrame:
    """Rows drawn with replacement within each group of ``keys`` (as many as the group has)."""
    if frame.empty:
        return frame
    codes = frame.groupby(list(keys), sort=False).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pick = starts[codes[order]] + (rng.random(len(order)) * sizes[codes[order]]).astype(int)
    return frame.iloc[order[pick]].reset_index(drop=True)
