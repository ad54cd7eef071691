"""The regex parser: round trips, the Python-``re`` oracle for syntax, positioned errors."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regscale.automata.random_regex import random_regex_tree
from regscale.automata.regex_ast import simplify, to_python, tree_size
from regscale.automata.regex_parser import parse_regex
from regscale.automata.regex_to_dfa import min_dfa_from_regex
from regscale.errors import InvalidRegexError, UnsupportedSyntaxError


@settings(max_examples=200, deadline=None)
@given(size=st.integers(1, 30), k=st.integers(1, 4), seed=st.integers(0, 10**6))
def test_render_then_parse_gives_the_same_tree(size: int, k: int, seed: int) -> None:
    tree = random_regex_tree(size, k, seed)
    text = to_python(tree)
    assert parse_regex(text) == tree
    assert tree_size(parse_regex(text)) == size
    re.compile(text)  # the rendering is valid Python syntax too


@pytest.mark.parametrize(
    ("pattern", "position"),
    [("(a", 0), ("a)", 1), ("*a", 0), ("a||b", 2), ("a|", 2), ("()", 1), ("[b-a]", 1),
     ("a{3,1}", 1), ("a{2", 1), ("[ab", 0), ("a{x}", 1), ("", 0), ("ab]", 2)],
)
def test_invalid_regex_names_the_position(pattern: str, position: int) -> None:
    with pytest.raises(InvalidRegexError, match=f"at position {position}:"):
        parse_regex(pattern)


@pytest.mark.parametrize(
    "pattern", ["a.b", "^a", "a$", r"a\d", "[^a]", "(?:a)", "a b", "a-b", "é", "[a_]"]
)
def test_unsupported_syntax_is_named(pattern: str) -> None:
    with pytest.raises(UnsupportedSyntaxError, match="unsupported regex syntax"):
        parse_regex(pattern)


def test_repetition_bomb_is_rejected() -> None:
    with pytest.raises(InvalidRegexError, match="exceeds the limit"):
        parse_regex("a{5000}")


def test_simplify_removes_empty_words() -> None:
    assert to_python(simplify(parse_regex("a{0}b"))) == "b"
    assert to_python(simplify(parse_regex("(a{0}|b)c"))) == "b?c"


QUANTIFIERS = ["", "*", "+", "?", "{2}", "{1,2}", "{0,}", "{2,3}"]
MODIFIERS = ["", "", "?", "+"]
WORDS = ["".join(w) for n in range(7) for w in itertools.product("ab", repeat=n)]


@st.composite
def stacked_patterns(draw: st.DrawFn) -> str:
    """Concatenations of atoms with a quantifier, Python's lazy or possessive modifier, and
    sometimes a second quantifier stacked on top."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        atom = draw(st.sampled_from(["a", "b", "[ab]", "(ab|b)", "(a|ba)"]))
        part = atom + draw(st.sampled_from(QUANTIFIERS))
        if part != atom:
            part += draw(st.sampled_from(MODIFIERS))
            if draw(st.integers(0, 4)) == 0:
                part += draw(st.sampled_from(QUANTIFIERS[1:]))
        parts.append(part)
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(stacked_patterns())
def test_stacked_quantifiers_mean_what_python_means_or_are_refused(pattern: str) -> None:
    """Python's re is the oracle: its errors are ours; lazy forms match the same strings;
    possessive forms are refused by name and position."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:  # refused here too; the first fault found may differ from re's
        with pytest.raises((InvalidRegexError, UnsupportedSyntaxError),
                           match=r"at position \d+: (multiple repeat|the possessive)"):
            parse_regex(pattern)
        if not re.search(r"[*+?}]\+", pattern):  # no possessive form: exactly re's error
            with pytest.raises(InvalidRegexError, match=f"at position {exc.pos}: multiple"):
                parse_regex(pattern)
        return
    if re.search(r"[*+?}]\+", pattern):
        with pytest.raises(UnsupportedSyntaxError,
                           match=r"position \d+: the possessive quantifier"):
            min_dfa_from_regex(pattern, alphabet="ab")
        return
    dfa = min_dfa_from_regex(pattern, alphabet="ab")
    for word in WORDS:
        assert dfa.accepts(word) == (compiled.fullmatch(word) is not None), (pattern, word)
