"""One source's transfer summary on simulated runs: medians with intervals, and an ordering
resolved only when the data say so."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from regscale.analysis.transfer_summary import (
    NOT_RESOLVED,
    RATIO,
    RESOLVED,
    summarise_source,
    verdict,
)


def test_verdicts() -> None:
    assert verdict(1.0, 0.5, 1.5, 0.6, 1.2) == RESOLVED
    assert verdict(-1.0, -1.5, -0.5, -1.2, -0.6) == RESOLVED
    assert verdict(1.0, -0.1, 1.5, 0.6, 1.2) == NOT_RESOLVED  # the interval holds 0
    assert verdict(1.0, 0.5, 1.5, -0.1, 1.2) == NOT_RESOLVED  # flips leaving one out
    assert verdict(math.nan, 0.5, 1.5, 0.6, 1.2) == NOT_RESOLVED


def study_results(rng: np.random.Generator, worth: dict[str, float], seeds: int = 3,
                  noise: float = 0.01) -> pd.DataFrame:
    """A source's runs: scratch curves L = 1 + (3e3 / D)^0.4 per size, fine-tuned runs that
    reach the loss of ``worth[target] * D_F`` scratch tokens, seed noise on every loss."""
    rows = []
    for target, factor in worth.items():
        for n in (1e3, 1e4):
            scale = 3e3 * (1e3 / n) ** 0.3

            def curve(d: float, scale: float = scale) -> float:
                return 1 + (scale / d) ** 0.4
            for seed in range(seeds):
                for d in (5e2, 1.5e3, 5e3, 1.5e4, 5e4, 1.5e5, 5e5, 1.5e6):
                    rows.append({"role": "scratch", "target": target, "N": n, "D_F": d,
                                 "seed": seed, "loss": curve(d) + rng.normal(0, noise)})
                for d_f in (5e2, 5e3, 5e4):
                    loss = curve(factor * d_f) + rng.normal(0, noise)
                    rows.append({"role": "finetune", "target": target, "N": n, "D_F": d_f,
                                 "seed": seed, "loss": loss})
    frame = pd.DataFrame(rows)
    return frame.assign(status="early_stopped", converged=True,
                        bits_per_char=frame["loss"] / math.log(2))


def test_summary_resolves_a_clear_ordering_and_not_a_tie() -> None:
    results = study_results(np.random.default_rng(0), {"de": 8.0, "es": 3.0, "fr": 3.0})
    summary = summarise_source(results, resamples=60)
    medians = summary.medians.set_index("target")
    assert medians.loc["de", "median_ratio"] == pytest.approx(8.0, rel=0.25)
    assert medians.loc["es", "median_ratio"] == pytest.approx(3.0, rel=0.25)
    for target in ("de", "es", "fr"):
        row = medians.loc[target]
        assert row["median_ratio_low"] <= row["median_ratio"] <= row["median_ratio_high"]
    ratio = summary.comparisons[summary.comparisons.measure == RATIO].set_index(
        ["target_a", "target_b"])
    assert ratio.loc[("de", "es"), "verdict"] == RESOLVED
    assert ratio.loc[("de", "es"), "more"] == "de"
    assert ratio.loc[("es", "fr"), "verdict"] == NOT_RESOLVED
    ranking = summary.ranking[summary.ranking.measure == RATIO]
    assert ranking.iloc[0]["target"] == "de"
