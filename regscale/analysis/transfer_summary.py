"""One source's transfer, summarised so that it holds: censoring-aware medians, the ordering of
its targets with intervals and verdicts, and the trend of ``D_F / D_E`` in N and D_F.

Every statistic (:mod:`regscale.fits.transfer_summary`) is computed from the runs, then again on
:data:`RESAMPLES` resamples of the seeds within each cell (scratch runs per (target, N, D),
fine-tuned runs per (target, N, D_F)), recomputing the scratch curves and every ``D_E`` each
time: the 95% percentile interval. It is recomputed once more leaving out each seed and each
model size. A comparison (or a trend) is **resolved** when its interval excludes 0 and every
leave-one-out estimate has the sign of the full one; otherwise it is **not resolved**.

Two measures rank targets: ``log(D_E / D_F)`` (how many target tokens each fine-tuning token is
worth, unitless, so scripts compare), and the loss improvement over scratch in **bits per
character** at the same D (scratch minus fine-tuned, cell means), where bytes per character
differ between scripts.

Tables (:class:`pandas.DataFrame`):

``medians``      per target: ``D_E / D_F`` at the censored median, its interval, the
                 Kaplan-Meier and naive medians beside it, censored runs, runs stopped by their
                 token cap (``at_cap``) and those of them still improving
``comparisons``  per measure and pair of targets: difference, interval, leave-one-out range,
                 verdict
``ranking``      per measure: targets by their effect at matched (N, D_F), with intervals
``trends``       per target: slopes of ``log(D_F / D_E)`` in log N and log D_F, intervals,
                 verdicts
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from regscale.fits.bootstrap import percentile_interval
from regscale.fits.transfer import transfer_table
from regscale.fits.transfer_summary import (
    censored_location,
    kaplan_meier_location,
    naive_median,
    resample_within,
    target_effects,
    trend,
)
from regscale.threads import single_threaded_blas

RESAMPLES = 400
"""Seed resamples behind every interval."""

RESOLVED, NOT_RESOLVED = "resolved", "not resolved"

RATIO, BPC = "log D_E/D_F", "bits/char gained"
"""The two measures targets are ranked by."""

MIN_INTERVAL_SHARE = 0.5
"""Below this share of resamples giving a finite value, a statistic has no interval."""

Statistics = dict[tuple[str, ...], float]


@dataclass(frozen=True)
class TransferSummary:
    """The tables of one source's summary (module docstring)."""

    medians: pd.DataFrame
    comparisons: pd.DataFrame
    ranking: pd.DataFrame
    trends: pd.DataFrame


