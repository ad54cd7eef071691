"""The CPU sampler's generator and tables, without importing numba until a job is large.

A :class:`CpuGenerator` holds one xoshiro256** master state; every call derives one fresh state
per chain from the master with SplitMix64, so the tokens depend only on the seed and the sequence
of calls, and the 32-byte master state is all a checkpoint needs. :class:`ChainTables` holds the
arrays a draw reads.

Two implementations draw the same tokens bit for bit: the compiled kernels
(:mod:`regscale.sources.cpu_kernels`, numba) and plain Python (:mod:`regscale.sources.xoshiro`).
A process draws its first :data:`PYTHON_DRAWS` random numbers in Python, unless numba is already
loaded, and the rest compiled: a small job (``regscale gen -n 5``) starts without numba, and
which one ran never changes a token. Training loads the compiled kernels at once
(:func:`load_compiled`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from regscale.sources import xoshiro

if TYPE_CHECKING:
    import torch

    from regscale.sources.automaton import ProbabilisticAutomaton

PYTHON_DRAWS = 200_000
"""Random numbers a process draws in plain Python before it loads numba (about 0.2-0.4 s of
Python, less than numba's import)."""

_python_left = [PYTHON_DRAWS]
_forced: list[str | None] = [None]


@contextmanager
def kernels(kind: Literal["python", "compiled"]) -> Iterator[None]:
    """Draw with these kernels only inside the block (for tests and benchmarks; the tokens are
    the same either way)."""
    before = _forced[0]
    _forced[0] = kind
    try:
        yield
    finally:
        _forced[0] = before


def load_compiled() -> None:
    """Draw compiled from now on in this process: for long jobs (training), whose steady
    throughput matters more than the half second numba takes to load. Tokens are unchanged."""
    from regscale.sources import cpu_kernels  # noqa: F401  (in sys.modules: _compiled uses it)


def _compiled(draws: int) -> ModuleType | None:
    """The compiled kernels if this job should use them, else None (and count the draws)."""
    if _forced[0] == "python":
        return None
    if (_forced[0] == "compiled" or "regscale.sources.cpu_kernels" in sys.modules
            or draws > _python_left[0]):
        from regscale.sources import cpu_kernels
        return cpu_kernels
    _python_left[0] -= draws
    return None


class CpuGenerator:
    """A seeded xoshiro256** master state, with torch-like ``get_state``/``set_state``."""

    def __init__(self, seed: int) -> None:
        self.master = xoshiro.seed_state(int(seed))

    def get_state(self) -> torch.Tensor:
        """The 32-byte state as a uint8 tensor (safe for ``torch.load(weights_only=True)``)."""
        import torch
        return torch.from_numpy(self.master.view(np.uint8).copy())

    def set_state(self, state: torch.Tensor) -> None:
        """Restore a state from :meth:`get_state`."""
        self.master = state.numpy().copy().view(np.uint64)

    def uniforms(self, n: int) -> np.ndarray:
        """``n`` uniforms in [0, 1)."""
        kernels = _compiled(n)
        out: np.ndarray = (xoshiro.uniforms(self.master, n) if kernels is None
                           else kernels.uniforms(self.master, n))
        return out

    def chain_states(self, n: int) -> np.ndarray:
        """``n`` independent per-chain xoshiro states."""
        kernels = _compiled(4 * n)
        out: np.ndarray = (xoshiro.splitmix_states(self.master, n) if kernels is None
                           else kernels.splitmix_states(self.master, n))
        return out


MAX_PAIR_TABLE = 1 << 22
"""Largest H x V^2 for which two-token tables are built."""


class ChainTables:
    """The arrays the kernels read, built once per automaton.

    ``cdf`` is ``float64[H, V]`` with the last possible token pinned to 1, ``next_state`` is
    ``int64[H, V]``, ``initial_cdf`` is ``float64[H]`` (pinned likewise), ``start`` the state
    every string starts in, if there is one. Then (``walk``, ``dirichlet``) SEP moves
    deterministically and tokens are drawn two at a time from the joint law of the pair, which
    halves the serial chain of lookups; the law of the tokens is unchanged.
    """

    def __init__(self, cdf: np.ndarray, next_state: np.ndarray, initial_cdf: np.ndarray,
                 start: int | None):
        self.cdf = np.ascontiguousarray(cdf, dtype=np.float64)
        self.initial_cdf = np.ascontiguousarray(initial_cdf, dtype=np.float64)
        self.single_start = start is not None
        self.next_state = np.array(next_state, dtype=np.int64)
        h, v = self.cdf.shape
        self.pairs: tuple[np.ndarray, np.ndarray] | None = None
        if start is not None:
            self.next_state[:, 0] = start
            if h * v * v <= MAX_PAIR_TABLE:
                self.pairs = pair_tables(self.cdf, self.next_state)

    @cached_property
    def _guides(self) -> tuple[np.ndarray, np.ndarray | None]:
        from regscale.sources.cpu_kernels import guide_table
        return (guide_table(self.cdf),
                None if self.pairs is None else guide_table(self.pairs[0]))

    @cached_property
    def _lists(self) -> dict[str, Any]:
        lists: dict[str, Any] = {"cdf": self.cdf.tolist(), "next": self.next_state.tolist(),
                                 "initial": self.initial_cdf.tolist()}
        if self.pairs is not None:
            lists["cdf2"], lists["next2"] = (a.tolist() for a in self.pairs)
        return lists

    def run(self, hidden: np.ndarray, steps: int, generator: CpuGenerator) -> np.ndarray:
        """Advance every chain ``steps`` tokens, updating ``hidden`` in place.

        Returns ``int64[B, steps]``.
        """
        b = hidden.shape[0]
        tokens = np.empty((b, steps), dtype=np.int64)
        states = generator.chain_states(b)
        paired = steps - steps % 2 if self.pairs is not None else 0
        kernels = _compiled(b * (steps - paired // 2))
        if paired:
            if kernels is None:
                xoshiro.run_pairs(self._lists["cdf2"], self._lists["next2"], self.cdf.shape[1],
                                  hidden, paired, states, tokens)
            else:
                assert self.pairs is not None and self._guides[1] is not None
                kernels.run_pairs(self.pairs[0], self._guides[1], self.pairs[1],
                                  self.cdf.shape[1], hidden, paired, states, tokens)
        if paired < steps:
            rest = np.empty((b, steps - paired), dtype=np.int64)
            if kernels is None:
                xoshiro.run_chains(self._lists["cdf"], self._lists["next"],
                                   self._lists["initial"], self.single_start, hidden,
                                   steps - paired, states, rest)
            else:
                kernels.run_chains(self.cdf, self._guides[0], self.next_state,
                                   self.initial_cdf, self.single_start, hidden, steps - paired,
                                   states, rest)
            tokens[:, paired:] = rest
        return tokens


def pair_tables(cdf: np.ndarray, next_state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CDF and next state of the joint law of two consecutive tokens, per state."""
    probs = np.diff(np.concatenate([np.zeros((cdf.shape[0], 1)), cdf], axis=1), axis=1)
    h, v = probs.shape
    first = next_state  # [h, x1] -> h1
    joint = probs[:, :, None] * probs[first]  # [h, x1, x2]
    next2 = next_state[first].reshape(h, v * v)
    joint = joint.reshape(h, v * v)
    cdf2 = np.cumsum(joint, axis=1)
    last = v * v - 1 - np.argmax(joint[:, ::-1] > 0, axis=1)
    cdf2[np.arange(v * v)[None, :] >= last[:, None]] = 1.0
    return np.ascontiguousarray(cdf2), np.ascontiguousarray(next2)


def sampling_tables(
    automaton: ProbabilisticAutomaton,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CDF per hidden state (tokens after the last possible one pinned to exactly 1, so they
    are never drawn), the next states (dead moves sent to 0; they are never taken) and the pinned
    CDF of ``initial``."""
    v = automaton.vocab_size
    cdf = np.cumsum(automaton.probs, axis=1)
    last = v - 1 - np.argmax(automaton.probs[:, ::-1] > 0, axis=1)
    cdf[np.arange(v)[None, :] >= last[:, None]] = 1.0
    next_state = np.where(automaton.next_state >= 0, automaton.next_state, 0)
    return cdf, next_state, pinned_cdf(automaton.initial)


def pinned_cdf(p: np.ndarray) -> np.ndarray:
    """CDF of ``p`` with every entry from the last positive one on set to exactly 1."""
    cdf = np.cumsum(p)
    cdf[np.flatnonzero(p)[-1]:] = 1.0
    return np.ascontiguousarray(cdf, dtype=np.float64)
