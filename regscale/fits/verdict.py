"""A verdict on every fit: is the law supported by the points behind it?

A fit is judged on what a reader needs before quoting it: the points used, the decades of x they
span, the 95% interval of its exponent, the scatter of the points about the curve, and whether a
parameter sits at a bound of its search box. The verdict is one of

- ``ok``: at least :data:`MIN_POINTS` points and at least two more points than the fit has
  free parameters, over at least :data:`MIN_DECADES` decades of x, a positive exponent whose 95%
  interval excludes 0 and has a width (a bootstrap that gives the same exponent every time says
  the points fix it exactly, as 3 points for 3 parameters do, not that it is known), a curve
  that falls by at least :data:`MIN_FALL` of its value over the fitted range
  (``1 - (x_min/x_max)^alpha >= MIN_FALL``; a growth law must grow by that fraction,
  ``(x_max/x_min)^alpha - 1 >= MIN_FALL``: a tiny exponent with a tight interval is a flat line,
  not a law), residual scatter (root mean square of the log residuals) at most
  :data:`MAX_RESIDUAL_RMS`, and no parameter at a bound;
- ``poorly determined: <reasons>``: it was fitted, but one or more of those fail;
- ``failed: <reason>``: there is no fit (too few points, or the optimiser gave up).

Only ``ok`` laws are drawn as laws, feed compute-optimal lines, or enter the complexity map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

MIN_POINTS = 3
"""Fewer points than this cannot show a curve bends as a power law."""

MIN_DECADES = 1.5
"""x must span at least this many decades (log10 max/min)."""

MIN_FALL = 0.25
"""The fitted curve must fall by at least this fraction of its value over the x range."""

ZERO_WIDTH = 1e-9
"""An interval narrower than this (relative to the exponent) has no width."""

MAX_RESIDUAL_RMS = 0.25
"""Largest root-mean-square log residual (about +-28% scatter about the curve)."""

OK = "ok"


@dataclass(frozen=True)
class FitQuality:
    """What the verdict was drawn from, and the verdict."""

    points: int  # points the fit used
    decades: float  # log10(max x / min x) of those points
    low: float  # 95% interval of the exponent (nan: none)
    high: float
    residual_rms: float  # root mean square of log residuals (nan: not computed)
    at_bound: str  # names of parameters at a bound, comma-separated ("" = none)
    verdict: str  # ok | poorly determined: ... | failed: ...

    def as_dict(self, prefix: str = "") -> dict[str, float | int | str]:
        """Field -> value, names prefixed (``alpha_N_`` gives ``alpha_N_points`` ...)."""
        return {f"{prefix}{k}": v for k, v in asdict(self).items()}


def decades(x: np.ndarray) -> float:
    """``log10(max / min)`` of positive ``x`` (0 for fewer than two points)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    return float(np.log10(x.max() / x.min())) if len(x) >= 2 else 0.0


def judge(*, x: np.ndarray, exponent: float, low: float, high: float,
          residual_rms: float = math.nan, at_bound: Sequence[str] = (),
          failed: str | None = None, direction: str = "falls",
          parameters: int = 2) -> FitQuality:
    """The verdict on one fitted exponent (module docstring for the rules).

    ``direction`` is ``"falls"`` for a loss law ``(x0/x)^alpha`` (the exponent must be
    positive), ``"rises"`` for a growth law ``k x^alpha`` (positive as well, worded as growth) or
    ``"either"`` where the sign is itself the finding (a negative exponent is then no fault; the
    interval must still exclude 0 and the curve must change by :data:`MIN_FALL`).

    Parameters
    ----------
    x
        The x values the fit used.
    exponent
        The fitted exponent (nan when the fit failed).
    low, high
        Its 95% interval (nan when there is none).
    residual_rms
        Root mean square of the fit's log residuals.
    at_bound
        Parameters that ended at a bound of their search box.
    failed
        Why there is no fit, when there is none.
    parameters
        Free parameters of the fit (2 for ``(x0/x)^alpha``, 3 with a free floor).
    """
    x = np.asarray(x, dtype=float)
    span = decades(x)

    def quality(verdict: str) -> FitQuality:
        return FitQuality(points=len(x), decades=span, low=low, high=high,
                          residual_rms=residual_rms, at_bound=", ".join(at_bound),
                          verdict=verdict)

    if failed is not None:
        return quality(f"failed: {failed}")
    if len(x) < 2 or not math.isfinite(exponent):
        return quality(f"failed: {'too few points' if len(x) < 2 else 'no exponent'}")
    reasons = []
    if len(x) < max(MIN_POINTS, parameters + 2):
        reasons.append(f"{len(x)} points" + (f" for {parameters} parameters"
                                            if len(x) >= MIN_POINTS else ""))
    if span < MIN_DECADES:
        reasons.append(f"{span:.3g} decades of x")
    if not (math.isfinite(low) and math.isfinite(high)):
        reasons.append("no interval")
    elif low <= 0 <= high:
        reasons.append("interval includes 0")
    elif high - low <= ZERO_WIDTH * max(1.0, abs(exponent)):
        reasons.append("zero-width interval")
    size = abs(exponent) if direction == "either" else exponent
    if size <= 0:
        reasons.append("exponent <= 0")
    else:
        if direction == "falls":
            verb, change = "falls", 1 - 10 ** (-span * size)
        else:
            verb, change = ("rises" if direction == "rises" else "changes"), 10 ** (span * size) - 1
        if change < MIN_FALL:
            reasons.append(f"flat: {verb} {100 * change:.2g}% over x")
    if math.isfinite(residual_rms) and residual_rms > MAX_RESIDUAL_RMS:
        reasons.append(f"scatter {residual_rms:.2g}")
    if at_bound:
        reasons.append(f"{', '.join(at_bound)} at bound")
    return quality(OK if not reasons else f"poorly determined: {'; '.join(reasons)}")


def residual_rms(log_observed: np.ndarray, log_predicted: np.ndarray) -> float:
    """Root mean square of log residuals."""
    r = np.asarray(log_observed, dtype=float) - np.asarray(log_predicted, dtype=float)
    return float(np.sqrt(np.mean(r**2))) if len(r) else math.nan
