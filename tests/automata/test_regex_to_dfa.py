"""Regex -> minimal DFA against Python's ``re.fullmatch`` as the oracle."""

from __future__ import annotations

import itertools
import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from automata.fa.dfa import DFA
from automata.fa.nfa import NFA
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from regscale.automata.random_regex import random_regex
from regscale.automata.regex_to_dfa import min_dfa_from_regex
from regscale.errors import ConfigError, StateLimitError
from tests.fixtures import EXAMPLE_REGEXES

ALPHABET = "abc"


@st.composite
def regex_and_words(draw: st.DrawFn) -> tuple[str, list[str]]:
    pattern = random_regex(draw(st.integers(1, 25)), draw(st.integers(1, 3)),
                           draw(st.integers(0, 10**6)))
    words = draw(st.lists(st.text(alphabet=ALPHABET, max_size=12), min_size=20, max_size=40))
    return pattern, words


class OracleTimeout(Exception):
    """Python's backtracking ``re`` took too long (nested quantifiers can be exponential)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise OracleTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def oracle(pattern: str, word: str) -> bool | None:
    """``re.fullmatch``, or None when it backtracks for more than 0.2 s."""
    try:
        with time_limit(0.2):
            return re.fullmatch(pattern, word) is not None
    except OracleTimeout:
        return None


@settings(max_examples=300, deadline=None)
@given(regex_and_words())
def test_dfa_acceptance_equals_re_fullmatch(case: tuple[str, list[str]]) -> None:
    pattern, words = case
    dfa = min_dfa_from_regex(pattern, alphabet=ALPHABET)
    answers = [oracle(pattern, word) for word in words]
    assume(None not in answers)  # the oracle could not answer in time; not a verdict
    for word, expected in zip(words, answers, strict=True):
        assert dfa.accepts(word) == expected, (pattern, word)


@settings(max_examples=60, deadline=None)
@given(
    lo=st.integers(0, 3), extra=st.integers(0, 3), unbounded=st.booleans(),
    inner=st.sampled_from(["a", "ab", "a|bc", "[ab]c?", "(a|b)*b"]),
)
def test_bounded_repetition_exhaustively(lo: int, extra: int, unbounded: bool,
                                         inner: str) -> None:
    bounds = f"{{{lo},}}" if unbounded else f"{{{lo},{lo + extra}}}"
    pattern = f"({inner}){bounds}c?"
    dfa = min_dfa_from_regex(pattern, alphabet=ALPHABET)
    for n in range(8):
        for word in map("".join, itertools.product(ALPHABET, repeat=n)):
            assert dfa.accepts(word) == (re.fullmatch(pattern, word) is not None), word


@pytest.mark.parametrize(("pattern", "states"), EXAMPLE_REGEXES.items())
def test_minimal_state_counts(pattern: str, states: int) -> None:
    assert min_dfa_from_regex(pattern).n_states == states


def test_same_language_gives_identical_arrays() -> None:
    one, two = min_dfa_from_regex("(a|b)*b"), min_dfa_from_regex("(a*b)+|(b|a)*b")
    assert one.alphabet == two.alphabet
    np.testing.assert_array_equal(one.transitions, two.transitions)
    np.testing.assert_array_equal(one.accepting, two.accepting)


def test_agrees_with_automata_lib_alone() -> None:
    pattern = "(a|b)*a(a|b){4}"
    ours = min_dfa_from_regex(pattern)
    theirs = DFA.from_nfa(NFA.from_regex(pattern, input_symbols={"a", "b"}), minify=True)
    assert ours.to_automata_lib() == theirs
    assert ours.n_states == len(theirs.states) == 32


def test_classic_blowup_is_exact_and_fast() -> None:
    start = time.perf_counter()
    dfa = min_dfa_from_regex("(a|b)*a(a|b){12}")
    elapsed = time.perf_counter() - start
    assert (dfa.n_states, dfa.n_transitions, dfa.n_accepting) == (8192, 16384, 4096)
    assert elapsed < 5.0  # the benchmark checks < 1 s; this only guards gross regressions


def test_state_limit_stops_subset_construction() -> None:
    with pytest.raises(StateLimitError, match="state limit of 20000"):
        min_dfa_from_regex("(a|b)*a(a|b){20}")
    with pytest.raises(StateLimitError, match="state limit of 10"):
        min_dfa_from_regex("(a|b)*a(a|b){4}", max_states=10)


def test_expansion_limit() -> None:
    with pytest.raises(StateLimitError, match="expands to"):
        min_dfa_from_regex("((a{100}){100}){100}")


def test_alphabet_must_cover_the_pattern() -> None:
    with pytest.raises(ConfigError, match="lacks symbols"):
        min_dfa_from_regex("abc", alphabet="ab")


def test_empty_word_language() -> None:
    dfa = min_dfa_from_regex("a{0}", alphabet="a")
    assert dfa.n_states == 1 and dfa.accepts("") and not dfa.accepts("a")
