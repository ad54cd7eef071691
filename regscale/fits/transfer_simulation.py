"""Synthetic transfer studies from a known law: what a design can identify, before running it.

A :class:`SyntheticTransfer` states the truth: from-scratch curves
``L(N, D) = E + (d0 / (N^g D))^a`` (or measured curves per N) and the transfer law
``D_T = k D_F^alpha N^beta``, so a model of size N fine-tuned on D_F tokens reaches
``L(N, D_F + D_T)``. :func:`simulate_losses` draws the losses a study of given sizes, scratch
budgets, fine-tuning budgets and seeds would measure, with Gaussian loss noise, and
:func:`simulate_fits` runs regscale's own analysis (:func:`~regscale.fits.transfer.transfer_table`
and :func:`~regscale.fits.transfer.fit_transfer`) on many such draws: the spread of the fitted
alpha and beta is the interval the design can expect (:func:`summarise_fits`). The defaults are
Hernandez et al.'s English text -> Python values (k 1.9e4, alpha 0.18, beta 0.38).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from regscale.fits.power_law import PowerLawFit
from regscale.fits.transfer import fit_transfer, transfer_table


@dataclass(frozen=True)
class SyntheticTransfer:
    """The truth a synthetic study is drawn from (module docstring)."""

    k: float = 1.9e4
    alpha: float = 0.18
    beta: float = 0.38
    floor: float = 1.5  # E, nats/token
    d0: float = 2e7  # tokens at which a size-1 model's excess is 1 nat
    size_exponent: float = 0.3  # g: bigger models learn faster from the same data
    data_exponent: float = 0.35  # a: the scratch curve's exponent in D
    curves: dict[int, PowerLawFit] | None = None  # measured scratch curves per N, used
    #                                               instead of the formula where given

    def scratch_loss(self, n: np.ndarray | float, d: np.ndarray | float) -> np.ndarray:
        """The from-scratch loss of size ``n`` after ``d`` target tokens."""
        n, d = np.asarray(n, dtype=float), np.asarray(d, dtype=float)
        if self.curves is not None:
            n, d = np.broadcast_arrays(n, d)
            return np.array([float(self.curves[int(m)].predict(np.array([x]))[0])
                             for m, x in zip(n.ravel(), d.ravel(), strict=True)]
                            ).reshape(n.shape)
        return np.asarray(self.floor + (self.d0 / n**self.size_exponent / d)
                          ** self.data_exponent)

    def transferred(self, n: np.ndarray | float, d_f: np.ndarray | float) -> np.ndarray:
        """``D_T`` at size ``n`` and fine-tuning data ``d_f``."""
        return np.asarray(self.k * np.asarray(d_f, dtype=float) ** self.alpha
                          * np.asarray(n, dtype=float) ** self.beta)

    def finetuned_loss(self, n: np.ndarray | float, d_f: np.ndarray | float) -> np.ndarray:
        """The loss of size ``n`` pre-trained, then fine-tuned on ``d_f`` tokens."""
        return self.scratch_loss(n, np.asarray(d_f, dtype=float) + self.transferred(n, d_f))

    def fraction_from_finetuning(self, n: np.ndarray | float,
                                 d_f: np.ndarray | float) -> np.ndarray:
        """The true ``D_F / D_E``."""
        d_f = np.asarray(d_f, dtype=float)
        return np.asarray(d_f / (d_f + self.transferred(n, d_f)))


@dataclass(frozen=True)
class TransferDesign:
    """What a study measures: sizes, scratch budgets, fine-tuning budgets, seeds, loss noise."""

    sizes: tuple[float, ...]  # non-embedding parameters N
    scratch_tokens: tuple[float, ...]  # D of the from-scratch runs
    finetune_tokens: tuple[float, ...]  # D_F
    seeds: int = 1  # runs per point (their losses are averaged)
    noise: float = 0.002  # standard deviation of one run's loss (nats/token)


def simulate_losses(truth: SyntheticTransfer, design: TransferDesign,
                    rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(scratch, finetuned)`` with columns ``N``, ``D``, ``loss``: each point the mean of
    ``design.seeds`` runs, each with noise ``design.noise``."""
    scale = design.noise / math.sqrt(design.seeds)

    def draw(loss: Callable[[float, float], np.ndarray], budgets: Sequence[float]
             ) -> pd.DataFrame:
        rows = [{"N": n, "D": d, "loss": float(loss(n, d)) + float(rng.normal(0.0, scale))}
                for n in design.sizes for d in budgets]
        return pd.DataFrame(rows)

    return (draw(truth.scratch_loss, design.scratch_tokens),
            draw(truth.finetuned_loss, design.finetune_tokens))


def simulate_fits(truth: SyntheticTransfer, design: TransferDesign, *, repeats: int = 50,
                  seed: int = 0, resamples: int = 50, censor: bool = True) -> pd.DataFrame:
    """One row per simulated study: the fitted ``alpha``, ``beta``, ``k``, the law's median
    ``D_F / D_E`` (``median_fraction``), how many points were censored, and ``note`` where the
    fit failed. ``censor=False`` drops the censored rows instead (the estimator this replaced),
    for comparison."""
    rng = np.random.default_rng(seed)
    rows = []
    for repeat in range(repeats):
        scratch, tuned = simulate_losses(truth, design, rng)
        row: dict[str, float | int | str] = {"repeat": repeat}
        try:
            table = transfer_table(scratch, tuned, extrapolated=False)
            if not censor:
                table = table[~table["censored"]]
            fit = fit_transfer(table["D_F"], table["N"], table["D_T"],
                               censored=table["censored"], upper=table["upper_bound"],
                               resamples=resamples, seed=seed + repeat)
        except (ValueError, RuntimeError) as exc:
            row["note"] = str(exc)
        else:
            row.update(alpha=fit.alpha, beta=fit.beta, k=fit.k, n_points=fit.n_points,
                       n_censored=fit.n_censored, alpha_verdict=fit.alpha_verdict,
                       median_fraction=float(np.median(
                           fit.fraction_from_finetuning(table["D_F"], table["N"]))))
        rows.append(row)
    return pd.DataFrame(rows)


def summarise_fits(fits: pd.DataFrame, truth: SyntheticTransfer) -> dict[str, float]:
    """What a design can expect, from :func:`simulate_fits`' rows: per exponent the median fit,
    its bias against the truth, the central 95% range of the fits and its half width (the
    expected +- of one study), and the share of studies whose fit failed."""
    fitted = fits.dropna(subset=["alpha"]) if "alpha" in fits else fits.iloc[0:0]
    out: dict[str, float] = {"repeats": float(len(fits)),
                             "failed_share": 1.0 - len(fitted) / max(len(fits), 1),
                             "censored_mean": float(fitted["n_censored"].mean())
                             if len(fitted) else math.nan}
    for name in ("alpha", "beta"):
        values = fitted[name].dropna().to_numpy(float) if len(fitted) else np.array([])
        low, mid, high = (np.percentile(values, [2.5, 50, 97.5]) if len(values)
                          else (math.nan,) * 3)
        out.update({f"{name}_median": float(mid),
                    f"{name}_bias": float(mid) - getattr(truth, name),
                    f"{name}_low": float(low), f"{name}_high": float(high),
                    f"{name}_half_width": float(high - low) / 2})
    return out
