"""Check a transfer study's design before running it: ``regscale transfer --plan``.

The design (model sizes as non-embedding parameters, scratch budgets, fine-tuning budgets, seeds)
is simulated many times from a stated truth with a stated loss noise and analysed exactly as a
real study would be (:mod:`regscale.fits.transfer_simulation`); the spread of the fitted alpha and
beta is the interval the study can expect. The truth and the noise come from the study's own
folder where it has finished runs:

- **noise**: unless one is given, the spread between seeds where the scratch runs have several
  (the pooled standard deviation of their losses at the same size and D), else the median
  standard error of the scratch runs' evaluation loss (``loss_se``);
- **scratch curves**: each target's fitted from-scratch curves per size, where every size has
  one; otherwise the formula of :data:`ASSUMED` (stated in the output);
- **transfer law**: the target's fitted ``k, alpha, beta`` where both exponents are ``ok``;
  otherwise the assumed law.

A design identifies an exponent when the half width of its expected 95% range is at most
:data:`TARGET_HALF_WIDTH`.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd

from regscale.analysis.transfer import effective_data_table, transfer_results
from regscale.errors import ConfigError
from regscale.experiments.transfer_config import TransferConfig
from regscale.fits.power_law import PowerLawFit
from regscale.fits.transfer import fit_transfer
from regscale.fits.transfer_simulation import (
    SyntheticTransfer,
    TransferDesign,
    simulate_fits,
    summarise_fits,
)
from regscale.fits.verdict import OK
from regscale.models.registry import build_model
from regscale.store import StudyFolder

TARGET_HALF_WIDTH = 0.05
"""An exponent is identified when its expected 95% range is at most +- this."""

ASSUMED = SyntheticTransfer(k=300.0, alpha=0.18, beta=0.38, floor=1.0, d0=9e4,
                            size_exponent=0.25, data_exponent=0.25)
"""The truth before any run: Hernandez et al.'s exponents, with k set so that a 1e5-parameter
model fine-tuned on 1.6e4 bytes gains about 8 bytes of target data per byte (the median
``D_T / D_F`` the smoke study measured for en -> de and en -> es); scratch curves for bytes of
text at CPU scale (1.5 nats/byte above a floor of 1.0 after 1e3 bytes at N = 1e5, 0.27 after
1e6)."""


def model_sizes(study: TransferConfig) -> dict[str, int]:
    """Non-embedding parameters of each size of the study, in the study's vocabulary."""
    vocab = study.vocab_size()
    base = study.base(study.source_language()).model
    return {size: build_model(dataclasses.replace(base, arch=study.arch, size=size,
                                                  vocab_size=vocab), vocab).non_embedding_params()
            for size in study.sizes}


def plan_transfer_design(study: TransferConfig, root: Path | None = None, *,
                         noise: float | None = None, truth: SyntheticTransfer | None = None,
                         repeats: int = 100, seed: int = 0) -> pd.DataFrame:
    """One row per target: where the truth and noise came from, and the expected median, bias,
    95% range and half width of alpha and beta, the share of failed fits and whether each
    exponent is identified (module docstring).

    Raises
    ------
    ConfigError
        No noise given and no finished scratch runs in ``root`` to measure it from.
    """
    results = _finished(root)
    scratch = results[results["role"] == "scratch"] if len(results) else results
    noise, noise_source = (noise, "given") if noise is not None else measured_noise(scratch)
    sizes = model_sizes(study)
    design = TransferDesign(sizes=tuple(float(n) for n in sizes.values()),
                            scratch_tokens=tuple(float(d) for d in study.scratch_tokens),
                            finetune_tokens=tuple(float(d) for d in study.finetune_tokens),
                            seeds=len(study.seeds), noise=noise)
    measured = effective_data_table(results) if truth is None and len(results) else None
    rows = []
    for target in study.targets:
        chosen, source = _truth(measured, target, sizes, truth or ASSUMED, truth is not None)
        summary = summarise_fits(simulate_fits(chosen, design, repeats=repeats, seed=seed),
                                 chosen)
        rows.append({"target": target, "truth": source, "k": chosen.k, "true_alpha": chosen.alpha,
                     "true_beta": chosen.beta, "noise": noise, "noise_source": noise_source,
                     "seeds": design.seeds, **summary,
                     "alpha_identified": summary["alpha_half_width"] <= TARGET_HALF_WIDTH,
                     "beta_identified": summary["beta_half_width"] <= TARGET_HALF_WIDTH})
    return pd.DataFrame(rows)


