"""Random minimal DFAs hit their targets exactly, are minimal, and are reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from regscale.automata.compact_dfa import CompactDFA
from regscale.automata.random_dfa import RandomDFASpec, random_min_dfa
from regscale.errors import ImpossibleTargetsError


@st.composite
def feasible_targets(draw: st.DrawFn) -> RandomDFASpec:
    n = draw(st.integers(2, 30))
    k = draw(st.integers(1, 4))
    t = draw(st.integers(max(n - 1, k), n * k))
    f = draw(st.integers(1, max(1, n // 2)))
    return RandomDFASpec(states=n, transitions=t, accepting=f, alphabet_size=k,
                         seed=draw(st.integers(0, 1000)))


@settings(max_examples=80, deadline=None)
@given(feasible_targets())
def test_targets_are_hit_exactly_and_the_dfa_is_minimal(spec: RandomDFASpec) -> None:
    try:
        dfa = random_min_dfa(spec, max_tries=300)
    except ImpossibleTargetsError:
        assume(False)  # rare shapes (e.g. unary chains) cannot be minimal; covered below
        return
    assert (dfa.n_states, dfa.n_transitions, dfa.n_accepting) == (
        spec.states, spec.transitions, spec.accepting)
    assert len(dfa.alphabet) == spec.alphabet_size
    assert set(np.unique(np.nonzero(dfa.transitions >= 0)[1])) == set(range(spec.alphabet_size))
    # automata-lib's own minimisation finds nothing to merge (plus at most its trap state)
    reminimised = dfa.to_automata_lib().minify()
    assert CompactDFA.from_automata_lib(reminimised, dfa.alphabet).n_states == spec.states


def test_most_feasible_targets_succeed() -> None:
    specs = [RandomDFASpec(states=n, transitions=int(1.6 * n), accepting=max(1, n // 4),
                           alphabet_size=2, seed=s) for n in (4, 16, 64) for s in range(5)]
    for spec in specs:
        dfa = random_min_dfa(spec)
        assert dfa.n_states == spec.states


def test_same_seed_same_dfa_and_different_seed_differs() -> None:
    spec = RandomDFASpec(states=20, transitions=34, accepting=5, alphabet_size=2, seed=7)
    a, b = random_min_dfa(spec), random_min_dfa(spec)
    np.testing.assert_array_equal(a.transitions, b.transitions)
    c = random_min_dfa(RandomDFASpec(states=20, transitions=34, accepting=5,
                                     alphabet_size=2, seed=8))
    assert not np.array_equal(a.transitions, c.transitions)


@pytest.mark.parametrize(
    ("n", "t", "f", "k", "reason"),
    [(3, 7, 1, 2, "transitions > states"), (5, 3, 1, 2, "unreachable"),
     (3, 2, 4, 2, "accepting must be"), (3, 6, 3, 2, "universal language"),
     (4, 3, 1, 5, "never used"), (0, 0, 1, 1, "states must be")],
)
def test_impossible_targets_are_explained(n: int, t: int, f: int, k: int, reason: str) -> None:
    with pytest.raises(ImpossibleTargetsError, match=reason):
        RandomDFASpec(states=n, transitions=t, accepting=f, alphabet_size=k)


def test_gives_up_after_max_tries_with_a_clear_error() -> None:
    # All states accepting and one transition missing: few draws are minimal. With seed 0 the
    # first draw misses and the second hits, so one try fails and two succeed.
    spec = RandomDFASpec(states=12, transitions=23, accepting=12, alphabet_size=2, seed=0)
    with pytest.raises(ImpossibleTargetsError, match="in 1 draws"):
        random_min_dfa(spec, max_tries=1)
    assert random_min_dfa(spec, max_tries=2).n_states == 12


def test_sparse_targets_at_scale_say_that_sinks_merge() -> None:
    """3,000 states with 1.75 transitions per state leave dozens of states without a move in
    every draw; they all accept, so they merge, and the error says what to change."""
    spec = RandomDFASpec(states=3000, transitions=5250, accepting=750, alphabet_size=2, seed=0)
    with pytest.raises(ImpossibleTargetsError, match="without a move, which merge"):
        random_min_dfa(spec, max_tries=20)
