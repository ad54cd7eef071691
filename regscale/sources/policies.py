"""Sampling policies: how a minimal DFA becomes a probabilistic automaton.

``walk`` (default)
    At state q choose uniformly among live symbols; where q accepts, stop (emit SEP) with
    probability ``p_stop``, or 1 where q has no live symbol. Hidden state = q. With
    ``mean_length``, ``p_stop`` is instead solved (bisection) so that the mean string length is
    that many symbols, or as near as ``p_stop`` in ``[P_STOP_MIN, 1]`` allows: a design can hold
    length fixed while it varies the automaton.
``uniform_length``
    Draw a length n uniformly among the lengths in ``[min_length, max_length]`` that have words,
    then a uniformly random word of length n: from (q, r) emit symbol s with probability
    ``count(delta(q, s), r - 1) / count(q, r)`` where ``count(q, r)`` is the number of words of
    length r read from q (weight pushing). Hidden state = (q, remaining length).
``dirichlet``
    Per state, weights over the live actions (live symbols, and SEP where q accepts) drawn from
    a symmetric Dirichlet(``concentration``) with ``seed``: low concentration, low entropy,
    independent of the DFA's shape. Each allowed action keeps at least ``DIRICHLET_FLOOR``
    probability (then rows are renormalised), so strings end in reasonable time. With
    ``mean_length`` the weights cover the live symbols only and the walk stops as ``walk`` does
    (``p_stop`` solved for that length): entropy then moves with the concentration at a fixed
    mean length. Hidden state = q.
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

P_STOP_MIN = 1e-3
"""Smallest stop probability ``mean_length`` may solve for."""

STOP_BISECTIONS = 50
"""Bisection steps on ``log p_stop`` (the bracket shrinks to 7/2^50 of its width)."""

MAX_LENGTH_LIMIT = 4096
"""Largest ``max_length`` for ``uniform_length`` (hidden states grow with it)."""


@dataclass(frozen=True, kw_only=True)
class PolicyConfig:
    """How strings are drawn from a language."""

    name: str = "walk"  # one of POLICIES
    p_stop: float = 0.2  # walk: stop probability in accepting states that can go on
    mean_length: float | None = None  # walk, dirichlet: solve p_stop for this mean length
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
        if self.mean_length is not None and not self.mean_length > 0.0:
            raise ConfigError(f"mean_length must be > 0, got {self.mean_length}")
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
    """Uniform choice among live symbols, stopping with ``p_stop`` in accepting states (or with
    the ``p_stop`` that gives ``mean_length``)."""
    live = dfa.transitions != DEAD
    symbols = live / np.maximum(live.sum(axis=1), 1)[:, None]
    return _stopping(dfa, symbols, _stop_probability(dfa, symbols, config))


def dirichlet(dfa: CompactDFA, config: PolicyConfig) -> ProbabilisticAutomaton:
    """Per-state Dirichlet(``concentration``) weights over the live actions; with
    ``mean_length``, over the live symbols only, stopping like ``walk``."""
    rng = np.random.default_rng(config.seed)
    if config.mean_length is not None:
        live = dfa.transitions != DEAD
        symbols = _floored_dirichlet(rng, live, config.concentration)
        return _stopping(dfa, symbols, _stop_probability(dfa, symbols, config))
    allowed = np.concatenate([dfa.accepting[:, None], dfa.transitions != DEAD], axis=1)
    return _state_policy(dfa, _floored_dirichlet(rng, allowed, config.concentration))


def _floored_dirichlet(rng: np.random.Generator, allowed: np.ndarray,
                       concentration: float) -> np.ndarray:
    """Rows of Dirichlet(``concentration``) weights over the allowed entries, each at least
    ``DIRICHLET_FLOOR`` (not renormalised; rows without an allowed entry are 0)."""
    # Gamma draws normalised per row are Dirichlet over the allowed actions.
    gamma = rng.gamma(concentration, size=allowed.shape)
    weights = np.where(allowed, gamma, 0.0)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-300)
    floored: np.ndarray = np.where(allowed, np.maximum(weights, DIRICHLET_FLOOR), 0.0)
    return floored


def _stop_probability(dfa: CompactDFA, symbols: np.ndarray, config: PolicyConfig) -> float:
    """``p_stop``, or the one in ``[P_STOP_MIN, 1]`` whose mean string length is nearest
    ``mean_length`` (the length falls as ``p_stop`` rises; bisection on ``log p_stop``)."""
    if config.mean_length is None:
        return config.p_stop
    target = config.mean_length

    def length(log_p: float) -> float:
        return _stopping(dfa, symbols, float(np.exp(log_p))).mean_string_length

    low, high = float(np.log(P_STOP_MIN)), 0.0
    if length(high) >= target:
        return 1.0
    if length(low) <= target:
        return P_STOP_MIN
    for _ in range(STOP_BISECTIONS):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if length(middle) > target else (low, middle)
    return float(np.exp(0.5 * (low + high)))


def _stopping(dfa: CompactDFA, symbols: np.ndarray, p_stop: float) -> ProbabilisticAutomaton:
    """Stop with ``p_stop`` in accepting states (1 where no symbol is live), else emit a symbol
    by ``symbols`` (rows over the live symbols)."""
    live = dfa.transitions != DEAD
    stop = np.where(dfa.accepting, np.where(live.any(axis=1), p_stop, 1.0), 0.0)
    weights = np.zeros((dfa.n_states, dfa.vocab_size))
    weights[:, SEP] = stop
    rows = symbols / np.maximum(symbols.sum(axis=1, keepdims=True), 1e-300)
    weights[:, 1:] = rows * (1.0 - stop)[:, None]
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
