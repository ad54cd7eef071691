"""Sampling policies: how a minimal DFA becomes a probabilistic automaton.

``walk`` (default)
    At state q choose uniformly among live symbols; where q accepts, stop (emit SEP) with
    probability ``p_stop``, or 1 where q has no live symbol. Hidden state = q.
``uniform_length``
    Draw a length n uniformly among the lengths in ``[min_length, max_length]`` that have words,
    then a uniformly random word of length n: from (q, r) emit symbol s with probability
    ``count(delta(q, s), r - 1) / count(q, r)`` where ``count(q, r)`` is the number of words of
    length r read from q (weight pushing). Hidden state = (q, remaining length).
``dirichlet``
    Per state, weights over the live actions (live symbols, and SEP where q accepts) drawn from
    a symmetric Dirichlet(``concentration``) with ``seed``: low concentration, low entropy,
    independent of the DFA's shape. Each allowed action keeps at least ``DIRICHLET_FLOOR``
    probability (then rows are renormalised), so strings end in reasonable time. Hidden state = q.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.config_io import check_fields
from regscale.errors import ConfigError, EmptyLanguageError, UnknownNameError
from regscale.sources.automaton import SEP, ProbabilisticAutomaton

DIRICHLET_FLOOR = 1e-3
"""Smallest probability of an allowed action under ``dirichlet``."""

MAX_LENGTH_LIMIT = 4096
"""Largest ``max_length`` for ``uniform_length`` (hidden states grow with it)."""


@dataclass(frozen=True, kw_only=True)
class PolicyConfig:
    """How strings are drawn from a language."""

    name: str = "walk"  # one of POLICIES
    p_stop: float = 0.2  # walk: stop probability in accepting states that can go on
    min_length: int = 1  # uniform_length: shortest length drawn
    max_length: int = 32  # uniform_length: longest length drawn
    concentration: float = 1.0  # dirichlet: symmetric concentration; low = low entropy
    seed: int = 0  # dirichlet: seed of the per-state weights

    def __post_init__(self) -> None:
        check_fields(self)
        if self.name not in POLICIES:
            raise UnknownNameError(
                f"unknown sampling policy {self.name!r}; choose one of {sorted(POLICIES)}"
            )
        if not 0.0 < self.p_stop <= 1.0:
            raise ConfigError(f"p_stop must be in (0, 1], got {self.p_stop}")
        if not 0 <= self.min_length <= self.max_length <= MAX_LENGTH_LIMIT:
            raise ConfigError(
                f"need 0 <= min_length <= max_length <= {MAX_LENGTH_LIMIT}, got "
                f"{self.min_length}, {self.max_length}"
            )
        if not self.concentration > 0.0:
            raise ConfigError(f"concentration must be > 0, got {self.concentration}")


def compile_policy(dfa: CompactDFA, config: PolicyConfig) -> ProbabilisticAutomaton:
    """Compile ``config`` on ``dfa`` into its probabilistic automaton."""
    return POLICIES[config.name](dfa, config)


def _state_policy(dfa: CompactDFA, weights: np.ndarray) -> ProbabilisticAutomaton:
    """Hidden state = DFA state; ``weights[q, x]`` unnormalised over tokens (SEP first)."""
    n, k = dfa.transitions.shape
    probs = weights / weights.sum(axis=1, keepdims=True)
    next_state = np.full((n, k + 1), -1, dtype=np.int64)
    next_state[:, 1:] = np.where(dfa.transitions != DEAD, dfa.transitions, -1)
    initial = np.zeros(n)
    initial[0] = 1.0
    return ProbabilisticAutomaton(
        probs=probs, next_state=next_state, initial=initial, dfa_state=np.arange(n)
    )


def walk(dfa: CompactDFA, config: PolicyConfig) -> ProbabilisticAutomaton:
    """Uniform choice among live symbols, stopping with ``p_stop`` in accepting states."""
    live = dfa.transitions != DEAD
    n_live = live.sum(axis=1)
    stop = np.where(dfa.accepting, np.where(n_live > 0, config.p_stop, 1.0), 0.0)
    weights = np.zeros((dfa.n_states, dfa.vocab_size))
    weights[:, SEP] = stop
    weights[:, 1:] = live * ((1.0 - stop) / np.maximum(n_live, 1))[:, None]
    return _state_policy(dfa, weights)


def dirichlet(dfa: CompactDFA, config: PolicyConfig) -> ProbabilisticAutomaton:
    """Per-state Dirichlet(``concentration``) weights over the live actions."""
    allowed = np.concatenate([dfa.accepting[:, None], dfa.transitions != DEAD], axis=1)
    rng = np.random.default_rng(config.seed)
    # Gamma draws normalised per row are Dirichlet over the allowed actions.
    gamma = rng.gamma(config.concentration, size=allowed.shape)
    weights = np.where(allowed, gamma, 0.0)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
    weights = np.where(allowed, np.maximum(weights, DIRICHLET_FLOOR), 0.0)
    return _state_policy(dfa, weights)


def uniform_length(dfa: CompactDFA, config: PolicyConfig) -> ProbabilisticAutomaton:
    """Uniform length in range, then a uniform word of that length (weight pushing)."""
    n, k = dfa.transitions.shape
    lmax = config.max_length
    # scaled[r][q] = count(q, r) / scale[r]; log_scale keeps big counts in range.
    scaled = np.zeros((lmax + 1, n))
    log_scale = np.zeros(lmax + 1)
    scaled[0] = dfa.accepting
    live = dfa.transitions != DEAD
    targets = np.where(live, dfa.transitions, 0)
    for r in range(1, lmax + 1):
        row = (scaled[r - 1][targets] * live).sum(axis=1)
        top = row.max()
        scaled[r] = row / top if top > 0 else row
        log_scale[r] = log_scale[r - 1] + (np.log(top) if top > 0 else 0.0)
    lengths = [r for r in range(config.min_length, lmax + 1) if scaled[r][0] > 0]
    if not lengths:
        raise EmptyLanguageError(
            f"the language has no words of length {config.min_length}..{lmax} "
            "(adjust min_length/max_length)"
        )
    # Hidden states (q, r) with count(q, r) > 0, numbered on demand from the starts.
    index: dict[tuple[int, int], int] = {}
    order: list[tuple[int, int]] = []
    stack = [(0, r) for r in lengths]
    for hidden in stack:
        index[hidden] = len(order)
        order.append(hidden)
    while stack:
        q, r = stack.pop()
        if r == 0:
            continue
        for s in range(k):
            nxt = (int(targets[q, s]), r - 1)
            if live[q, s] and scaled[r - 1][nxt[0]] > 0 and nxt not in index:
                index[nxt] = len(order)
                order.append(nxt)
                stack.append(nxt)
    h = len(order)
    probs = np.zeros((h, k + 1))
    next_state = np.full((h, k + 1), -1, dtype=np.int64)
    for i, (q, r) in enumerate(order):
        if r == 0:
            probs[i, SEP] = 1.0
            continue
        ratio = np.exp(log_scale[r - 1] - log_scale[r]) / scaled[r][q]
        for s in range(k):
            t = int(targets[q, s])
            if live[q, s] and scaled[r - 1][t] > 0:
                probs[i, s + 1] = scaled[r - 1][t] * ratio
                next_state[i, s + 1] = index[(t, r - 1)]
        probs[i] /= probs[i].sum()  # exact up to rounding; removes accumulated error
    initial = np.zeros(h)
    initial[[index[(0, r)] for r in lengths]] = 1.0 / len(lengths)
    dfa_state = np.array([q for q, _ in order], dtype=np.int64)
    return ProbabilisticAutomaton(
        probs=probs, next_state=next_state, initial=initial, dfa_state=dfa_state
    )


POLICIES: dict[str, Callable[[CompactDFA, PolicyConfig], ProbabilisticAutomaton]] = {
    "walk": walk,
    "uniform_length": uniform_length,
    "dirichlet": dirichlet,
}
"""The sampling-policy registry: name -> compiler."""
