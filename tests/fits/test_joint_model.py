"""The joint model against synthetic studies whose truth is known: it recovers the coefficients,
keeps the null "prefactor only", resamples automata (not points) and refuses a finding that one
automaton makes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regscale.fits.joint_model import (
    NOT_RESOLVED,
    RESOLVED,
    JointData,
    analyse_joint,
    term_names,
)

REGRESSORS = ("s", "t")


def study(*, b_s: float, b_t: float, seed: int, noise: float = 0.05, effect: float = 0.0,
          automata: int = 24) -> pd.DataFrame:
    """Automata on a states x transitions grid, each language 5 points over 2 decades;
    ``effect``: a random exponent offset per automaton (its quirk, shared by its points)."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(automata):
        s, t = np.log2([4, 8, 16, 32][a % 4]), np.log2([1.5, 2.5, 3.5][(a // 4) % 3])
        quirk = rng.normal(0, effect)
        for lx in np.linspace(18, 23, 5):
            alpha = 0.3 + b_s * (s - 3.5) + b_t * (t - 1.2) + quirk
            log_excess = 1.0 + 0.2 * s - alpha * lx + rng.normal(0, noise)
            rows.append({"language": f"L{a}", "automaton": f"A{a}", "x": np.exp(lx),
                         "excess": np.exp(log_excess), "s": s, "t": t})
    return pd.DataFrame(rows)


def estimates(result, name: str) -> pd.Series:  # type: ignore[no-untyped-def]
    return result.coefficients.set_index("term").loc[name]


def test_recovers_known_exponent_coefficients() -> None:
    result = analyse_joint(JointData.from_points(study(b_s=0.05, b_t=-0.02, seed=1),
                                                 REGRESSORS), compare=(("s", "t"),))
    s, t = estimates(result, "alpha:s"), estimates(result, "alpha:t")
    assert s.low < 0.05 < s.high and t.low < -0.02 < t.high
    assert s.status == RESOLVED and t.status == RESOLVED
    assert result.test["p_wald"] < 1e-6
    assert str(result.test["verdict"]).startswith("resolved")
    comparison = result.comparisons.iloc[0]
    assert comparison.status == RESOLVED and comparison.reading.startswith("s moves")


def test_the_null_prefactor_only_is_kept() -> None:
    rejected = 0
    for seed in range(20):
        result = analyse_joint(JointData.from_points(study(b_s=0.0, b_t=0.0, seed=seed),
                                                     REGRESSORS), resamples=200)
        rejected += result.test["p_wald"] < 0.05
        assert str(result.test["verdict"]).startswith("not resolved") or \
            result.test["p_wald"] < 0.05
    assert rejected <= 4  # about 5% of 20 under the null


def test_cluster_bootstrap_respects_automata_where_points_do_not() -> None:
    """Automata with their own exponent quirk, no true complexity effect: the F-test (points
    as independent) rejects the null far more often than 5%; the cluster Wald test does not."""
    naive, cluster = 0, 0
    for seed in range(20):
        data = JointData.from_points(study(b_s=0.0, b_t=0.0, seed=seed, effect=0.03,
                                           noise=0.01), REGRESSORS)
        result = analyse_joint(data, resamples=200, seed=seed)
        naive += result.test["p_F"] < 0.05
        cluster += result.test["p_wald"] < 0.05
    assert naive >= 5  # at least 5x its nominal 5%
    assert cluster <= 3


def test_a_slope_made_by_one_automaton_is_not_resolved() -> None:
    points = study(b_s=0.0, b_t=0.0, seed=3, noise=0.01)
    lone = points["automaton"] == "A3"  # one 32-state automaton with a much steeper law
    points.loc[lone, "excess"] = points.loc[lone, "excess"] * np.exp(
        -0.3 * (np.log(points.loc[lone, "x"]) - 18))
    result = analyse_joint(JointData.from_points(points, REGRESSORS))
    s = estimates(result, "alpha:s")
    assert s.estimate > 0
    assert s.status == NOT_RESOLVED
    assert not bool(s.sign_holds) or not s.low > 0


def test_too_few_points_is_an_error() -> None:
    points = study(b_s=0.0, b_t=0.0, seed=0).head(6)
    with pytest.raises(ValueError, match="more points"):
        analyse_joint(JointData.from_points(points, REGRESSORS))


def test_term_names_follow_the_design() -> None:
    assert term_names(("a",)) == ["log_A", "log_A:a", "alpha", "alpha:a"]
    assert term_names(("a",), exponent_varies=False) == ["log_A", "log_A:a", "alpha"]
