"""Effective data from the scratch runs themselves: a monotone interpolation of loss in log D.

For one model size the from-scratch runs give, at each scratch budget ``D_j``, one loss per seed.
The **scratch curve** is their mean per ``D_j``, made non-increasing in ``D`` by pooling adjacent
violators (weighted by the number of seeds: more data never hurts the best held-out loss, so a
rise is noise), joined in ``(log D, loss)`` by the monotone cubic of Fritsch and Carlson
(PCHIP: it passes through every point, never overshoots them and stays non-increasing; on a
smooth curve it errs far less than straight lines). A fine-tuned loss ``L`` within the
curve's range is worth ``D_E`` tokens where the curve reaches ``L`` (the smallest such ``D`` on a
flat stretch). No parametric law enters, so ``D_E`` cannot depend on which of two equally good
optima a fitter found.

Outside the range ``D_E`` is censored:

- ``L`` below the curve's last point (better than the largest scratch run): ``D_E >= D_max``, a
  **lower bound**;
- ``L`` above the curve's first point (worse than the smallest scratch run, strong negative
  transfer): ``D_E <= D_min``, an **upper bound**.

Beyond ``D_max`` a free-floor law ``L(D) = E + (D0 / D)^a`` may *extrapolate* (never used by the
summaries, which take the bound): it is fitted from :data:`STARTS` starts and profiled over its
floor, and every law whose objective is within :data:`NEAR_OPTIMAL` of the best is kept. Their
spread of extrapolated ``D_E`` is the law's non-identifiability, reported beside the value.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.optimize import brentq

from regscale.fits.huber_fit import huber
from regscale.fits.power_law import PowerLawFit, fit_excess_power_law, fit_power_law_starts

MEASURED, LOWER, UPPER = "measured", "lower bound", "upper bound"
"""What a ``D_E`` is: interpolated within the scratch range, or a bound outside it."""

STARTS = 32
"""Starts of the extrapolating law's fit."""

NEAR_OPTIMAL = 0.01
"""Optima within this relative objective of the best count as equally good fits."""

PROFILE_FLOORS = 40
"""Fixed floors of the profile that looks for equally good laws."""

IDENTIFIED_RATIO = 1.25
"""An extrapolated D_E is identified when its equally good fits agree within this factor."""


