"""Probabilistic context-free grammars: rules, checks, and the moments every exact result reads.

A grammar is a start symbol and rules ``A -> X1 ... Xm`` with probabilities. A symbol is a
nonterminal when it has rules of its own, otherwise a terminal, which must be one character
(no whitespace); the right side may be empty (``"S ->"``, or ``ε``). Terminals are the alphabet,
in sorted order: terminal ``i`` is token ``i + 1`` in streams, token 0 the separator SEP, as for
regular languages.

A grammar is accepted only if it is

- **proper**: the rules of each nonterminal sum to 1 (within 1e-9; they are then renormalised);
- **reachable**: every nonterminal can be reached from the start;
- **consistent with a finite expected size**: the expected-children matrix ``M[A, B]`` (expected
  number of B on the right side of a rule of A) has spectral radius below 1. Then every
  derivation ends with probability 1, the expected numbers of expansions ``xi = e_S (I - M)^-1``
  are finite, and so is the expected string length ``E|W| = sum_A xi_A sum_r p_r t_r`` (``t_r``
  terminals on the right side of rule r);
- **not trivial**: some string is non-empty.

Each failure is one :class:`~regscale.errors.ConfigError` line saying which and why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from regscale.errors import ConfigError

EPSILON_MARKS = ("ε", "eps", "''")
"""Right sides that mean the empty string, besides an empty one."""

PROPER_TOLERANCE = 1e-9
"""How far a nonterminal's rule probabilities may sum from 1 before it is an error."""

MAX_SPECTRAL_RADIUS = 1.0 - 1e-9
"""Grammars whose expected-children matrix reaches this radius are refused (infinite size)."""


@dataclass(frozen=True)
class Rule:
    """``lhs -> rhs`` with probability ``prob``; ``rhs`` is a tuple of symbols (maybe empty)."""

    lhs: str
    rhs: tuple[str, ...]
    prob: float

    def __str__(self) -> str:
        return f"{self.lhs} -> {' '.join(self.rhs) or 'ε'}"


@dataclass(frozen=True, eq=False)
class Grammar:
    """A checked PCFG (module docstring). Build with :func:`grammar_from_rules`."""

    start: str
    rules: tuple[Rule, ...]
    nonterminals: tuple[str, ...]  # the start first, then in order of first appearance
    alphabet: tuple[str, ...]  # terminals, sorted; terminal i is token i + 1

    @property
    def n_nonterminals(self) -> int:
        return len(self.nonterminals)

    @cached_property
    def index(self) -> dict[str, int]:
        """Nonterminal -> its row in the matrices."""
        return {a: i for i, a in enumerate(self.nonterminals)}

    def rules_of(self, nonterminal: str) -> list[Rule]:
        return [r for r in self.rules if r.lhs == nonterminal]

    def is_nonterminal(self, symbol: str) -> bool:
        return symbol in self.index

    @cached_property
    def children(self) -> np.ndarray:
        """``float64[n, n]``: ``M[A, B]``, the expected number of B in a rule of A."""
        m = np.zeros((self.n_nonterminals,) * 2)
        for rule in self.rules:
            for symbol in rule.rhs:
                if symbol in self.index:
                    m[self.index[rule.lhs], self.index[symbol]] += rule.prob
        return m

    @cached_property
    def expected_expansions(self) -> np.ndarray:
        """``float64[n]``: ``xi_A``, expected expansions of each nonterminal per string."""
        n = self.n_nonterminals
        start = np.zeros(n)
        start[0] = 1.0
        xi: np.ndarray = np.linalg.solve((np.eye(n) - self.children).T, start)
        return xi

    @cached_property
    def terminals_per_rule(self) -> np.ndarray:
        """``float64[n]``: expected terminals emitted by one expansion of each nonterminal."""
        out = np.zeros(self.n_nonterminals)
        for rule in self.rules:
            out[self.index[rule.lhs]] += rule.prob * sum(
                1 for s in rule.rhs if s not in self.index)
        return out

    @property
    def mean_string_length(self) -> float:
        """``E|W|`` in terminals (the separator not counted)."""
        return float(self.expected_expansions @ self.terminals_per_rule)

    @property
    def spectral_radius(self) -> float:
        """Of the expected-children matrix: below 1 for every accepted grammar."""
        return float(np.abs(np.linalg.eigvals(self.children)).max()) if len(self.rules) else 0.0

    @property
    def derivation_entropy_nats(self) -> float:
        """``H(derivation) = sum_A xi_A H(rules of A)``: the entropy of a string when the
        grammar is unambiguous, an upper bound on it otherwise."""
        h = np.zeros(self.n_nonterminals)
        for rule in self.rules:
            if rule.prob > 0:
                h[self.index[rule.lhs]] -= rule.prob * math.log(rule.prob)
        return float(self.expected_expansions @ h)

    def describe(self) -> str:
        """The rules, one per line, with probabilities."""
        return "\n".join(f"{rule}  [{rule.prob:.6g}]" for rule in self.rules)


