"""Convergence and late sudden drops, judged on synthetic learning curves."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.fits.convergence import convergence

TOKENS = np.linspace(1e3, 3e5, 30)


@settings(max_examples=30, deadline=None)
@given(level=st.floats(0.01, 1.0), knee=st.floats(0.05, 0.5), floor=st.floats(0.0, 2.0))
def test_a_curve_that_flattens_early_converged(level: float, knee: float, floor: float) -> None:
    """Excess falls until ``knee`` of the tokens, then stays: converged, no late drop."""
    excess = level * np.maximum(1.0, (knee * TOKENS[-1] / TOKENS) ** 0.5)
    judged = convergence(TOKENS, floor + excess, floor=floor)
    assert judged.converged and not judged.late_drop


@settings(max_examples=30, deadline=None)
@given(power=st.floats(0.3, 2.0), level=st.floats(0.01, 1.0))
def test_a_curve_still_falling_as_a_power_law_did_not_converge(power: float,
                                                               level: float) -> None:
    """``level (T/t)^p`` falls by 1 - (2/3)^p >= 11% over the last third, far above the
    absolute tolerance: not converged."""
    judged = convergence(TOKENS, level * (TOKENS[-1] / TOKENS) ** power)
    assert not judged.converged
    assert judged.last_third_improvement > 0.05


@settings(max_examples=30, deadline=None)
@given(at=st.floats(0.55, 0.95), factor=st.floats(0.02, 0.4))
def test_a_step_in_the_second_half_is_a_late_drop(at: float, factor: float) -> None:
    excess = np.where(TOKENS < at * TOKENS[-1], 0.3, 0.3 * factor)
    assert convergence(TOKENS, 1.0 + excess, floor=1.0).late_drop


def test_early_stopping_means_converged_and_one_evaluation_decides_nothing() -> None:
    falling = (TOKENS[0] / TOKENS) ** 1.0
    assert convergence(TOKENS, falling, early_stopped=True).converged
    assert not convergence(TOKENS[:1], falling[:1]).converged


@settings(max_examples=30, deadline=None)
@given(power=st.floats(0.3, 2.0), level=st.floats(0.01, 1.0), margin=st.floats(1.05, 3.0))
def test_an_improvement_within_the_evaluation_noise_counts_as_none(power: float, level: float,
                                                                   margin: float) -> None:
    """The same still-falling curve converged once its last-third gain is within
    ``NOISE_MULTIPLE`` standard errors of the evaluation, and not when the errors are smaller."""
    from regscale.fits.convergence import NOISE_MULTIPLE
    curve = level * (TOKENS[-1] / TOKENS) ** power
    gain = float(curve[TOKENS <= 2 * TOKENS[-1] / 3][-1] - curve[-1])
    wide = margin * gain / NOISE_MULTIPLE
    assert convergence(TOKENS, curve, noise=wide).converged
    assert not convergence(TOKENS, curve, noise=wide / margin ** 2).converged
    assert not convergence(TOKENS, curve, noise=np.nan).converged
