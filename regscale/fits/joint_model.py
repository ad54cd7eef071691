"""One joint model of every language's scaling law, with complexity in the exponent and the
prefactor, automata as replicates.

For the points of one architecture on one axis X (compute, parameters or data), language l
with centred complexity regressors ``z_l`` (log2 states, log2 transitions per state, ...):

    log excess = a_l - alpha_l (log X - log X0) + noise,     alpha_l = alpha + sum_m b_m z_lm,

fitted by least squares over all points at once, with a free intercept ``a_l`` per language (a
language's own offset never leaks into the exponent terms). ``X0`` is the geometric mean of X
over the points, so ``a_l`` is the language's log excess at X0: its prefactor, measured where
the data are. The prefactor's dependence on complexity is the least-squares line
``a_l = log A + sum_m c_m z_lm`` over the languages, refitted inside every resample. The
regressors are centred at their mean over languages, so ``alpha`` is the exponent of the
design's average language and ``b_m`` how much the exponent moves per unit of regressor m (per
doubling, for a log2 regressor).

- **Exponent or prefactor?** The nested model ``b = 0`` (one exponent for all, complexity only
  in the prefactor) against the full one: the classical F-test (points as independent), and a
  Wald test whose covariance comes from the cluster bootstrap (automata as the replicates; the
  one to trust, since points of one automaton share its quirks).
- **Intervals**: a cluster bootstrap resamples automata with replacement (all the points of each
  language sampling a drawn automaton come along), refits, and takes percentile intervals.
- **Leave one automaton out**: refits without each automaton; a coefficient is *resolved* only
  when its interval excludes 0 and its sign is the same in every refit, else *not resolved*.

The comparison of two regressors (which matters more, states or transitions per state?) is on
standardised effects ``|b_m| sd(z_m)`` (sd over the languages): the difference, with its
bootstrap interval and leave-one-out signs, resolved the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from regscale.fits.bootstrap import percentile_interval

RESOLVED = "resolved"
NOT_RESOLVED = "not resolved"

BOOTSTRAP_RESAMPLES = 400
"""Cluster-bootstrap resamples behind each interval."""

LEVEL = 0.05
"""Tests and intervals are at this level (95% intervals)."""


@dataclass(frozen=True)
class JointData:
    """The points of one fit: ``log_x``, ``log_excess``, the language's centred regressors
    ``z`` (one column per regressor), and each point's cluster (automaton)."""

    log_x: np.ndarray
    log_excess: np.ndarray
    z: np.ndarray
    clusters: np.ndarray
    regressors: tuple[str, ...]
    languages: np.ndarray

    @classmethod
    def from_points(cls, points: pd.DataFrame, regressors: tuple[str, ...], *,
                    x: str = "x", excess: str = "excess", cluster: str = "automaton",
                    language: str = "language") -> JointData:
        """From a table with one row per point (positive ``x`` and ``excess``)."""
        per_language = points.groupby(language)[list(regressors)].first()
        centre = per_language.mean()
        return cls(log_x=np.log(points[x].to_numpy(float)),
                   log_excess=np.log(points[excess].to_numpy(float)),
                   z=(points[list(regressors)] - centre).to_numpy(float),
                   clusters=points[cluster].astype(str).to_numpy(),
                   regressors=tuple(regressors),
                   languages=points[language].astype(str).to_numpy())

    def subset(self, rows: np.ndarray) -> JointData:
        """These rows (an index array; rows may repeat)."""
        return JointData(self.log_x[rows], self.log_excess[rows], self.z[rows],
                         self.clusters[rows], self.regressors, self.languages[rows])


def term_names(regressors: tuple[str, ...], *, exponent_varies: bool = True) -> list[str]:
    """Names of the reported coefficients, in the order of :func:`fit_coefficients`."""
    names = ["log_A", *(f"log_A:{m}" for m in regressors), "alpha"]
    return names + ([f"alpha:{m}" for m in regressors] if exponent_varies else [])


