"""Bootstrap percentile intervals: refit on resampled points (Efron 1979).

Resampling with replacement is expressed as integer weights on the points, so a refit sees the
same arrays; each refit starts from the full-data optimum. The refits run with one BLAS thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

from regscale.threads import single_threaded_blas

T = TypeVar("T")


@single_threaded_blas()
def bootstrap(fit: Callable[[np.ndarray], T], n_points: int, *, resamples: int, seed: int,
              progress: Callable[[int], None] | None = None,
              clusters: np.ndarray | None = None) -> list[T]:
    """``resamples`` refits; ``fit(weights)`` gets the resample's multiplicities per point.

    With ``clusters`` (a label per point, e.g. the seed of the run behind it), each resample is
    two-stage: clusters are drawn with replacement, then points with replacement within each
    drawn cluster, so the interval carries the spread between clusters as well as within them.
    """
    rng = np.random.default_rng(seed)
    members = ([np.flatnonzero(clusters == label) for label in np.unique(clusters)]
               if clusters is not None else None)
    out = []
    for i in range(resamples):
        if members is None:
            weights = np.bincount(rng.integers(n_points, size=n_points),
                                  minlength=n_points).astype(float)
        else:
            weights = np.zeros(n_points)
            for drawn in rng.integers(len(members), size=len(members)):
                points = members[drawn]
                np.add.at(weights, points[rng.integers(len(points), size=len(points))], 1.0)
        out.append(fit(weights))
        if progress is not None:
            progress(i + 1)
    return out


def percentile_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` percentile interval."""
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return float(lo), float(hi)
