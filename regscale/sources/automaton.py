"""A sampling policy compiled to a probabilistic automaton over hidden states, and its exact math.

Tokens are ``0 = SEP`` and ``i + 1`` for symbol ``i``. From hidden state ``h`` the automaton emits
token ``x`` with probability ``probs[h, x]`` and moves to ``next_state[h, x]``; emitting SEP ends
the string and the next hidden state is drawn from ``initial``. Everything here is exact float64
linear algebra on the automaton, no sampling.

With ``Q[h, h'] = sum_{x != SEP} probs[h, x] [next_state[h, x] = h']`` the expected number of
visits to each hidden state during one string (its final SEP included) is
``v = initial^T (I - Q)^{-1}``; then

- mean string length ``E|W| = sum(v) - 1`` (each visit emits one token),
- the stationary distribution of the hidden chain with resets is ``pi = v / sum(v)``,
- the string entropy ``H(W) = H(initial) + sum_h v_h H(probs[h])``, exact when the start
  state is a function of the string (true of every policy here: ``walk`` and ``dirichlet``
  start in one state, ``uniform_length`` starts in (q0, |w|)),
- the entropy rate of the packed stream ``H(W) / E[|W| + 1]`` (strings are i.i.d. and SEP makes
  the parse unique).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from regscale.errors import ConfigError
from regscale.sources.visits import expected_visits as solve_visits

SEP = 0
"""The separator token id."""

MAX_MEAN_TOKENS_PER_STRING = 1e6
"""Sources whose strings would be longer than this on average are rejected."""


@dataclass(frozen=True, eq=False)
class ProbabilisticAutomaton:
    """A token source: hidden states, emissions, deterministic moves, resets after SEP.

    Attributes
    ----------
    probs
        ``float64[H, V]``: P(token | hidden state); rows sum to 1.
    next_state
        ``int64[H, V]``: hidden state after emitting the token; -1 for SEP and impossible tokens.
    initial
        ``float64[H]``: hidden-state distribution at the start of a string.
    dfa_state
        ``int64[H]``: the minimal-DFA state each hidden state stands in.
    """

    probs: np.ndarray
    next_state: np.ndarray
    initial: np.ndarray
    dfa_state: np.ndarray

    def __post_init__(self) -> None:
        h, v = self.probs.shape
        if self.next_state.shape != (h, v) or self.initial.shape != (h,):
            raise ValueError("inconsistent ProbabilisticAutomaton arrays")
        if not np.allclose(self.probs.sum(axis=1), 1.0) or not math.isclose(
            self.initial.sum(), 1.0
        ):
            raise ValueError("probabilities must sum to 1")
        moves = (self.probs[:, 1:] > 0)
        if (self.next_state[:, 1:][moves] < 0).any():
            raise ValueError("a token with positive probability has no next state")
        for array in (self.probs, self.next_state, self.initial, self.dfa_state):
            array.setflags(write=False)

    @property
    def n_hidden(self) -> int:
        """Number of hidden states H."""
        return int(self.probs.shape[0])

    @property
    def vocab_size(self) -> int:
        """Number of tokens V (symbols + SEP)."""
        return int(self.probs.shape[1])

    @property
    def start_state(self) -> int | None:
        """The hidden state every string starts in, or None when the start is drawn."""
        starts = np.flatnonzero(self.initial)
        return int(starts[0]) if len(starts) == 1 else None

    @cached_property
    def expected_visits(self) -> np.ndarray:
        """``float64[H]``: expected visits to each hidden state per string (module docstring)."""
        rows, cols = np.nonzero(self.probs[:, 1:] > 0)
        targets = self.next_state[rows, cols + 1]
        import scipy.sparse as sp  # loaded when first needed: `regscale gen` may not

        q = sp.csr_matrix(
            (self.probs[rows, cols + 1], (rows, targets)), shape=(self.n_hidden,) * 2
        )
        visits = solve_visits(q, self.initial)
        total = float(visits.sum())
        if not np.isfinite(total) or total > MAX_MEAN_TOKENS_PER_STRING:
            raise ConfigError(
                f"strings of this source would average {total:.3g} tokens (limit "
                f"{MAX_MEAN_TOKENS_PER_STRING:.0g}); raise p_stop or the concentration"
            )
        clipped: np.ndarray = np.clip(visits, 0.0, None)
        return clipped

    @cached_property
    def stationary(self) -> np.ndarray:
        """``float64[H]``: stationary distribution of the hidden chain with resets."""
        visits = self.expected_visits
        stationary: np.ndarray = visits / visits.sum()
        return stationary

    @property
    def unigram_entropy_bits(self) -> float:
        """Entropy of the packed stream's token frequencies, bits/token: the loss of the best
        model that ignores context (a unigram model)."""
        marginal = self.stationary @ self.probs
        positive = marginal[marginal > 0]
        return float(-(positive * np.log2(positive)).sum())

    @property
    def mean_string_length(self) -> float:
        """E|W| in symbols (the separator not counted)."""
        return float(self.expected_visits.sum() - 1.0)

    @cached_property
    def token_entropy_nats(self) -> np.ndarray:
        """``float64[H]``: entropy of the next token in each hidden state, nats."""
        p = self.probs
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, -p * np.log(p), 0.0)
        return np.asarray(terms.sum(axis=1))

    @property
    def string_entropy_nats(self) -> float:
        """H(W), the entropy of one string, nats."""
        init = self.initial[self.initial > 0]
        start_entropy = float(-(init * np.log(init)).sum())
        return start_entropy + float(self.expected_visits @ self.token_entropy_nats)

    @property
    def entropy_rate_nats(self) -> float:
        """Entropy rate of the packed stream, nats/token: ``H(W) / E[|W| + 1]``."""
        return self.string_entropy_nats / float(self.expected_visits.sum())

    @property
    def entropy_rate_bits(self) -> float:
        """Entropy rate of the packed stream, bits/token."""
        return self.entropy_rate_nats / math.log(2)