def split_runs(results: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scratch and fine-tuned runs that did not diverge: ``target, N, D, seed, loss`` and
    ``bits_per_char`` where the results have it."""
    ok = results[(results["role"] != "pretrain") & (results["status"] != "diverged")]
    ok = ok.rename(columns={"D_F": "D"})
    if "seed" not in ok:
        ok = ok.assign(seed=0)
    if "bits_per_char" not in ok:
        ok = ok.assign(bits_per_char=math.nan)
    columns = ["target", "N", "D", "seed", "loss", "bits_per_char"]
    return (ok[ok["role"] == "scratch"][columns].reset_index(drop=True),
            ok[ok["role"] == "finetune"][columns].reset_index(drop=True))


def effective_rows(scratch: pd.DataFrame, tuned: pd.DataFrame, *,
                   extrapolated: bool = False) -> pd.DataFrame:
    """``transfer_table`` per target, with a ``target`` column."""
    frames = []
    for target, mine in tuned.groupby("target", sort=False):
        table = transfer_table(scratch[scratch["target"] == target], mine,
                               extrapolated=extrapolated)
        if len(table):
            frames.append(table.assign(target=target))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def improvement_cells(scratch: pd.DataFrame, tuned: pd.DataFrame) -> pd.DataFrame:
    """Per (target, N, D_F): scratch minus fine-tuned bits per character (cell means)."""
    keys = ["target", "N", "D"]
    gained = (scratch.groupby(keys)["bits_per_char"].mean()
              - tuned.groupby(keys)["bits_per_char"].mean()).dropna()
    return gained.rename("gain").reset_index().rename(columns={"D": "D_F"})


@single_threaded_blas()
def statistics(scratch: pd.DataFrame, tuned: pd.DataFrame, targets: list[str],
               effective: pd.DataFrame | None = None) -> Statistics:
    """Every number the summary reports, keyed by (kind, target[, target]); ``effective`` is
    :func:`effective_rows` of the same runs where the caller has it already."""
    out: Statistics = {}
    effective = effective_rows(scratch, tuned) if effective is None else effective
    if effective.empty:
        return out
    for target in targets:
        mine = effective[effective["target"] == target]
        if mine.empty:
            continue
        out[("location", target)] = censored_location(mine["log_ratio"], mine["censored"],
                                                      mine["upper_bound"])
        for name, value in trend(mine).items():
            out[(name, target)] = value
    measures: dict[str, dict[str, float]] = {RATIO: target_effects(effective, targets)}
    gains = improvement_cells(scratch, tuned)
    if len(gains):
        measures[BPC] = target_effects(gains, targets, column="gain")
    for measure, effects in measures.items():
        for target, value in effects.items():
            out[("effect", measure, target)] = value
        for a, b in itertools.combinations(targets, 2):
            out[("difference", measure, a, b)] = effects[a] - effects[b]
    return out


def _resampled(scratch: pd.DataFrame, tuned: pd.DataFrame, targets: list[str], resamples: int,
               seed: int) -> list[Statistics]:
    rng = np.random.default_rng(seed)
    keys = ["target", "N", "D"]
    return [statistics(resample_within(scratch, keys, rng), resample_within(tuned, keys, rng),
                       targets) for _ in range(resamples)]


def _left_out(scratch: pd.DataFrame, tuned: pd.DataFrame,
              targets: list[str]) -> list[Statistics]:
    """The statistics leaving out each seed and each model size (where there are several)."""
    out = []
    for column in ("seed", "N"):
        values = sorted(set(tuned[column]))
        if len(values) < 2:
            continue
        for value in values:
            out.append(statistics(scratch[scratch[column] != value],
                                  tuned[tuned[column] != value], targets))
    return out


def summarise_source(results: pd.DataFrame, *, resamples: int = RESAMPLES,
                     seed: int = 0) -> TransferSummary:
    """The summary of one source's study from its results (module docstring)."""
    scratch, tuned = split_runs(results)
    targets = list(dict.fromkeys(tuned["target"]))
    effective = effective_rows(scratch, tuned)
    full = statistics(scratch, tuned, targets, effective)
    draws = _resampled(scratch, tuned, targets, resamples, seed)
    loo = _left_out(scratch, tuned, targets)

    def interval(key: tuple[str, ...]) -> tuple[float, float]:
        values = np.array([d.get(key, math.nan) for d in draws], float)
        values = values[np.isfinite(values)]
        if len(values) < MIN_INTERVAL_SHARE * max(len(draws), 1):
            return math.nan, math.nan
        return percentile_interval(values)

    def loo_range(key: tuple[str, ...]) -> tuple[float, float]:
        values = np.array([d.get(key, math.nan) for d in loo], float)
        return (float(np.nanmin(values)), float(np.nanmax(values))) \
            if np.isfinite(values).any() else (math.nan, math.nan)

    return TransferSummary(
        medians=_medians(effective, results, targets, full, interval),
        comparisons=_comparisons(full, interval, loo_range),
        ranking=_ranking(full, interval),
        trends=_trends(targets, full, interval, loo_range))


Interval = Callable[[tuple[str, ...]], tuple[float, float]]


def verdict(value: float, low: float, high: float, loo_low: float, loo_high: float) -> str:
    """Resolved: the interval excludes 0 and every leave-one-out estimate has the sign of
    ``value``."""
    if not all(math.isfinite(v) for v in (value, low, high)):
        return NOT_RESOLVED
    excludes = low > 0 or high < 0
    same_sign = (loo_low > 0 if value > 0 else loo_high < 0) if math.isfinite(loo_low) else True
    return RESOLVED if excludes and same_sign and (value > 0) == (low > 0) else NOT_RESOLVED


def _medians(effective: pd.DataFrame, results: pd.DataFrame, targets: list[str],
             full: Statistics, interval: Interval) -> pd.DataFrame:
    rows = []
    tuned = results[results["role"] == "finetune"]
    for target in targets:
        mine = effective[effective["target"] == target] if len(effective) else effective
        if mine.empty:
            continue
        location = full.get(("location", target), math.nan)
        low, high = interval(("location", target))
        km, km_kind = kaplan_meier_location(mine["log_ratio"], mine["censored"],
                                            mine["upper_bound"])
        runs = tuned[tuned["target"] == target]
        rows.append({
            "target": target, "runs": len(mine),
            "median_ratio": math.exp(location), "median_ratio_low": math.exp(low),
            "median_ratio_high": math.exp(high),
            "km_median_ratio": math.exp(km), "km_kind": km_kind,
            "naive_median_ratio": math.exp(naive_median(mine["log_ratio"])),
            "lower_bounds": int(mine["censored"].sum()),
            "upper_bounds": int(mine["upper_bound"].sum()),
            "censored_share": float((mine["censored"] | mine["upper_bound"]).mean()),
            "at_cap": int((runs["status"] == "completed").sum()),
            "still_improving": int(still_improving(runs).sum()),
        })
    return pd.DataFrame(rows)


def still_improving(runs: pd.DataFrame) -> pd.Series:
    """Runs that reached their token cap (``completed``: early stopping never fired, so their
    best evaluation was within ``patience`` of the end) and whose best loss still fell by more
    than the convergence criterion allows over their last third
    (:mod:`regscale.fits.convergence`)."""
    converged = runs["converged"].fillna(True).astype(bool) if "converged" in runs \
        else pd.Series(True, index=runs.index)
    return (runs["status"] == "completed") & ~converged


def _comparisons(full: Statistics, interval: Interval, loo_range: Interval) -> pd.DataFrame:
    rows = []
    for key, value in full.items():
        if key[0] != "difference":
            continue
        _, measure, a, b = key
        low, high = interval(key)
        loo_low, loo_high = loo_range(key)
        judged = verdict(value, low, high, loo_low, loo_high)
        rows.append({"measure": measure, "target_a": a, "target_b": b, "difference": value,
                     "low": low, "high": high, "loo_low": loo_low, "loo_high": loo_high,
                     "verdict": judged,
                     "more": (a if value > 0 else b) if judged == RESOLVED else ""})
    return pd.DataFrame(rows)


def _ranking(full: Statistics, interval: Interval) -> pd.DataFrame:
    rows = [{"measure": key[1], "target": key[2], "effect": value,
             **dict(zip(("low", "high"), interval(key), strict=True))}
            for key, value in full.items() if key[0] == "effect"]
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows).sort_values(["measure", "effect"], ascending=[True, False])
    table["rank"] = table.groupby("measure").cumcount() + 1
    return table.reset_index(drop=True)


def _trends(targets: list[str], full: Statistics, interval: Interval,
            loo_range: Interval) -> pd.DataFrame:
    rows = []
    for target in targets:
        row: dict[str, object] = {"target": target}
        for name in ("slope_N", "slope_D_F"):
            key = (name, target)
            value = full.get(key, math.nan)
            low, high = interval(key)
            loo_low, loo_high = loo_range(key)
            row.update({name: value, f"{name}_low": low, f"{name}_high": high,
                        f"{name}_verdict": verdict(value, low, high, loo_low, loo_high)})
        rows.append(row)
    return pd.DataFrame(rows)
