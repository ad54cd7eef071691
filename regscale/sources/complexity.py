"""Complexity measures of a regular language under a sampling policy.

Structural measures come from the trimmed minimal DFA; the information measures (entropy rate,
mean string length) from the policy's probabilistic automaton, exactly.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from regscale.automata.compact_dfa import CompactDFA
from regscale.sources.automaton import ProbabilisticAutomaton

if TYPE_CHECKING:  # scipy loads when a measure is computed, not when the CLI starts
    import scipy.sparse as sp

_DENSE_LIMIT = 1500
"""Strongly connected components up to this size use a dense eigen-solver."""


@dataclass(frozen=True)
class Complexity:
    """The complexity measures of docs/design.md, one language under one policy."""

    states: int  # live states of the minimal DFA
    transitions: int  # live transitions
    accepting: int  # accepting states
    alphabet_size: int  # symbols
    topological_entropy_bits: float  # log2 of the growth rate of the number of words
    entropy_rate_bits: float  # bits/token of the packed stream (exact)
    mean_string_length: float  # symbols per string (exact)
    unigram_entropy_bits: float  # bits/token of the token frequencies (a unigram model's loss)

    def as_dict(self) -> dict[str, float | int]:
        """Field name -> value."""
        return asdict(self)


def measure_complexity(dfa: CompactDFA, automaton: ProbabilisticAutomaton) -> Complexity:
    """All measures of ``dfa`` sampled by ``automaton``."""
    return Complexity(
        states=dfa.n_states,
        transitions=dfa.n_transitions,
        accepting=dfa.n_accepting,
        alphabet_size=len(dfa.alphabet),
        topological_entropy_bits=topological_entropy_bits(dfa),
        entropy_rate_bits=automaton.entropy_rate_bits,
        mean_string_length=automaton.mean_string_length,
        unigram_entropy_bits=automaton.unigram_entropy_bits,
    )


def topological_entropy_bits(dfa: CompactDFA) -> float:
    """``log2 rho(A)`` for the live adjacency matrix A; 0 for a finite language.

    The spectral radius is the largest over strongly connected components; a large component
    uses power iteration on ``A + I`` (primitive, so it converges; its radius is rho + 1).
    """
    from scipy.sparse.csgraph import connected_components

    adjacency = dfa.adjacency()
    n_comp, labels = connected_components(adjacency, directed=True, connection="strong")
    radius = 0.0
    for c in range(n_comp):
        members = np.flatnonzero(labels == c)
        block = adjacency[members][:, members]
        if block.nnz == 0:
            continue
        radius = max(radius, _spectral_radius(block))
    return math.log2(radius) if radius > 1.0 + 1e-12 else 0.0


def _spectral_radius(block: sp.csr_matrix) -> float:
    n = block.shape[0]
    if n <= _DENSE_LIMIT:
        return float(np.abs(np.linalg.eigvals(block.toarray())).max())
    import scipy.sparse as sp

    shifted = block + sp.identity(n, format="csr")
    x = np.ones(n) / n
    value = 0.0
    for _ in range(10_000):
        y = shifted @ x
        new_value = float(y.sum() / x.sum())
        x = y / y.sum()
        if abs(new_value - value) < 1e-12 * new_value:
            break
        value = new_value
    return new_value - 1.0
