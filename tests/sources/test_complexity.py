"""Complexity measures: topological entropy against word counts (automata-lib), closed forms."""

from __future__ import annotations

import math

import pytest

from regscale.automata.regex_to_dfa import min_dfa_from_regex
from regscale.sources.catalog import load_language_config
from regscale.sources.complexity import measure_complexity, topological_entropy_bits
from regscale.sources.policies import PolicyConfig, compile_policy
from regscale.sources.regular_language import RegularLanguage


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("(a|b)*", 1.0), ("(a|b|c)*", math.log2(3)), ("a*b", 0.0), ("ab|ba", 0.0),
     ("(ab)*", 0.0), ("(a|bb)*", math.log2((1 + math.sqrt(5)) / 2))],
)
def test_topological_entropy_closed_forms(pattern: str, expected: float) -> None:
    assert topological_entropy_bits(min_dfa_from_regex(pattern)) == pytest.approx(expected,
                                                                                    abs=1e-9)


@pytest.mark.parametrize("name", ["tomita3", "tomita4", "random_n32", "count_mod3"])
def test_topological_entropy_is_the_growth_rate_of_word_counts(name: str) -> None:
    language = RegularLanguage.build(load_language_config(name))
    oracle = language.dfa.to_automata_lib()
    n = 120
    # cumulative counts grow like rho^n whatever the periodicity
    total = lambda m: sum(oracle.count_words_of_length(i) for i in range(m + 1))  # noqa: E731
    growth = (math.log2(total(n)) - math.log2(total(n // 2))) / (n - n // 2)
    assert topological_entropy_bits(language.dfa) == pytest.approx(growth, abs=0.02)


def test_large_component_power_iteration() -> None:
    dfa = min_dfa_from_regex("(a|b)*a(a|b){12}")  # one SCC of 8192 states, radius 2
    assert topological_entropy_bits(dfa) == pytest.approx(1.0, abs=1e-6)


def test_measures_of_a_star_b() -> None:
    dfa = min_dfa_from_regex("a*b")
    measures = measure_complexity(dfa, compile_policy(dfa, PolicyConfig()))
    assert (measures.states, measures.transitions, measures.accepting,
            measures.alphabet_size) == (2, 2, 1, 2)
    assert measures.entropy_rate_bits == pytest.approx(2 / 3)
    assert measures.mean_string_length == pytest.approx(2.0)
