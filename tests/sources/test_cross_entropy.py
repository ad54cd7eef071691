"""Exact cross-entropy between sources: against the entropy rate, Gibbs, and Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.automata.random_dfa import RandomDFASpec
from regscale.sources.catalog import load_language_config
from regscale.sources.cross_entropy import cross_entropy_rate, language_similarity
from regscale.sources.language_config import LanguageConfig
from regscale.sources.policies import PolicyConfig
from regscale.sources.regular_language import RegularLanguage
from regscale.sources.strings import sample_strings


def random_language(seed: int, states: int = 5, policy: str = "dirichlet") -> RegularLanguage:
    spec = RandomDFASpec(states=states, transitions=2 * states - 1, accepting=2,
                         alphabet_size=2, seed=seed)
    return RegularLanguage.build(LanguageConfig(
        name=f"r{seed}", spec=spec, policy=PolicyConfig(name=policy, seed=seed)))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_a_source_against_itself_gives_its_entropy_rate(seed: int) -> None:
    language = random_language(seed)
    cross = cross_entropy_rate(language.automaton, language.automaton)
    assert cross == pytest.approx(language.automaton.entropy_rate_nats, rel=1e-9, abs=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_gibbs_cross_entropy_is_at_least_the_target_entropy(a: int, b: int) -> None:
    target, source = random_language(a), random_language(b, states=4)
    cross = cross_entropy_rate(target.automaton, source.automaton)
    assert cross is not None
    assert cross >= target.automaton.entropy_rate_nats - 1e-9


def catalog(name: str, policy: str = "walk", seed: int = 0) -> RegularLanguage:
    return RegularLanguage.build(load_language_config(
        name, policy=PolicyConfig(name=policy, seed=seed)))


@pytest.mark.parametrize(("target", "source"), [
    (("tomita4", "walk", 0), ("tomita4", "dirichlet", 5)),  # same DFA, other probabilities
    (("tomita2", "walk", 0), ("tomita4", "dirichlet", 1)),  # (10)* is inside "no 000"
])
def test_matches_a_monte_carlo_estimate(target: tuple[str, str, int],
                                        source: tuple[str, str, int]) -> None:
    tgt, src = catalog(*target), catalog(*source)
    cross = cross_entropy_rate(tgt.automaton, src.automaton)
    assert cross is not None and math.isfinite(cross)
    assert cross > tgt.automaton.entropy_rate_nats + 0.01
    total, tokens = 0.0, 0
    for word in sample_strings(tgt.automaton, tgt.dfa, 20_000, seed=0):
        h = src.automaton.start_state
        assert h is not None
        for x in [src.dfa.alphabet.index(c) + 1 for c in word] + [0]:
            total -= math.log(src.automaton.probs[h, x])
            h = int(src.automaton.next_state[h, x])
        tokens += len(word) + 1
    assert total / tokens == pytest.approx(cross, rel=0.02)


def test_infinite_and_undefined_cases() -> None:
    a_star_b = RegularLanguage.build(load_language_config("a_star_b"))
    ab_star = RegularLanguage.build(load_language_config("ab_star"))
    assert cross_entropy_rate(a_star_b.automaton, ab_star.automaton) == math.inf
    uniform = random_language(1, policy="uniform_length")
    assert cross_entropy_rate(uniform.automaton, a_star_b.automaton) is None
    similarity = language_similarity(a_star_b, ab_star)
    assert similarity["shared_alphabet"] == 1.0 and similarity["kl_rate_bits"] == math.inf
    assert similarity["source_states"] == ab_star.dfa.n_states
    assert np.isfinite(similarity["target_entropy_rate_bits"])
