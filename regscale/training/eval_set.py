"""The fixed held-out set the loop evaluates on, with its exact references where known."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class EvalSet:
    """Held-out tokens and their exact references, ``S`` consecutive segments of ``R`` rows."""

    tokens: torch.Tensor  # long[S, R, T + 1]: inputs [..., :-1], targets [..., 1:]
    optimal_nll: torch.Tensor | None  # float64[S, R, T]: Bayes-optimal loss of each target
    valid: torch.Tensor | None  # bool[S, R, T, V]: tokens that keep the prefix live
    char_start: torch.Tensor | None = None  # bool[S, R, T]: natural text, target starts a char

    @property
    def n_targets(self) -> int:
        """Target tokens in the set."""
        s, r, w = self.tokens.shape
        return s * r * (w - 1)
