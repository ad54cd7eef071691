"""Random minimal DFAs hit their targets exactly, are minimal, and are reproducible."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.automata.random_dfa import RandomDFASpec, random_min_dfa
from regscale.errors import ImpossibleTargetsError

REFERENCE = Path(__file__).parents[1] / "data" / "random_dfa_reference.json"


@st.composite
def feasible_targets(draw: st.DrawFn) -> RandomDFASpec:
    n = draw(st.integers(2, 30))
    k = draw(st.integers(1, 4))
    t = draw(st.integers(max(n - 1, k), n * k))
    f = draw(st.integers(1, n - 1 if t == n * k else n))  # all accepting and complete: 1 state
    return RandomDFASpec(states=n, transitions=t, accepting=f, alphabet_size=k,
                         seed=draw(st.integers(0, 1000)))


def assert_meets(dfa: CompactDFA, spec: RandomDFASpec) -> None:
    """Exact targets, every symbol used, and minimal by automata-lib's own minimisation (which
    finds nothing to merge, plus at most its trap state)."""
    assert (dfa.n_states, dfa.n_transitions, dfa.n_accepting) == (
        spec.states, spec.transitions, spec.accepting)
    assert len(dfa.alphabet) == spec.alphabet_size
    assert set(np.unique(np.nonzero(dfa.transitions >= 0)[1])) == set(range(spec.alphabet_size))
    reminimised = dfa.to_automata_lib().minify()
    assert CompactDFA.from_automata_lib(reminimised, dfa.alphabet).n_states == spec.states


@settings(max_examples=80, deadline=None)
@given(feasible_targets())
def test_targets_are_hit_exactly_and_the_dfa_is_minimal(spec: RandomDFASpec) -> None:
    assert_meets(random_min_dfa(spec), spec)


@settings(max_examples=80, deadline=None)
@given(feasible_targets())
def test_construction_alone_meets_every_target(spec: RandomDFASpec) -> None:
    """``max_tries=0`` skips rejection: the construction and repair law on its own."""
    dfa = random_min_dfa(spec, max_tries=0)
    assert_meets(dfa, spec)
    assert np.count_nonzero((dfa.transitions == DEAD).all(axis=1)) <= 1
    again = random_min_dfa(spec, max_tries=0)
    np.testing.assert_array_equal(dfa.transitions, again.transitions)
    np.testing.assert_array_equal(dfa.accepting, again.accepting)


def test_most_feasible_targets_succeed() -> None:
    specs = [RandomDFASpec(states=n, transitions=int(1.6 * n), accepting=max(1, n // 4),
                           alphabet_size=2, seed=s) for n in (4, 16, 64) for s in range(5)]
    for spec in specs:
        assert_meets(random_min_dfa(spec), spec)


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


def test_construction_takes_over_after_max_tries() -> None:
    # All states accepting and one transition missing: with seed 0 the first rejection draw
    # misses and the second hits; with one try, construction meets the targets instead.
    spec = RandomDFASpec(states=12, transitions=23, accepting=12, alphabet_size=2, seed=0)
    rejected, constructed = random_min_dfa(spec, max_tries=2), random_min_dfa(spec, max_tries=1)
    assert_meets(rejected, spec)
    assert_meets(constructed, spec)
    assert not np.array_equal(rejected.transitions, constructed.transitions)


@pytest.mark.parametrize(("n", "t", "f", "k"), [(3000, 5250, 750, 2), (2000, 1999, 500, 2),
                                                (2000, 2100, 1, 3), (1500, 2000, 1500, 2)])
def test_sparse_targets_at_scale(n: int, t: int, f: int, k: int) -> None:
    """Rejection cannot meet these (every draw leaves dozens of sinks or merged states); the
    construction does: near-trees, one accepting state, all states accepting."""
    spec = RandomDFASpec(states=n, transitions=t, accepting=f, alphabet_size=k, seed=0)
    assert_meets(random_min_dfa(spec), spec)


def test_targets_rejection_met_before_give_the_same_dfas() -> None:
    reference = json.loads(REFERENCE.read_text())["dfas"]
    assert len(reference) >= 30
    for entry in reference:
        digest = entry.pop("sha256")
        dfa = random_min_dfa(RandomDFASpec(**entry))
        ours = hashlib.sha256(dfa.transitions.astype(np.int32).tobytes()
                              + dfa.accepting.astype(bool).tobytes()).hexdigest()
        assert ours == digest, entry
