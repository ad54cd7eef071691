"""Context-free languages as sources: catalog entries, random grammars with exact targets, the
compiled sampler against its plain-Python reference and the exact string law, measures against
closed forms (the training data, floors included, are in tests/training/test_grammar_data.py)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.errors import ConfigError, ImpossibleTargetsError
from regscale.sources import xoshiro
from regscale.sources.catalog import load_language_config
from regscale.sources.context_free_language import ContextFreeLanguage
from regscale.sources.grammar import grammar_from_rules
from regscale.sources.grammar_measures import check_unambiguous, depth_distribution
from regscale.sources.grammar_sampler import grammar_tables, sample_packed
from regscale.sources.grammar_spec import GrammarSpec
from regscale.sources.language import build_language
from regscale.sources.language_config import LanguageConfig
from regscale.sources.prefix_probability import string_probability
from regscale.sources.random_grammar import TARGET_RADIUS, random_grammar

CATALOG = ["dyck1", "dyck2", "dyck3", "anbn", "palindromes", "dyck1_depth3"]


def grammar_language(name: str) -> ContextFreeLanguage:
    language = build_language(load_language_config(name))
    assert isinstance(language, ContextFreeLanguage)
    return language


@pytest.mark.parametrize("name", CATALOG)
def test_catalog_grammars_sample_their_own_strings(name: str) -> None:
    language = grammar_language(name)
    words = language.sample_words(300, seed=0)
    assert words == language.sample_words(300, seed=0)  # same seed, same strings
    assert words != language.sample_words(300, seed=1)
    assert all(language.accepts_tokens([language.alphabet.index(c) + 1 for c in w])
               for w in words)
    mean = np.mean([len(w) for w in language.sample_words(4000, seed=2)])
    assert mean == pytest.approx(language.mean_string_length, rel=0.15)
    assert language.complexity.entropy_exact  # declared unambiguous, and checked


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), extra=st.integers(1, 12), k=st.integers(1, 4),
       seed=st.integers(0, 10_000))
def test_random_grammars_meet_their_targets_exactly(n: int, extra: int, k: int,
                                                    seed: int) -> None:
    rules = n + extra
    try:
        g = random_grammar(n, rules, k, seed)
    except ImpossibleTargetsError:
        return  # said in one line; the targets test below checks the wording
    assert (g.n_nonterminals, len(g.rules), len(g.alphabet)) == (n, rules, k)
    assert g.spectral_radius <= TARGET_RADIUS + 1e-9
    for a in g.nonterminals:
        assert sum(r.prob for r in g.rules_of(a)) == pytest.approx(1.0, abs=1e-12)
    assert random_grammar(n, rules, k, seed).describe() == g.describe()


def test_impossible_grammar_targets_say_why() -> None:
    with pytest.raises(ImpossibleTargetsError, match="rules >= nonterminals"):
        random_grammar(4, 4, 2, 0)
    with pytest.raises(ConfigError, match="bad random-grammar spec"):
        load_language_config("cfg:nonterminals=3,rulez=5,k=2")
    with pytest.raises(ConfigError, match="lacks"):
        load_language_config("cfg:nonterminals=3,k=2")


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**63), grammar_seed=st.integers(0, 1000),
       n_tokens=st.integers(1, 3000))
def test_compiled_and_python_expansion_draw_the_same_tokens(seed: int, grammar_seed: int,
                                                            n_tokens: int) -> None:
    g = random_grammar(4, 10, 3, grammar_seed)
    tables = grammar_tables(g)
    a, b = xoshiro.seed_state(seed), xoshiro.seed_state(seed)
    compiled = sample_packed(tables, a, n_tokens, compiled=True)
    python = sample_packed(tables, b, n_tokens, compiled=False)
    assert np.array_equal(compiled, python) and np.array_equal(a, b)
    assert len(compiled) >= n_tokens and compiled[-1] == 0


def test_sampled_strings_follow_the_exact_string_law() -> None:
    """Frequencies of the commonest strings of a random grammar within 5 standard errors of
    their exact (inside-algorithm) probabilities."""
    language = build_language(load_language_config("cfg:nonterminals=5,rules=14,k=3,seed=4"))
    assert isinstance(language, ContextFreeLanguage)
    n = 40_000
    counts = Counter(language.sample_words(n, seed=9))
    for word, count in counts.most_common(15):
        p = string_probability(language.form, [language.alphabet.index(c) for c in word])
        assert abs(count / n - p) <= 5 * math.sqrt(p * (1 - p) / n) + 1e-12, word


def test_nesting_depth_has_its_closed_forms() -> None:
    """a^n b^n with P(n >= j) = 0.5^(j-1): depth n; palindromes with P(|w|/2 >= j) = 0.6^j."""
    anbn = grammar_language("anbn")
    depth = depth_distribution(anbn.grammar)
    assert depth[:12] == pytest.approx([1 - 0.5 ** d for d in range(12)], abs=1e-12)
    pal = grammar_language("palindromes")
    depth = depth_distribution(pal.grammar)
    assert depth[:12] == pytest.approx([1 - 0.6 ** (d + 1) for d in range(12)], abs=1e-12)
    assert anbn.complexity.expected_depth == pytest.approx(2.0, abs=1e-9)


def test_an_undeclared_grammar_estimates_its_entropy_around_the_exact_value() -> None:
    exact = grammar_language("dyck2").complexity
    spec = GrammarSpec(rules=("S -> ( S ) S", "S -> [ S ] S", "S ->"), probs=(0.2, 0.2, 0.6))
    estimated = ContextFreeLanguage.build(LanguageConfig(name="dyck2-undeclared",
                                                         spec=spec)).complexity
    assert not estimated.entropy_exact and estimated.entropy_rate_se_nats > 0
    assert abs(estimated.entropy_rate_nats - exact.entropy_rate_nats) <= \
        5 * estimated.entropy_rate_se_nats


def test_an_ambiguous_grammar_declared_unambiguous_is_refused() -> None:
    g = grammar_from_rules({"S -> S S": 0.3, "S -> a": 0.7})
    with pytest.raises(ConfigError, match="declared unambiguous, but 'aaa' has 2 derivations"):
        check_unambiguous(g)
