"""A brute-force oracle for PCFGs: the exact probability of every string up to a length, from the
grammar as written (no normal form, no prefix recursion).

For a string w, ``P_A(w) = sum_r p_r sum_{splits} prod_j Q(X_j, part_j)``. The only terms that
involve strings as long as w are those where one nonterminal takes all of w and every other
symbol is empty, with coefficient ``T[A, B] = sum_r p_r sum_{j: X_j = B} prod_{i != j} e_{X_i}``;
so ``P(w) = (I - T)^-1 c(w)`` once every shorter string is known. ``e_A = P(A =>* ε)`` is
iterated to its fixed point by plain substitution (not Newton, as the code under test does).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from regscale.sources.grammar import Grammar


def empty_probabilities(grammar: Grammar) -> dict[str, float]:
    e = {a: 0.0 for a in grammar.nonterminals}
    for _ in range(200_000):
        new = {a: 0.0 for a in grammar.nonterminals}
        for rule in grammar.rules:
            if all(grammar.is_nonterminal(s) for s in rule.rhs):
                new[rule.lhs] += rule.prob * math.prod(e[s] for s in rule.rhs)
        if max(abs(new[a] - e[a]) for a in e) < 1e-18:
            return new
        e = new
    return e


def string_probabilities(grammar: Grammar, max_length: int) -> dict[str, float]:
    """``P(W = w)`` for every string over the alphabet of length at most ``max_length``."""
    e = empty_probabilities(grammar)
    index = grammar.index
    n = grammar.n_nonterminals
    t = np.zeros((n, n))
    for rule in grammar.rules:
        for j, symbol in enumerate(rule.rhs):
            if grammar.is_nonterminal(symbol):
                others = [s for i, s in enumerate(rule.rhs) if i != j]
                if all(grammar.is_nonterminal(s) for s in others):
                    t[index[rule.lhs], index[symbol]] += rule.prob * math.prod(e[s] for s in others)
    solve = np.linalg.inv(np.eye(n) - t)
    known: dict[str, np.ndarray] = {"": np.array([e[a] for a in grammar.nonterminals])}

    def q(symbol: str, part: str, whole: str) -> float:
        if not grammar.is_nonterminal(symbol):
            return 1.0 if part == symbol else 0.0
        if part == whole:
            return 0.0  # the unknown term: it goes through T
        return float(known[part][index[symbol]])

    for length in range(1, max_length + 1):
        for letters in itertools.product(grammar.alphabet, repeat=length):
            w = "".join(letters)
            c = np.zeros(n)
            for rule in grammar.rules:
                c[index[rule.lhs]] += rule.prob * _splits(rule.rhs, w, q)
            known[w] = solve @ c
    return {w: float(p[0]) for w, p in known.items()}


def _splits(rhs: tuple[str, ...], w: str, q: object) -> float:
    """Sum over the ways to cut w into len(rhs) consecutive parts of the product of q."""
    @_memo
    def rest(j: int, s: int) -> float:
        if j == len(rhs):
            return 1.0 if s == len(w) else 0.0
        total = 0.0
        for end in range(s, len(w) + 1):
            factor = q(rhs[j], w[s:end], w)  # type: ignore[operator]
            if factor:
                total += factor * rest(j + 1, end)
        return total

    return rest(0, 0)


def _memo(func):  # type: ignore[no-untyped-def]
    cache: dict[tuple[int, int], float] = {}

    def wrapped(j: int, s: int) -> float:
        if (j, s) not in cache:
            cache[(j, s)] = func(j, s)
        return cache[(j, s)]

    return wrapped


def derivation_counts(grammar: Grammar, max_length: int) -> dict[str, int]:
    """Number of leftmost derivations of every string up to ``max_length`` (acyclic grammars
    only: no nonterminal derives itself)."""
    counts: dict[tuple[str, str], int] = {}

    def count(symbol: str, w: str) -> int:
        if not grammar.is_nonterminal(symbol):
            return 1 if w == symbol else 0
        if (symbol, w) not in counts:
            counts[(symbol, w)] = sum(_split_counts(r.rhs, w, count)
                                      for r in grammar.rules_of(symbol) if r.prob > 0)
        return counts[(symbol, w)]

    out = {}
    for length in range(max_length + 1):
        for letters in itertools.product(grammar.alphabet, repeat=length):
            w = "".join(letters)
            out[w] = count(grammar.start, w)
    return out


def _split_counts(rhs: tuple[str, ...], w: str, count: object) -> int:
    def rest(j: int, s: int) -> int:
        if j == len(rhs):
            return 1 if s == len(w) else 0
        return sum(count(rhs[j], w[s:end]) * rest(j + 1, end)  # type: ignore[operator]
                   for end in range(s, len(w) + 1))

    return rest(0, 0)