def measured_noise(scratch: pd.DataFrame) -> tuple[float, str]:
    """The loss noise of one run, and where it came from (module docstring)."""
    if "seed" in scratch and scratch["seed"].nunique() >= 2:
        groups = scratch.groupby(["target", "N", "D_F"])["loss"]
        dof = int((groups.count() - 1).clip(lower=0).sum())
        if dof > 0:
            pooled = float(np.sqrt((groups.var(ddof=1).fillna(0.0)
                                    * (groups.count() - 1)).sum() / dof))
            return pooled, (f"spread between seeds of {len(scratch)} scratch runs "
                            f"({dof} degrees of freedom)")
    measured = scratch["loss_se"].dropna() if "loss_se" in scratch else pd.Series([])
    if measured.empty:
        raise ConfigError("no finished scratch runs to measure the loss noise from: give "
                          "--noise (nats/token), e.g. --noise 0.01")
    return float(measured.median()), f"median loss_se of {len(measured)} scratch runs"


def _finished(root: Path | None) -> pd.DataFrame:
    """The folder's finished runs that did not diverge (empty without a transfer study)."""
    if root is None or not (root / "study.json").is_file():
        return pd.DataFrame()
    try:
        results, _ = transfer_results(StudyFolder(root))
    except ConfigError:  # not a transfer study, or no finished run yet
        return pd.DataFrame()
    return results[results["status"] != "diverged"]


def _truth(measured: tuple[pd.DataFrame, dict[tuple[str, int], PowerLawFit]] | None,
           target: str, sizes: dict[str, int], assumed: SyntheticTransfer,
           given: bool) -> tuple[SyntheticTransfer, str]:
    """The target's measured scratch curves and law where the folder has them (``measured``:
    its effective-data table and scratch curves, None without runs), unless a truth was given,
    else ``assumed``; and a line saying which."""
    if given or measured is None:
        return assumed, "given law" if given else "assumed (no runs yet)"
    effective, curves = measured
    mine = {n: curve for (name, n), curve in curves.items() if name == target}
    if not set(sizes.values()) <= set(mine):
        return assumed, "assumed (scratch curves not measured for every size)"
    truth = dataclasses.replace(assumed, curves=mine)
    table = effective[effective["target"] == target] if len(effective) else effective
    try:
        fit = fit_transfer(table["D_F"], table["N"], table["D_T"], censored=table["censored"],
                           upper=table["upper_bound"], resamples=100)
    except (ValueError, KeyError):
        return truth, "measured scratch curves, assumed law"
    if fit.alpha_verdict == OK and fit.beta_verdict == OK and math.isfinite(fit.beta):
        law = dataclasses.replace(truth, k=fit.k, alpha=fit.alpha, beta=fit.beta)
        return law, "measured scratch curves and law"
    return truth, "measured scratch curves, assumed law (the measured one is not ok)"


def design_line(study: TransferConfig) -> str:
    """The design in one line."""
    return (f"sizes {', '.join(study.sizes)}; scratch D {_budgets(study.scratch_tokens)}; "
            f"D_F {_budgets(study.finetune_tokens)}; {len(study.seeds)} seed(s)")


def _budgets(tokens: tuple[int, ...]) -> str:
    return ", ".join(f"{t:.2g}".replace("e+0", "e") for t in np.asarray(tokens, dtype=float))
