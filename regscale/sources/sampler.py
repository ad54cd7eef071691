"""Batched sampling of a probabilistic automaton: many chains advanced together, on any device.

Every chain holds one hidden state; a step draws a token by inverse CDF from the state's row
and moves to ``next_state`` (or, after SEP, to a draw from ``initial``). Chains can start at the
stationary distribution, which makes every window a window cut from a random position of an
infinite stream.

Two backends draw the same law: ``numba`` (the CPU default; a compiled loop per chain, see
:mod:`regscale.sources.chains`, which draws a process's first numbers in plain Python) and
``torch`` (the GPU default; all chains advance together, uniforms drawn in one block per call
from a ``torch.Generator``). The same seed on the same
backend gives the same tokens.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import torch

from regscale.errors import ConfigError
from regscale.sources.automaton import SEP, ProbabilisticAutomaton
from regscale.sources.chains import ChainTables, CpuGenerator, pinned_cdf, sampling_tables

Generator: TypeAlias = torch.Generator | CpuGenerator
BACKENDS = ("numba", "torch")


class TokenSampler:
    """Advance batches of chains of one probabilistic automaton on ``device``.

    Parameters
    ----------
    automaton
        The compiled source.
    device
        Where tensors live (``"cpu"``, ``"cuda"``, ...).
    backend
        ``"numba"`` or ``"torch"``; default: numba on CPU, torch elsewhere.
    """

    def __init__(self, automaton: ProbabilisticAutomaton, device: str | torch.device = "cpu",
                 backend: str | None = None):
        self.automaton = automaton
        self.device = torch.device(device)
        self.backend = backend or ("numba" if self.device.type == "cpu" else "torch")
        if self.backend not in BACKENDS or (self.backend == "numba" and
                                            self.device.type != "cpu"):
            raise ConfigError(f"sampler backend {self.backend!r} is not available on "
                              f"{self.device}; choose one of {BACKENDS} (numba is CPU only)")
        v = automaton.vocab_size
        cdf, next_state, initial_cdf = sampling_tables(automaton)
        if self.backend == "numba":
            self._tables = ChainTables(cdf, next_state, initial_cdf, automaton.start_state)
        self._cdf = torch.tensor(cdf, dtype=torch.float64, device=self.device)
        self._next = torch.tensor(next_state.reshape(-1), dtype=torch.long, device=self.device)
        self._initial_cdf = torch.tensor(initial_cdf, device=self.device)
        self._stationary_cdf = torch.tensor(pinned_cdf(automaton.stationary), device=self.device)
        self._start = automaton.start_state
        self._vocab = v

    def generator(self, seed: int) -> Generator:
        """A generator for this backend seeded with ``seed``."""
        if self.backend == "numba":
            return CpuGenerator(seed)
        gen = torch.Generator(device=self.device)
        gen.manual_seed(int(seed))
        return gen

    def _draw(self, cdf: torch.Tensor, n: int, generator: Generator) -> torch.Tensor:
        if isinstance(generator, CpuGenerator):
            u = torch.from_numpy(generator.uniforms(n))
        else:
            u = torch.rand(n, generator=generator, device=self.device, dtype=torch.float64)
        return torch.searchsorted(cdf, u, right=True)

    def stationary_states(self, n: int, generator: Generator) -> torch.Tensor:
        """``long[n]``: hidden states drawn from the stationary distribution."""
        return self._draw(self._stationary_cdf, n, generator)

    def start_states(self, n: int, generator: Generator) -> torch.Tensor:
        """``long[n]``: hidden states at the start of a string (drawn from ``initial``)."""
        return self._draw(self._initial_cdf, n, generator)

    def run(
        self, hidden: torch.Tensor, steps: int, generator: Generator
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
        if isinstance(generator, CpuGenerator):
            state = hidden.numpy().astype(np.int64, copy=True)
            drawn = self._tables.run(state, steps, generator)
            return torch.from_numpy(drawn), torch.from_numpy(state)
        b = hidden.shape[0]
        draws = 1 if self._start is not None else 2
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
            if self._start is not None:
                restart = torch.full_like(h, self._start)
            else:
                restart = torch.searchsorted(self._initial_cdf, u[t, 1], right=True)
            h = torch.where(x == SEP, restart, nxt)
        return tokens, h
