"""The position automaton on its own (no subset construction, no minimisation) against Python's
``re.fullmatch``, and the properties the determinisation relies on."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import breadth_first_order

from regscale.automata.glushkov import DENSE_LIMIT, PositionAutomaton, position_automaton
from regscale.automata.random_regex import random_regex
from regscale.automata.regex_ast import Epsilon, expanded_size, simplify
from regscale.automata.regex_parser import parse_regex
from tests.automata.test_regex_to_dfa import ALPHABET, oracle


def accepts(nfa: PositionAutomaton, word: str) -> bool:
    """Run the NFA on ``word`` by keeping the set of states it may be in."""
    n = nfa.n_states
    step = sp.csr_matrix(nfa.step)
    current = np.zeros(n, dtype=bool)
    current[0] = True
    for char in word:
        column = ALPHABET.index(char)
        current = np.asarray(step[:, column * n:(column + 1) * n].T @ current).reshape(-1) > 0
    return bool((current & nfa.accepting).any())


@st.composite
def patterns(draw: st.DrawFn) -> str:
    return random_regex(draw(st.integers(1, 25)), draw(st.integers(1, 3)),
                        draw(st.integers(0, 10**6)))


@settings(max_examples=150, deadline=None)
@given(patterns(), st.lists(st.text(alphabet=ALPHABET, max_size=10), min_size=10, max_size=30))
def test_the_nfa_accepts_what_re_fullmatch_accepts(pattern: str, words: list[str]) -> None:
    tree = simplify(parse_regex(pattern))
    assume(not isinstance(tree, Epsilon))
    nfa = position_automaton(tree, tuple(ALPHABET))
    answers = [oracle(pattern, word) for word in words]
    assume(None not in answers)  # the oracle could not answer in time; not a verdict
    for word, expected in zip(words, answers, strict=True):
        assert accepts(nfa, word) == expected, (pattern, word)


@settings(max_examples=100, deadline=None)
@given(patterns())
def test_one_state_per_position_every_one_reachable_and_co_reachable(pattern: str) -> None:
    tree = simplify(parse_regex(pattern))
    assume(not isinstance(tree, Epsilon))
    nfa = position_automaton(tree, tuple(ALPHABET))
    n = nfa.n_states
    assert n == expanded_size(tree) + 1
    moves = sp.csr_matrix(nfa.step)
    graph = sp.csr_matrix(sum(moves[:, c * n:(c + 1) * n] for c in range(len(ALPHABET))))
    assert len(breadth_first_order(graph, 0, return_predecessors=False)) == n
    reverse = sp.vstack([sp.hstack([graph.T, sp.csr_matrix((n, 1))]),
                         sp.hstack([sp.csr_matrix(nfa.accepting[None, :].astype(float)),
                                    sp.csr_matrix((1, 1))])]).tocsr()
    assert len(breadth_first_order(reverse, n, return_predecessors=False)) == n + 1


def test_large_automata_are_sparse_and_small_ones_dense() -> None:
    small = position_automaton(simplify(parse_regex("(a|b)*a(a|b){8}")), ("a", "b"))
    large = position_automaton(simplify(parse_regex("(a|b)*a(a|b){600}")), ("a", "b"))
    assert isinstance(small.step, np.ndarray) and small.n_states <= DENSE_LIMIT
    assert sp.issparse(large.step) and large.n_states > DENSE_LIMIT
    assert accepts(large, "a" + "b" * 600) and not accepts(large, "b" * 601)
