"""Learning rates tuned on a few languages: one rate per (arch, size), the lowest mean log
excess, applied to every language; brute force as the oracle."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.experiments.lr_tuning import (
    ANY_LANGUAGE,
    EXCESS_FLOOR,
    choice,
    grid_edges,
    select_learning_rates,
)

RATES = (1e-3, 3e-3, 1e-2)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(1e-5, 2.0), min_size=2 * len(RATES), max_size=2 * len(RATES)))
def test_shared_choice_minimises_mean_log_excess(excess: list[float]) -> None:
    rows = [{"language": lang, "arch": "gpt", "size": "pico", "lr": lr, "loss": 1.0,
             "excess_loss": excess[i * len(RATES) + j], "status": "completed"}
            for i, lang in enumerate(("a", "b")) for j, lr in enumerate(RATES)]
    table = pd.DataFrame(rows)
    chosen = select_learning_rates(table, shared=True)
    scores = {lr: np.mean([math.log(max(excess[i * len(RATES) + j], EXCESS_FLOOR))
                           for i in range(2)]) for j, lr in enumerate(RATES)}
    best = min(scores.values())
    assert math.isclose(scores[chosen[(ANY_LANGUAGE, "gpt", "pico")]], best, abs_tol=1e-12)
    assert choice(chosen, "any other language", "gpt", "pico") == \
        chosen[(ANY_LANGUAGE, "gpt", "pico")]


def test_a_diverged_rate_is_never_chosen_and_edges_are_marked() -> None:
    table = pd.DataFrame([
        {"language": "a", "arch": "gpt", "size": "pico", "lr": lr, "loss": 1.0,
         "excess_loss": e, "status": s}
        for lr, e, s in ((1e-3, 0.5, "completed"), (3e-3, 0.01, "diverged"),
                         (1e-2, 0.2, "completed"))])
    chosen = select_learning_rates(table, shared=True)
    assert chosen[(ANY_LANGUAGE, "gpt", "pico")] == 1e-2
    assert grid_edges(table, chosen) == ["", "", "highest"]
