"""Learning-rate schedule: linear warm-up, then cosine decay to a floor."""

from __future__ import annotations

import math


def learning_rate(step: int, *, peak: float, warmup_steps: int, total_steps: int,
                  min_ratio: float) -> float:
    """Rate at optimiser step ``step`` (0-based).

    ``peak * (step + 1) / warmup_steps`` during warm-up, then
    ``floor + (peak - floor) * (1 + cos(pi * progress)) / 2`` with ``floor = min_ratio * peak``
    and progress going from 0 after warm-up to 1 at the last step.
    """
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    floor = min_ratio * peak
    span = max(total_steps - 1 - warmup_steps, 1)
    progress = min((step - warmup_steps) / span, 1.0)
    return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
