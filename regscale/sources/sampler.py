"""Batched sampling of a probabilistic automaton: many chains advanced together, on any device.

Every chain holds one hidden state; a step draws a token by inverse CDF from the state's row
and moves to ``next_state`` (or, after SEP, to a draw from ``initial``). Uniforms come in one
block per call from a ``torch.Generator`` on the sampler's device, so the same seed on the same
device gives the same tokens. Chains can start at the stationary distribution, which makes every
window a window cut from a random position of an infinite stream.
"""

from __future__ import annotations

import numpy as np
import torch

from regscale.sources.automaton import SEP, ProbabilisticAutomaton


class TokenSampler:
    """Advance batches of chains of one probabilistic automaton on ``device``.

    Parameters
    ----------
    automaton
        The compiled source.
    device
        Where tensors live and uniforms are drawn (``"cpu"``, ``"cuda"``, ...).
    """

    def __init__(self, automaton: ProbabilisticAutomaton, device: str | torch.device = "cpu"):
        self.automaton = automaton
        self.device = torch.device(device)
        v = automaton.vocab_size
        cdf = np.cumsum(automaton.probs, axis=1)
        # Tokens after the last possible one must never be drawn: pin their CDF to exactly 1.
        last = v - 1 - np.argmax(automaton.probs[:, ::-1] > 0, axis=1)
        cdf[np.arange(v)[None, :] >= last[:, None]] = 1.0
        self._cdf = torch.tensor(cdf, dtype=torch.float64, device=self.device)
        flat_next = np.where(automaton.next_state >= 0, automaton.next_state, 0)
        self._next = torch.tensor(flat_next.reshape(-1), dtype=torch.long, device=self.device)
        self._initial_cdf = self._pinned_cdf(automaton.initial)
        self._stationary_cdf = self._pinned_cdf(automaton.stationary)
        self._single_start = int(np.count_nonzero(automaton.initial)) == 1
        self._start = int(np.argmax(automaton.initial))
        self._vocab = v

    def _pinned_cdf(self, p: np.ndarray) -> torch.Tensor:
        cdf = np.cumsum(p)
        cdf[np.flatnonzero(p)[-1]:] = 1.0
        return torch.tensor(cdf, dtype=torch.float64, device=self.device)

    def generator(self, seed: int) -> torch.Generator:
        """A generator on the sampler's device seeded with ``seed``."""
        gen = torch.Generator(device=self.device)
        gen.manual_seed(int(seed))
        return gen

    def stationary_states(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``long[n]``: hidden states drawn from the stationary distribution."""
        u = torch.rand(n, generator=generator, device=self.device, dtype=torch.float64)
        return torch.searchsorted(self._stationary_cdf, u, right=True)

    def start_states(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``long[n]``: hidden states at the start of a string (drawn from ``initial``)."""
        u = torch.rand(n, generator=generator, device=self.device, dtype=torch.float64)
        return torch.searchsorted(self._initial_cdf, u, right=True)

    def run(
        self, hidden: torch.Tensor, steps: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Advance each chain ``steps`` tokens.

        Parameters
        ----------
        hidden
            ``long[B]`` current hidden states (not modified).
        steps
            Tokens to emit per chain.
        generator
            Source of randomness on the sampler's device.

        Returns
        -------
        tokens, hidden
            ``long[B, steps]`` the emitted tokens and ``long[B]`` the states after them.
        """
        b = hidden.shape[0]
        draws = 1 if self._single_start else 2
        u = torch.rand(
            (steps, draws, b), generator=generator, device=self.device, dtype=torch.float64
        )
        tokens = torch.empty((b, steps), dtype=torch.long, device=self.device)
        h = hidden.clone()
        for t in range(steps):
            x = (self._cdf[h] <= u[t, 0, :, None]).sum(dim=1)
            x.clamp_(max=self._vocab - 1)
            tokens[:, t] = x
            nxt = self._next[h * self._vocab + x]
            if self._single_start:
                restart = torch.full_like(h, self._start)
            else:
                restart = torch.searchsorted(self._initial_cdf, u[t, 1], right=True)
            h = torch.where(x == SEP, restart, nxt)
        return tokens, h
