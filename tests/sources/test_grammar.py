"""PCFGs: checks with one-line errors, and exact string and next-token probabilities against a
brute-force enumeration of every string up to length 10 and against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from regscale.errors import ConfigError
from regscale.sources.grammar import Grammar, grammar_from_rules
from regscale.sources.grammar_normal_form import normal_form
from regscale.sources.prefix_probability import (
    next_token_probabilities,
    next_token_probabilities_reference,
    string_probability,
)
from tests.sources.grammar_oracle import (
    derivation_counts,
    empty_probabilities,
    string_probabilities,
)

TOLERANCE = 1e-9


@pytest.mark.parametrize(("rules", "message"), [
    ({"S -> a S": 0.5, "S -> b": 0.4}, "the rules of S sum to 0.9"),
    ({"S -> S S": 0.6, "S -> a": 0.4}, "expected derivation size is infinite"),
    ({"S -> a S": 1.0}, "expected derivation size is infinite"),
    ({"S -> a": 1.0, "T -> b": 1.0}, "cannot be reached"),
    ({"S -> ab": 1.0}, "not one character"),
    ({"S a": 1.0}, "has no '->'"),
    ({"S ->": 1.0}, "only the empty string"),
    ({"S -> a": -0.5, "S -> b": 1.5}, "finite number >= 0"),
])
def test_bad_grammars_get_one_line_saying_why(rules: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        grammar_from_rules(rules)
    assert "\n" not in str(caught.value)


def test_moments_of_dyck1_are_the_closed_forms() -> None:
    """S -> ( S ) S [p] | ε: E|W| = 2p / (1 - 2p) (each S expands 1 / (1 - 2p) times) and the
    derivation entropy is H(p) / (1 - 2p)."""
    p = 0.3
    g = grammar_from_rules({"S -> ( S ) S": p, "S ->": 1 - p})
    assert g.alphabet == ("(", ")")
    assert g.mean_string_length == pytest.approx(2 * p / (1 - 2 * p), rel=1e-12)
    h = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    assert g.derivation_entropy_nats == pytest.approx(h / (1 - 2 * p), rel=1e-12)


@pytest.mark.parametrize("p", [0.1, 0.35, 0.45])
def test_dyck1_floors_follow_the_depth(p: float) -> None:
    """Open with p at any depth; close with 1 - p inside, end the string with 1 - p outside."""
    g = grammar_from_rules({"S -> ( S ) S": p, "S ->": 1 - p})
    form = normal_form(g)
    word = "(()(()))()"
    probs = next_token_probabilities(form, [g.alphabet.index(c) for c in word])
    depth = 0
    for n in range(len(word) + 1):
        expected = [1 - p, p, 0.0] if depth == 0 else [0.0, p, 1 - p]  # SEP, (, )
        assert probs[n] == pytest.approx(expected, abs=1e-12)
        if n < len(word):
            depth += 1 if word[n] == "(" else -1


def test_anbn_floors_are_the_geometric_law() -> None:
    """S -> a S b [p] | a b: after a^j, 'a' with p; after a^j b^i, b until i = j, then SEP."""
    p = 0.4
    g = grammar_from_rules({"S -> a S b": p, "S -> a b": 1 - p})
    form = normal_form(g)
    probs = next_token_probabilities(form, [0, 0, 0, 1, 1, 1])  # aaabbb
    assert probs[0] == pytest.approx([0, 1, 0], abs=1e-12)
    for n in (1, 2, 3):
        assert probs[n] == pytest.approx([0, p, 1 - p], abs=1e-12)
    for n in (4, 5):
        assert probs[n] == pytest.approx([0, 0, 1], abs=1e-12)
    assert probs[6] == pytest.approx([1, 0, 0], abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Random grammars against the brute-force oracle

@st.composite
def finite_grammars(draw: st.DrawFn) -> Grammar:
    """Layered grammars (a rule only uses deeper layers), so every string is short and the
    enumeration up to length 10 holds the whole language; with ε rules, unit rules and rules
    of up to 4 symbols."""
    layers = draw(st.integers(1, 3))
    names = [["S"]] + [[f"{chr(65 + i)}{j}" for j in range(draw(st.integers(1, 2)))]
                       for i in range(1, layers)]
    rules: dict[str, float] = {}
    for depth, layer in enumerate(names):
        deeper = [s for later in names[depth + 1:] for s in later]
        for name in layer:
            for _ in range(draw(st.integers(1, 3))):
                size = draw(st.integers(0, 4 if depth == layers - 1 else 2))
                rhs = [draw(st.sampled_from(["a", "b", *deeper])) for _ in range(size)]
                rule = f"{name} -> {' '.join(rhs)}"
                rules[rule] = rules.get(rule, 0.0) + draw(st.floats(0.05, 1.0))
    totals: dict[str, float] = {}
    for rule, weight in rules.items():
        totals[rule.split()[0]] = totals.get(rule.split()[0], 0.0) + weight
    try:
        grammar = grammar_from_rules({r: w / totals[r.split()[0]] for r, w in rules.items()})
    except ConfigError:
        assume(False)
        raise
    assume(_max_length(grammar, grammar.start) <= 10)
    return grammar


def _max_length(grammar: Grammar, symbol: str) -> int:
    if not grammar.is_nonterminal(symbol):
        return 1
    return max(sum(_max_length(grammar, s) for s in r.rhs) for r in grammar.rules_of(symbol))


def _oracle_prefix(strings: dict[str, float], prefix: str) -> float:
    return sum(p for w, p in strings.items() if w.startswith(prefix))


@settings(max_examples=40, deadline=None)
@given(grammar=finite_grammars())
def test_every_prefix_floor_matches_the_enumeration(grammar: Grammar) -> None:
    strings = string_probabilities(grammar, 10)
    assert sum(strings.values()) == pytest.approx(1.0, abs=TOLERANCE)  # the whole language
    form = normal_form(grammar)
    for w, p in strings.items():
        if p < 1e-12:
            continue
        tokens = [grammar.alphabet.index(c) for c in w]
        assert string_probability(form, tokens) == pytest.approx(p, abs=TOLERANCE)
        probs = next_token_probabilities(form, tokens)
        for n in range(len(w) + 1):
            u = w[:n]
            prefix = _oracle_prefix(strings, u)
            expected = [strings[u] / prefix] + [_oracle_prefix(strings, u + x) / prefix
                                                for x in grammar.alphabet]
            assert probs[n] == pytest.approx(expected, abs=TOLERANCE), (w, n)


@settings(max_examples=40, deadline=None)
@given(grammar=finite_grammars())
def test_length_and_entropy_match_the_enumeration(grammar: Grammar) -> None:
    """E|W| exactly; the derivation entropy equals the string entropy exactly when every string
    has one derivation, and exceeds it otherwise."""
    strings = string_probabilities(grammar, 10)
    mean = sum(len(w) * p for w, p in strings.items())
    assert grammar.mean_string_length == pytest.approx(mean, abs=TOLERANCE)
    entropy = -sum(p * math.log(p) for p in strings.values() if p > 0)
    counts = derivation_counts(grammar, 10)
    if all(c <= 1 for c in counts.values()):
        assert grammar.derivation_entropy_nats == pytest.approx(entropy, abs=TOLERANCE)
    else:
        assert grammar.derivation_entropy_nats >= entropy - TOLERANCE


@st.composite
def recursive_grammars(draw: st.DrawFn) -> Grammar:
    """Two nonterminals that may call each other and themselves (ε and unit rules included)."""
    rules: dict[str, float] = {}
    for name in ("S", "A"):
        symbols = st.lists(st.sampled_from(["a", "b", "S", "A"]), max_size=3)
        options = [f"{name} -> {' '.join(draw(symbols))}" for _ in range(draw(st.integers(1, 3)))]
        options.append(f"{name} -> {draw(st.sampled_from(['a', 'b', '']))}")  # a way out
        weights = [draw(st.floats(0.05, 1.0)) for _ in options]
        stop = draw(st.floats(0.5, 0.9))  # the way out is likely: short strings
        for i, option in enumerate(options):
            share = stop if i == len(options) - 1 else (1 - stop) * weights[i] / sum(weights[:-1])
            rules[option] = rules.get(option, 0.0) + share
    try:
        return grammar_from_rules(rules)
    except ConfigError:
        assume(False)
        raise


@settings(max_examples=30, deadline=None)
@given(grammar=recursive_grammars())
def test_recursive_grammars_string_probabilities_and_prefix_bounds(grammar: Grammar) -> None:
    """Every string to length 8 has the oracle's probability; every floor row sums to 1; and a
    prefix probability lies between the enumerated mass with that prefix and that mass plus
    the mass of longer strings."""
    strings = string_probabilities(grammar, 8)
    tail = 1.0 - sum(strings.values())
    form = normal_form(grammar)
    assert form.empty == pytest.approx(empty_probabilities(grammar)[grammar.start], abs=1e-12)
    for w, p in list(strings.items())[:200]:
        tokens = [grammar.alphabet.index(c) for c in w]
        assert string_probability(form, tokens) == pytest.approx(p, abs=1e-12)
        if p < 1e-9:
            continue
        probs = next_token_probabilities(form, tokens)
        assert probs.sum(axis=1) == pytest.approx(np.ones(len(w) + 1), abs=TOLERANCE)
        prefix = 1.0
        for n in range(len(w)):
            prefix *= probs[n, grammar.alphabet.index(w[n]) + 1]
            low = _oracle_prefix(strings, w[:n + 1])
            assert low - TOLERANCE <= prefix <= low + tail + TOLERANCE


@settings(max_examples=30, deadline=None)
@given(grammar=recursive_grammars(), seed=st.integers(0, 1000))
def test_the_compiled_floors_are_the_numpy_recursion(grammar: Grammar, seed: int) -> None:
    """The compiled kernel (rules as lists) and the numpy reference (dense rule tensor) give
    the same table on sampled strings and on arbitrary words, impossible prefixes included."""
    form = normal_form(grammar)
    rng = np.random.default_rng(seed)
    words = [list(rng.integers(0, len(grammar.alphabet), size=rng.integers(0, 12)))
             for _ in range(5)]
    for word in words:
        fast = next_token_probabilities(form, word)
        slow = next_token_probabilities_reference(form, word)
        assert np.allclose(fast, slow, atol=1e-12, rtol=1e-12)