def _design(data: JointData, exponent_varies: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """Columns: one indicator per language, -(log x - log x0), and -z (log x - log x0) where
    the exponent varies; also each language's index and the number of languages."""
    labels, index = np.unique(data.languages, return_inverse=True)
    centred = data.log_x - data.log_x.mean()
    columns = [(index == i).astype(float) for i in range(len(labels))] + [-centred]
    if exponent_varies:
        columns += [-(z * centred) for z in data.z.T]
    return np.column_stack(columns), index, len(labels)


def fit_coefficients(data: JointData, *, exponent_varies: bool = True
                     ) -> tuple[np.ndarray, float, int]:
    """The reported coefficients (:func:`term_names`), the residual sum of squares, and whether
    everything was identified (1) or not (0): a design that loses rank, or a prefactor line
    with no more languages than coefficients."""
    design, index, languages = _design(data, exponent_varies)
    coef, _, rank, _ = np.linalg.lstsq(design, data.log_excess, rcond=None)
    residual = data.log_excess - design @ coef
    k = data.z.shape[1]
    first = np.unique(index, return_index=True)[1]
    line = np.column_stack([np.ones(languages), data.z[first]])
    prefactor, _, line_rank, _ = np.linalg.lstsq(line, coef[:languages], rcond=None)
    identified = rank == design.shape[1] and line_rank == k + 1 and languages > k + 1
    reported = np.concatenate([prefactor, coef[languages:]])
    return reported, float(residual @ residual), int(identified)


@dataclass(frozen=True)
class JointResult:
    """The fitted model, its tests and its resolved findings (module docstring)."""

    coefficients: pd.DataFrame  # term, estimate, low, high, loo_low, loo_high, status
    test: dict[str, float | str]  # the nested test of "prefactor only"
    comparisons: pd.DataFrame  # pairs of regressors: which moves the exponent more
    points: int
    languages: int
    automata: int


def analyse_joint(data: JointData, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0,
                  compare: tuple[tuple[str, str], ...] = ()) -> JointResult:
    """Fit, cluster-bootstrap, leave each automaton out, test and compare (module docstring)."""
    names = term_names(data.regressors)
    p = len(names)
    coef, rss_full, identified = fit_coefficients(data)
    languages = len(np.unique(data.languages))
    free = len(data.log_x) - languages - 1 - len(data.regressors)
    if not identified or free < 1:
        raise ValueError(f"the joint model needs more points than its {languages} language "
                         f"offsets and {1 + len(data.regressors)} exponent terms, regressors "
                         f"that vary and more languages than regressors + 1: "
                         f"{len(data.log_x)} points, {languages} languages")
    draws = cluster_bootstrap(data, resamples=resamples, seed=seed)
    loo = leave_one_out(data)
    first = np.unique(data.languages, return_index=True)[1]
    sd = data.z[first].std(axis=0, ddof=1) if len(first) > 1 else np.zeros(len(data.regressors))
    rows = []
    for j, name in enumerate(names):
        low, high = percentile_interval(draws[:, j]) if len(draws) else (math.nan, math.nan)
        rows.append(finding(name, coef[j], low, high, loo[:, j]))
    coefficients = pd.DataFrame(rows)
    k = len(data.regressors)
    exponent = slice(p - k, p)
    test = nested_test(data, coef, rss_full, draws[:, exponent] if len(draws) else draws,
                       loo[:, exponent])
    comparisons = pd.DataFrame([_compare(data, coef, draws, loo, sd, a, b)
                                for a, b in compare])
    return JointResult(coefficients=coefficients, test=test, comparisons=comparisons,
                       points=len(data.log_x), languages=len(np.unique(data.languages)),
                       automata=len(np.unique(data.clusters)))


def finding(name: str, estimate: float, low: float, high: float, loo: np.ndarray
            ) -> dict[str, float | str]:
    """One term's row: estimate, interval, leave-one-out range, whether the sign holds in every
    leave-one-out refit, and ``resolved`` only when that and an interval excluding 0 both do."""
    sign = np.sign(estimate)
    holds = bool(np.all(np.sign(loo) == sign)) if len(loo) else False
    excludes = math.isfinite(low) and (low > 0 or high < 0)
    return {"term": name, "estimate": float(estimate), "low": low, "high": high,
            "loo_low": float(loo.min()) if len(loo) else math.nan,
            "loo_high": float(loo.max()) if len(loo) else math.nan,
            "sign_holds": holds,
            "status": RESOLVED if excludes and holds else NOT_RESOLVED}


def cluster_bootstrap(data: JointData, *, resamples: int, seed: int) -> np.ndarray:
    """Coefficients refitted on ``resamples`` resamples of the automata (rows: resamples;
    resamples whose design loses rank are dropped)."""
    rng = np.random.default_rng(seed)
    labels, index = np.unique(data.clusters, return_inverse=True)
    members = [np.flatnonzero(index == c) for c in range(len(labels))]
    p = len(term_names(data.regressors))
    out = []
    for _ in range(resamples):
        drawn = rng.integers(0, len(labels), size=len(labels))
        rows = np.concatenate([members[c] for c in drawn])
        coef, _, identified = fit_coefficients(data.subset(rows))
        if identified:
            out.append(coef)
    return np.array(out).reshape(-1, p)


def leave_one_out(data: JointData) -> np.ndarray:
    """Coefficients refitted without each automaton in turn (rows: automata; refits that lose
    rank are NaN)."""
    p = len(term_names(data.regressors))
    out = []
    for label in np.unique(data.clusters):
        coef, _, identified = fit_coefficients(
            data.subset(np.flatnonzero(data.clusters != label)))
        out.append(coef if identified else np.full(p, np.nan))
    return np.array(out).reshape(-1, p)


def nested_test(data: JointData, coef: np.ndarray, rss_full: float, exponent_draws: np.ndarray,
                exponent_loo: np.ndarray) -> dict[str, float | str]:
    """"One exponent for all, complexity only in the prefactor" against "the exponent moves":
    the F-test on the points, and the Wald test with the cluster-bootstrap covariance (whose
    p-value gives the verdict; it must also reject in every leave-one-out refit)."""
    k = len(data.regressors)
    n, p = len(data.log_x), len(coef)
    free = n - len(np.unique(data.languages)) - 1 - k  # residual degrees of freedom
    _, rss_null, _ = fit_coefficients(data, exponent_varies=False)
    f = ((rss_null - rss_full) / k) / (rss_full / free) if rss_full > 0 else math.inf
    p_f = float(stats.f.sf(f, k, free)) if math.isfinite(f) else 0.0
    b = coef[p - k:]
    wald, p_wald, p_loo_max = math.nan, math.nan, math.nan
    if len(exponent_draws) > k:
        covariance = np.atleast_2d(np.cov(exponent_draws, rowvar=False))
        inverse = np.linalg.pinv(covariance)
        wald = float(b @ inverse @ b)
        p_wald = float(stats.chi2.sf(wald, k))
        finite = exponent_loo[np.all(np.isfinite(exponent_loo), axis=1)]
        p_loo = [float(stats.chi2.sf(float(r @ inverse @ r), k)) for r in finite]
        p_loo_max = max(p_loo) if p_loo else math.nan
    moves = math.isfinite(p_wald) and p_wald < LEVEL and p_loo_max < LEVEL
    verdict = ("resolved: the exponent moves with complexity" if moves else
               "not resolved: one exponent with complexity in the prefactor is not rejected"
               if math.isfinite(p_wald) and p_wald >= LEVEL else
               "not resolved: rejected, but not in every leave-one-automaton-out refit")
    return {"x0": float(np.exp(data.log_x.mean())), "F": float(f), "df": k, "p_F": p_f,
            "rss_prefactor_only": rss_null,
            "rss_full": rss_full, "wald": wald, "p_wald": p_wald,
            "p_wald_loo_max": p_loo_max, "verdict": verdict}


def _compare(data: JointData, coef: np.ndarray, draws: np.ndarray, loo: np.ndarray,
             sd: np.ndarray, first: str, second: str) -> dict[str, float | str]:
    """Standardised exponent effect of ``first`` minus that of ``second``."""
    names = term_names(data.regressors)
    i, j = names.index(f"alpha:{first}"), names.index(f"alpha:{second}")
    si, sj = (sd[data.regressors.index(m)] for m in (first, second))

    def difference(c: np.ndarray) -> np.ndarray:
        value: np.ndarray = np.abs(c[..., i]) * si - np.abs(c[..., j]) * sj
        return value

    estimate = float(difference(coef))
    low, high = percentile_interval(difference(draws)) if len(draws) else (math.nan, math.nan)
    row = finding(f"|alpha:{first}| sd - |alpha:{second}| sd", estimate, low, high,
                   difference(loo[np.all(np.isfinite(loo), axis=1)]))
    larger = first if estimate > 0 else second
    row["reading"] = (f"{larger} moves the exponent more" if row["status"] == RESOLVED else
                      "the data cannot say which moves the exponent more")
    return row
