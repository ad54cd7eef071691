"""Right-censored times: the Kaplan-Meier estimate of their median.

A time is either measured (the event happened then) or censored (it had not happened by then:
a lower bound). The Kaplan-Meier survival curve steps down at each measured time ``t`` by the
factor ``1 - d / r`` (``d`` events at ``t``, ``r`` times still at risk, censored ones included
while ``>= t``); its median is the first time where it falls to 1/2 or below. Where it never
does (half or more of the times are censored beyond every event), the median is only known to
exceed the largest time: reported as that bound, censored. Treating a bound as a value (or as
0) biases the median low; this estimate counts a bound for exactly what it says.
"""

from __future__ import annotations

import numpy as np


def kaplan_meier_median(times: np.ndarray, censored: np.ndarray) -> tuple[float, bool]:
    """``(median, is_lower_bound)`` of right-censored ``times`` (module docstring).

    Raises
    ------
    ValueError
        No times.
    """
    times = np.asarray(times, dtype=float)
    censored = np.asarray(censored, dtype=bool)
    if len(times) == 0:
        raise ValueError("a median needs at least one time")
    survival = 1.0
    for t in np.unique(times[~censored]):
        at_risk = int(np.count_nonzero(times >= t))
        events = int(np.count_nonzero((times == t) & ~censored))
        survival *= 1.0 - events / at_risk
        if survival <= 0.5 + 1e-12:
            return float(t), False
    return float(times.max()), True
