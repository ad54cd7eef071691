"""Did a run converge, and did it learn in a late sudden drop? Read from its learning curve.

Let ``r(t)`` be the run's reducible loss at evaluation tokens ``t``: the excess over the exact
floor where one is known (regular languages), the loss itself otherwise, and ``best(t)`` its
running minimum. Over the run's ``T`` tokens:

- **converged**: the best evaluation improved by at most :data:`CONVERGED_FRACTION` of what was
  left over the last third of the tokens, ``best(2T/3) - best(T) <= CONVERGED_FRACTION *
  best(2T/3)``, or by no more than the evaluation can resolve: :data:`NOISE_MULTIPLE` standard
  errors of the final evaluation (``noise``, the held-out set's own standard error of the loss)
  and at least :data:`ABS_TOLERANCE` nats; a run stopped early on finite data converged by
  construction (its loss stopped improving for ``patience`` evaluations);
- **late drop**: in the second half of the tokens, ``best`` fell below :data:`LATE_DROP_FACTOR`
  of its previous value between two consecutive evaluations: the model learned in a sudden
  transition (state tracking, typically) rather than smoothly, so a slightly shorter budget would
  have missed it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

CONVERGED_FRACTION = 0.05
"""Largest relative improvement of the best loss over the last third of a converged run."""

ABS_TOLERANCE = 1e-4
"""Improvements below this (nats/token) count as none."""

NOISE_MULTIPLE = 2.0
"""Improvements within this many standard errors of the evaluation count as none."""

LATE_DROP_FACTOR = 0.5
"""A drop of the best reducible loss below this factor between two evaluations is sudden."""


@dataclass(frozen=True)
class Convergence:
    """The two flags, and the improvement they were read from."""

    converged: bool
    late_drop: bool
    last_third_improvement: float  # relative improvement of the best over the last third


def convergence(tokens: ArrayLike, loss: ArrayLike, *, floor: ArrayLike = 0.0,
                noise: ArrayLike = 0.0, early_stopped: bool = False) -> Convergence:
    """Judge one learning curve (module docstring); ``floor`` and ``noise`` (the standard error
    of each evaluation, NaN where unknown) per evaluation or one value."""
    seen = np.asarray(tokens, dtype=float)
    reducible = np.asarray(loss, dtype=float) - np.asarray(floor, dtype=float)
    error = np.broadcast_to(np.nan_to_num(np.asarray(noise, dtype=float), nan=0.0),
                            reducible.shape)
    keep = np.isfinite(reducible)
    seen, reducible, error = seen[keep], reducible[keep], error[keep]
    if len(seen) < 2:
        return Convergence(converged=early_stopped, late_drop=False,
                           last_third_improvement=float("nan"))
    order = np.argsort(seen, kind="stable")
    seen, best = seen[order], np.minimum.accumulate(reducible[order])
    resolution = max(NOISE_MULTIPLE * float(error[order][-1]), ABS_TOLERANCE)
    end = seen[-1]
    before = best[seen <= 2 * end / 3]
    if len(before) == 0:
        improvement = float("nan")
        converged = early_stopped
    else:
        gain = float(before[-1] - best[-1])
        improvement = gain / before[-1] if before[-1] > 0 else 0.0
        converged = early_stopped or gain <= max(CONVERGED_FRACTION * before[-1], resolution)
    late = seen[1:] > end / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        drops = best[1:] < LATE_DROP_FACTOR * best[:-1]
    return Convergence(converged=bool(converged), late_drop=bool((drops & late).any()),
                       last_third_improvement=improvement)
