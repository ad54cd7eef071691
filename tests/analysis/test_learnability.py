"""Tokens to learn from learning curves: first crossing, censored bounds, cell medians, and a
censored regression that recovers a known slope where dropping the bounds would not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from regscale.analysis.learnability import (
    LEARNED_FRACTION,
    LN2,
    cell_medians,
    censored_regression,
    learning_times,
)


def language(n: int, seed: int) -> dict[str, object]:
    return {"language": f"dfa:n={n},t={2 * n},f=1,k=4,seed={seed}",
            "complexity_states": n, "complexity_transitions": 2 * n,
            "complexity_entropy_rate_bits": 1.0 + 0.01 * seed,
            "complexity_mean_string_length": 8.0, "complexity_unigram_entropy_bits": 2.0}


def test_first_crossing_over_every_run_and_censoring() -> None:
    floor = 0.8
    threshold = LEARNED_FRACTION * (2.0 * LN2 - floor)
    results = pd.DataFrame([
        {**language(4, 0), "run_id": "a", "arch": "gpt", "size": "pico", "tokens": 1000,
         "optimal_loss": floor, "non_embedding_params": 100},
        {**language(4, 0), "run_id": "b", "arch": "gpt", "size": "pico", "tokens": 3000,
         "optimal_loss": floor, "non_embedding_params": 100},
        {**language(8, 0), "run_id": "c", "arch": "gpt", "size": "pico", "tokens": 3000,
         "optimal_loss": floor, "non_embedding_params": 100}])
    curves = pd.DataFrame({
        "run_id": ["a", "a", "b", "b", "b", "c", "c"],
        "tokens": [500, 1000, 1000, 2000, 3000, 1500, 3000],
        "excess_loss": [2 * threshold, 0.9 * threshold, 2 * threshold, 0.5 * threshold,
                        0.1 * threshold, 3 * threshold, 1.01 * threshold]})
    times = learning_times(results, curves).set_index("language")
    learned = times.loc[language(4, 0)["language"]]
    assert math.isclose(learned["threshold"], threshold)
    assert learned["tokens"] == 1000 and not learned["censored"]  # run a got there first
    never = times.loc[language(8, 0)["language"]]
    assert never["tokens"] == 3000 and never["censored"]


def test_cell_medians_are_kaplan_meier() -> None:
    times = pd.DataFrame({"arch": "gpt", "size": "pico", "states": 4,
                          "transitions_per_state": 2.0, "complexity_transitions": 8,
                          "tokens": [1e3, 2e3, 5e3, 5e3], "censored": [False, False, True, True]})
    cell = cell_medians(times).iloc[0]
    assert cell["learned"] == 2 and cell["median_tokens"] == 2e3
    assert not cell["median_is_lower_bound"]


def test_censored_regression_recovers_the_states_slope() -> None:
    """log2 tokens = 10 + log2 states (+ noise), budget 2^14: the large automata are mostly
    censored; the Tobit fit recovers the slope, a fit that takes the bounds as values does
    not."""
    rng = np.random.default_rng(0)
    rows = []
    for n in (4, 8, 16, 32, 64):
        for seed in range(12):
            log_tokens = 10 + 1.0 * math.log2(n) + rng.normal(0, 0.3)
            censored = log_tokens > 14
            rows.append({"arch": "gpt", "size": "pico", "non_embedding_params": 100,
                         "language": f"L{n}-{seed}", "automaton": f"A{n}-{seed}",
                         "tokens": 2.0 ** min(log_tokens, 14), "censored": censored,
                         "log2_states": math.log2(n), "log2_transitions_per_state": 1.0,
                         "entropy_rate_bits": 1.0, "log2_mean_length": 3.0})
    times = pd.DataFrame(rows)
    table = censored_regression(times, resamples=50).set_index("term")
    states = table.loc["log2_states"]
    assert states["low"] < 1.0 < states["high"]
    assert states["status"] == "resolved"
    naive = np.polyfit(times["log2_states"], np.log2(times["tokens"]), 1)[0]
    assert naive < states["low"]  # bounds taken as values flatten the slope