def pool_adjacent_violators(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted least-squares non-increasing sequence closest to ``values``."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for value, weight in zip(np.asarray(values, float), np.asarray(weights, float), strict=True):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            mean2, weight2, count2 = blocks.pop()
            mean1, weight1, count1 = blocks.pop()
            total = weight1 + weight2
            blocks.append([(mean1 * weight1 + mean2 * weight2) / total, total, count1 + count2])
    return np.concatenate([np.full(int(count), mean) for mean, _, count in blocks])


@dataclass(frozen=True)
class ScratchCurve:
    """A non-increasing loss per scratch budget (module docstring)."""

    d: np.ndarray  # distinct scratch budgets, increasing
    loss: np.ndarray  # the pooled mean loss at each, non-increasing

    @property
    def d_min(self) -> float:
        """The smallest scratch budget."""
        return float(self.d[0])

    @property
    def d_max(self) -> float:
        """The largest scratch budget."""
        return float(self.d[-1])

    @property
    def reach(self) -> float:
        """The loss at the largest budget: below it ``D_E`` is only a lower bound."""
        return float(self.loss[-1])

    def effective_data(self, loss: float) -> tuple[float, str]:
        """``(D_E, kind)`` of a fine-tuned ``loss``: interpolated, or a bound (module docstring)."""
        if loss < self.loss[-1]:
            return self.d_max, LOWER
        if loss > self.loss[0]:
            return self.d_min, UPPER
        # the first budget whose loss is at or below ``loss``; the curve falls to it from the
        # previous one (strictly, since a flat stretch starts at its first budget)
        j = int(np.argmax(self.loss <= loss))
        if j == 0 or self.loss[j] == loss:
            return float(self.d[j]), MEASURED
        lo, hi = math.log(self.d[j - 1]), math.log(self.d[j])
        log_d = brentq(lambda x: float(self._cubic(x)) - loss, lo, hi, xtol=1e-12)
        return float(math.exp(log_d)), MEASURED

    @cached_property
    def _cubic(self) -> PchipInterpolator:
        return PchipInterpolator(np.log(self.d), self.loss)

    def predict(self, d: np.ndarray) -> np.ndarray:
        """The curve's loss at ``d`` within its range (clamped to its ends outside it)."""
        x = np.clip(np.log(np.asarray(d, float)), math.log(self.d_min), math.log(self.d_max))
        return np.asarray(self._cubic(x))


def scratch_curve(d: np.ndarray, loss: np.ndarray) -> ScratchCurve:
    """The monotone scratch curve of runs at budgets ``d`` with losses ``loss`` (any number of
    seeds per budget).

    Raises
    ------
    ValueError
        Fewer than 2 distinct budgets, or a loss that is not finite.
    """
    d, loss = np.asarray(d, float), np.asarray(loss, float)
    if not np.isfinite(loss).all():
        raise ValueError("scratch losses must be finite")
    budgets, inverse, counts = np.unique(d, return_inverse=True, return_counts=True)
    if len(budgets) < 2:
        raise ValueError("a scratch curve needs at least 2 distinct budgets")
    means = np.bincount(inverse, weights=loss) / counts
    return ScratchCurve(d=budgets, loss=pool_adjacent_violators(means, counts))


@dataclass(frozen=True)
class Extrapolation:
    """``D_E`` past the scratch range from the equally good fits of a parametric law."""

    d_e: float  # from the best fit (inf at or below its floor)
    low: float  # smallest among the equally good fits
    high: float  # largest among them
    fits: int  # equally good fits (distinct optima within NEAR_OPTIMAL)

    @property
    def identified(self) -> bool:
        """Whether the equally good fits agree within :data:`IDENTIFIED_RATIO`."""
        return math.isfinite(self.high) and self.high <= IDENTIFIED_RATIO * self.low


def equally_good_laws(d: np.ndarray, loss: np.ndarray) -> list[PowerLawFit]:
    """Every law within :data:`NEAR_OPTIMAL` of the best Huber objective, best first (needs 3
    distinct budgets): the optima from :data:`STARTS` starts, and the profile over the floor
    (``E`` fixed on :data:`PROFILE_FLOORS` values below the smallest loss, the rest by least
    squares), which finds the floor-exponent trade-off an optimiser may stop anywhere along."""
    d, loss = np.asarray(d, float), np.asarray(loss, float)
    candidates = [law for law, _ in fit_power_law_starts(d, loss, n_starts=STARTS)]
    for floor in np.linspace(0.0, float(loss.min()), PROFILE_FLOORS + 1, endpoint=False)[1:]:
        try:
            law = fit_excess_power_law(d, loss, float(floor))
        except ValueError:
            continue
        if law.alpha > 0:
            candidates.append(dataclasses.replace(law, floor_known=False))
    scored = sorted(((law, huber_objective(law, d, loss)) for law in candidates),
                    key=lambda pair: pair[1])
    best = scored[0][1]
    return [law for law, value in scored if value <= best * (1 + NEAR_OPTIMAL) + 1e-15]


def huber_objective(law: PowerLawFit, d: np.ndarray, loss: np.ndarray) -> float:
    """The free-floor fit's objective (:mod:`regscale.fits.huber_fit`) at ``law``."""
    return float(huber(np.log(law.predict(d)) - np.log(loss)).sum())


def law_effective_data(law: PowerLawFit, loss: float) -> float:
    """``D_E`` with ``law(D_E) = loss``: inf at or below the law's floor."""
    reducible = loss - law.E
    if reducible <= 0:
        return math.inf
    with np.errstate(over="ignore"):
        return float(np.exp(law.log_x0 - math.log(reducible) / law.alpha))


def extrapolate(laws: list[PowerLawFit], loss: float) -> Extrapolation:
    """``D_E`` of ``loss`` under each equally good law (module docstring)."""
    values = np.array([law_effective_data(law, loss) for law in laws])
    return Extrapolation(d_e=float(values[0]), low=float(values.min()),
                         high=float(values.max()), fits=len(values))
