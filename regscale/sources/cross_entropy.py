"""Exact cross-entropy between two regular sources, and similarity measures for transfer pairs.

The cross-entropy rate of target T under source S is ``E_T[-log P_S(W)] / E_T[|W| + 1]`` in
nats per token (strings packed with SEP, as both sources emit them): the loss per token of a
model that has learned S perfectly, evaluated on T. It is computed on the product of the two
hidden chains, driven by T:

- product states ``(t, s)`` reachable from the two start states, moving on every token T emits;
- expected visits ``v = e_start^T (I - Q)^{-1}`` per string, as in
  :mod:`regscale.sources.automaton`;
- ``E_T[-log P_S(W)] = sum_(t,s) v(t,s) sum_x P_T(x|t) (-log P_S(x|s))``.

It is infinite when T can emit a token S gives probability 0 to, and undefined here (None) when
either source draws its start state (the ``uniform_length`` policy), because then ``P_S(W)`` is
a sum over hidden paths. Tokens are positional: symbol i of one alphabet meets symbol i of the
other.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from regscale.sources.automaton import ProbabilisticAutomaton
from regscale.sources.regular_language import RegularLanguage
from regscale.sources.visits import expected_visits as solve_visits


def cross_entropy_rate(target: ProbabilisticAutomaton, source: ProbabilisticAutomaton
                       ) -> float | None:
    """Nats per token of ``source``'s exact model on ``target``'s stream (module docstring)."""
    t0, s0 = target.start_state, source.start_state
    if t0 is None or s0 is None:
        return None
    index = {(t0, s0): 0}
    order = [(t0, s0)]
    rows, cols, weights, cost = [], [], [], []
    for i, (t, s) in enumerate(order):  # `order` grows while we walk it: breadth-first
        emitted = np.flatnonzero(target.probs[t] > 0)
        if (emitted >= source.vocab_size).any():
            return math.inf
        p_source = source.probs[s, emitted]
        if (p_source <= 0).any():
            return math.inf
        cost.append(float(target.probs[t, emitted] @ -np.log(p_source)))
        for x in emitted[emitted > 0]:
            pair = (int(target.next_state[t, x]), int(source.next_state[s, x]))
            if pair not in index:
                index[pair] = len(order)
                order.append(pair)
            rows.append(i)
            cols.append(index[pair])
            weights.append(float(target.probs[t, x]))
    n = len(order)
    q = sp.csr_matrix((weights, (rows, cols)), shape=(n, n))
    start = np.zeros(n)
    start[0] = 1.0
    visits = solve_visits(q, start)
    return float(visits @ np.array(cost) / visits.sum())


def language_similarity(source: RegularLanguage, target: RegularLanguage) -> dict[str, Any]:
    """Similarity measures of a regular transfer pair (bits where a rate)."""
    alpha_s, alpha_t = set(source.dfa.alphabet), set(target.dfa.alphabet)
    cross = cross_entropy_rate(target.automaton, source.automaton)
    h_target = target.automaton.entropy_rate_bits
    cross_bits = None if cross is None else cross / math.log(2)
    return {
        "shared_alphabet": len(alpha_s & alpha_t) / len(alpha_s | alpha_t),
        "source_states": source.dfa.n_states, "target_states": target.dfa.n_states,
        "source_entropy_rate_bits": source.automaton.entropy_rate_bits,
        "target_entropy_rate_bits": h_target,
        "cross_entropy_bits": cross_bits,
        "kl_rate_bits": None if cross_bits is None else cross_bits - h_target,
    }