def parse_rule(text: str) -> tuple[str, tuple[str, ...]]:
    """``"S -> ( S ) S"`` -> ``("S", ("(", "S", ")", "S"))``; ``"S ->"`` has an empty right side."""
    if "->" not in text:
        raise ConfigError(f"grammar rule {text!r} has no '->' (write e.g. 'S -> ( S ) S')")
    lhs, rhs = text.split("->", 1)
    lhs = lhs.strip()
    if not lhs or len(lhs.split()) != 1:
        raise ConfigError(f"grammar rule {text!r} needs one symbol left of '->'")
    symbols = tuple(rhs.split())
    if len(symbols) == 1 and symbols[0] in EPSILON_MARKS:
        symbols = ()
    return lhs, symbols


def grammar_from_rules(rules: Mapping[str, float], start: str | None = None) -> Grammar:
    """Check and build a grammar from ``{"A -> X Y": probability}`` (module docstring); the
    start is ``start``, else the left side of the first rule."""
    if not rules:
        raise ConfigError("a grammar needs at least one rule")
    parsed: list[tuple[str, tuple[str, ...], float]] = []
    for text, prob in rules.items():
        lhs, rhs = parse_rule(text)
        if not isinstance(prob, int | float) or isinstance(prob, bool) or not math.isfinite(
                prob) or prob < 0:
            raise ConfigError(f"grammar rule {text!r}: probability must be a finite number >= 0, "
                              f"got {prob!r}")
        parsed.append((lhs, rhs, float(prob)))
    order = list(dict.fromkeys(lhs for lhs, _, _ in parsed))
    start = order[0] if start is None else start
    if start not in order:
        raise ConfigError(f"the start symbol {start!r} has no rules")
    nonterminals = [start, *[a for a in order if a != start]]
    terminals: set[str] = set()
    for lhs, rhs, _ in parsed:
        for symbol in rhs:
            if symbol in order:
                continue
            if len(symbol) != 1:
                raise ConfigError(f"symbol {symbol!r} in rule '{lhs} -> {' '.join(rhs)}' has no "
                                  "rules and is not one character: terminals are single "
                                  "characters, nonterminals need rules")
            terminals.add(symbol)
    totals = {a: 0.0 for a in nonterminals}
    for lhs, _, prob in parsed:
        totals[lhs] += prob
    for a, total in totals.items():
        if abs(total - 1.0) > PROPER_TOLERANCE:
            raise ConfigError(f"the rules of {a} sum to {total:.10g}, not 1: a PCFG gives each "
                              "nonterminal a probability distribution over its rules")
    kept = tuple(Rule(lhs, rhs, prob / totals[lhs]) for lhs, rhs, prob in parsed if prob > 0)
    grammar = Grammar(start=start, rules=kept, nonterminals=tuple(nonterminals),
                      alphabet=tuple(sorted(terminals)))
    _check_reachable(grammar)
    _check_consistent(grammar)
    if not grammar.alphabet or grammar.mean_string_length <= 0:
        raise ConfigError("the grammar generates only the empty string")
    return grammar


def _check_reachable(grammar: Grammar) -> None:
    seen = {grammar.start}
    frontier = [grammar.start]
    while frontier:
        a = frontier.pop()
        for rule in grammar.rules_of(a):
            for symbol in rule.rhs:
                if grammar.is_nonterminal(symbol) and symbol not in seen:
                    seen.add(symbol)
                    frontier.append(symbol)
    missing = [a for a in grammar.nonterminals if a not in seen]
    if missing:
        raise ConfigError(f"nonterminal(s) {', '.join(missing)} cannot be reached from the start "
                          f"{grammar.start}")


def _check_consistent(grammar: Grammar) -> None:
    radius = grammar.spectral_radius
    if radius >= MAX_SPECTRAL_RADIUS:
        raise ConfigError(
            f"the grammar's expected derivation size is infinite (spectral radius of its "
            f"expected-children matrix {radius:.4g} >= 1): derivations may never end or have "
            "infinite mean length; lower the probabilities of its recursive rules")
