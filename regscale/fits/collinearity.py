"""Collinearity of a design's regressors: correlations and variance inflation factors.

The variance inflation of regressor j is ``1 / (1 - R_j^2)``, ``R_j^2`` of the least-squares
regression (with intercept) of j on the others: how much the variance of j's coefficient grows
because the others predict it. 1 means orthogonal; above 5 the coefficients of the regressors
involved cannot be told apart with any useful precision. A constant regressor has no variance to
inflate (NaN); one the others predict exactly has an infinite factor.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

VIF_LIMIT = 5.0
"""Variance inflation above this is reported as collinear."""


def variance_inflation(columns: pd.DataFrame) -> pd.Series:
    """Variance inflation factor of every column given the others (module docstring)."""
    values = columns.to_numpy(float)
    out = {}
    for j, name in enumerate(columns.columns):
        y = values[:, j]
        if len(y) < 2 or np.ptp(y) == 0:
            out[name] = math.nan
            continue
        others = np.delete(values, j, axis=1)
        design = np.column_stack([np.ones(len(y)), others])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        residual = float(((y - design @ coef) ** 2).sum())
        total = float(((y - y.mean()) ** 2).sum())
        r2 = 1.0 - residual / total
        out[name] = math.inf if r2 >= 1.0 - 1e-12 else 1.0 / (1.0 - r2)
    return pd.Series(out, dtype=float)
