"""Warm-up then cosine decay to 10% of the peak."""

from __future__ import annotations

import pytest

from regscale.training.schedule import learning_rate


def lr(step: int) -> float:
    return learning_rate(step, peak=1.0, warmup_steps=10, total_steps=110, min_ratio=0.1)


def test_warmup_is_linear_and_reaches_the_peak() -> None:
    assert [lr(s) for s in range(10)] == pytest.approx([(s + 1) / 10 for s in range(10)])
    assert lr(10) == pytest.approx(1.0)


def test_cosine_ends_at_ten_percent_and_decreases() -> None:
    values = [lr(s) for s in range(10, 110)]
    assert values == sorted(values, reverse=True)
    assert values[-1] == pytest.approx(0.1)
    assert lr(60) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + __import__("math").cos(
        __import__("math").pi * 50 / 99)))
