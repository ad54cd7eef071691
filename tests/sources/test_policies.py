"""Sampling policies: every string is in the language and strings follow the declared law."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.automata.random_dfa import RandomDFASpec, random_min_dfa
from regscale.automata.regex_to_dfa import min_dfa_from_regex
from regscale.errors import ConfigError, EmptyLanguageError, UnknownNameError
from regscale.sources.automaton import SEP, ProbabilisticAutomaton
from regscale.sources.policies import POLICIES, PolicyConfig, compile_policy
from regscale.sources.sampler import TokenSampler
from regscale.sources.strings import sample_strings


def walk_probability(dfa: CompactDFA, word: str, p_stop: float) -> float:
    """P(word) under `walk`, computed from the DFA directly (independent of the compiler)."""
    state, prob = 0, 1.0
    for i in dfa.symbol_ids(word):
        live = int((dfa.transitions[state] != DEAD).sum())
        stop = (p_stop if live else 1.0) if dfa.accepting[state] else 0.0
        prob *= (1 - stop) / live
        state = int(dfa.transitions[state, i])
    live = int((dfa.transitions[state] != DEAD).sum())
    return prob * ((p_stop if live else 1.0) if dfa.accepting[state] else 0.0)


def string_probability(pa: ProbabilisticAutomaton, dfa: CompactDFA, word: str) -> float:
    """P(word) by summing over start states of the automaton (for dirichlet)."""
    total = 0.0
    for h0 in np.flatnonzero(pa.initial):
        h, prob = int(h0), float(pa.initial[h0])
        for i in dfa.symbol_ids(word):
            prob *= pa.probs[h, i + 1]
            h = int(pa.next_state[h, i + 1])
            if h < 0:
                break
        else:
            total += prob * pa.probs[h, SEP]
    return total


def assert_matches(counts: Counter[str], expected: dict[str, float], n: int) -> None:
    """Chi-square of observed string counts against exact probabilities (bins >= 5 expected)."""
    keys = [w for w, p in expected.items() if p * n >= 5]
    observed = [counts[w] for w in keys]
    wanted = [expected[w] * n for w in keys]
    rest = n - sum(wanted)
    if rest > 1e-6 * n:  # lump the rare words into one bin
        observed.append(n - sum(observed))
        wanted.append(rest)
    assert sum(wanted) == pytest.approx(n)
    assert sum(observed) == n
    assert chisquare(observed, wanted).pvalue > 1e-4


BACKENDS = pytest.mark.parametrize("backend", ["numba", "torch"])


@BACKENDS
@pytest.mark.parametrize("pattern", ["a*b", "(a|b)*a(a|b){2}", "(ab|ba)*c?", "a{1,3}b*"])
def test_walk_matches_its_exact_law(pattern: str, backend: str) -> None:
    dfa = min_dfa_from_regex(pattern)
    pa = compile_policy(dfa, PolicyConfig(name="walk", p_stop=0.3))
    n = 20_000
    counts = Counter(sample_strings(pa, dfa, n, seed=1, backend=backend))
    assert all(dfa.accepts(w) for w in counts)
    expected = {w: walk_probability(dfa, w, 0.3) for w in counts}
    assert_matches(counts, expected, n)


@BACKENDS
@pytest.mark.parametrize("pattern", ["(a|b)*a(a|b){2}", "(ab|b)*", "a*b*c"])
def test_uniform_length_against_automata_lib_word_counts(pattern: str, backend: str) -> None:
    dfa = min_dfa_from_regex(pattern)
    config = PolicyConfig(name="uniform_length", min_length=2, max_length=6)
    pa = compile_policy(dfa, config)
    oracle = dfa.to_automata_lib()
    counts_by_length = {m: oracle.count_words_of_length(m) for m in range(2, 7)}
    lengths = [m for m, c in counts_by_length.items() if c > 0]
    n = 30_000
    counts = Counter(sample_strings(pa, dfa, n, seed=2, backend=backend))
    assert all(dfa.accepts(w) and 2 <= len(w) <= 6 for w in counts)
    expected = {w: 1 / len(lengths) / counts_by_length[len(w)]
                for m in lengths for w in oracle.words_of_length(m)}
    assert_matches(counts, expected, n)


@BACKENDS
def test_dirichlet_matches_its_declared_law_and_concentration_sets_entropy(backend: str) -> None:
    dfa = min_dfa_from_regex("(a|b)*a(a|b){2}")
    pa = compile_policy(dfa, PolicyConfig(name="dirichlet", concentration=1.0, seed=3))
    n = 20_000
    counts = Counter(sample_strings(pa, dfa, n, seed=4, backend=backend))
    assert all(dfa.accepts(w) for w in counts)
    assert_matches(counts, {w: string_probability(pa, dfa, w) for w in counts}, n)
    rates = [compile_policy(dfa, PolicyConfig(name="dirichlet", concentration=c, seed=s))
             .entropy_rate_bits for c in (0.05, 100.0) for s in range(5)]
    assert np.mean(rates[:5]) < np.mean(rates[5:])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 24), k=st.integers(1, 3), seed=st.integers(0, 500),
       policy=st.sampled_from(sorted(POLICIES)))
def test_every_sampled_string_is_accepted(n: int, k: int, seed: int, policy: str) -> None:
    spec = RandomDFASpec(states=n, transitions=min(n * k, max(n - 1, k) + n // 2),
                         accepting=max(1, n // 3), alphabet_size=k, seed=seed)
    dfa = random_min_dfa(spec)
    pa = compile_policy(dfa, PolicyConfig(name=policy, max_length=3 * n, seed=seed))
    for word in sample_strings(pa, dfa, 200, seed=seed):
        assert dfa.accepts(word)


@BACKENDS
def test_same_seed_same_strings(backend: str) -> None:
    dfa = min_dfa_from_regex("(a|b)*a(a|b){3}")
    pa = compile_policy(dfa, PolicyConfig())
    draw = lambda seed: sample_strings(pa, dfa, 50, seed=seed, backend=backend)  # noqa: E731
    assert draw(9) == draw(9)
    assert draw(9) != draw(10)


def test_pair_and_single_step_kernels_share_one_law() -> None:
    """Odd and even segment lengths (pairs plus a single step) give the same token law."""
    dfa = min_dfa_from_regex("(a|b)*a(a|b){2}c?")
    pa = compile_policy(dfa, PolicyConfig(p_stop=0.3))
    sampler = TokenSampler(pa)
    gen = sampler.generator(0)
    hidden = sampler.stationary_states(20_000, gen)
    odd, hidden = sampler.run(hidden, 3, gen)
    even, _ = sampler.run(hidden, 2, gen)
    expected = pa.stationary @ pa.probs  # every position is stationary
    for column in (odd[:, 0], odd[:, 2], even[:, 1]):
        observed = torch.bincount(column, minlength=pa.vocab_size).double().numpy()
        assert chisquare(observed, expected * len(column)).pvalue > 1e-4


def test_policy_config_errors() -> None:
    with pytest.raises(UnknownNameError):
        PolicyConfig(name="zipf")
    with pytest.raises(ConfigError):
        PolicyConfig(p_stop=0.0)
    with pytest.raises(ConfigError):
        PolicyConfig(min_length=5, max_length=2)
    with pytest.raises(EmptyLanguageError, match="no words of length"):
        compile_policy(min_dfa_from_regex("ab"), PolicyConfig(name="uniform_length",
                                                               min_length=3))


def test_every_policy_rows_are_distributions() -> None:
    dfa = min_dfa_from_regex("(a|b)*a(a|b){2}c?")
    for name in POLICIES:
        pa = compile_policy(dfa, PolicyConfig(name=name))
        np.testing.assert_allclose(pa.probs.sum(axis=1), 1.0)
        assert math.isclose(pa.stationary.sum(), 1.0)
