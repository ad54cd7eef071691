"""Array minimisation against automata-lib's Hopcroft on random trimmed DFAs (the oracle), and
the sparse adjacency against a count of the transitions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.automata.minimize import minimize
from regscale.errors import EmptyLanguageError


@st.composite
def trimmed_dfas(draw: st.DrawFn) -> CompactDFA:
    """A random partial DFA (many duplicate states likely), trimmed and numbered breadth-first."""
    n = draw(st.integers(1, 14))
    k = draw(st.integers(1, 3))
    alphabet = tuple("abc"[:k])
    cells = draw(st.lists(st.integers(-1, n - 1), min_size=n * k, max_size=n * k))
    accepting = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    transitions = {q: {alphabet[i]: cells[q * k + i] for i in range(k) if cells[q * k + i] >= 0}
                   for q in range(n)}
    final = frozenset(q for q in range(n) if accepting[q])
    try:
        return CompactDFA.from_transition_map(transitions, 0, final, alphabet)
    except EmptyLanguageError:
        return CompactDFA.from_transition_map({0: {}}, 0, frozenset({0}), alphabet)


@settings(max_examples=300, deadline=None)
@given(trimmed_dfas())
def test_minimize_equals_automata_lib_hopcroft(dfa: CompactDFA) -> None:
    """Same states, transitions, acceptance and numbering as automata-lib's minimal DFA."""
    ours = minimize(dfa)
    theirs = CompactDFA.from_automata_lib(dfa.to_automata_lib().minify(), dfa.alphabet)
    assert np.array_equal(ours.transitions, theirs.transitions)
    assert np.array_equal(ours.accepting, theirs.accepting)


@settings(max_examples=100, deadline=None)
@given(trimmed_dfas())
def test_sparse_adjacency_counts_the_symbols_between_states(dfa: CompactDFA) -> None:
    counts = np.zeros((dfa.n_states, dfa.n_states))
    for q, row in enumerate(dfa.transitions):
        for nxt in row:
            if nxt != DEAD:
                counts[q, nxt] += 1
    assert np.array_equal(dfa.adjacency().toarray(), counts)
