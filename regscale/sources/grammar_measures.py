"""Complexity measures of a PCFG: sizes, lengths, nesting depth and the entropy rate.

**Nesting depth** of a derivation: the most rule applications that are open at once when a
terminal is emitted, an application being open while symbols of its rule remain to the right of
the current one (a symbol in the last position is a tail, which a parser replaces rather than
nests): the bracket depth of a Dyck word, n for ``a^n b^n``, |w|/2 for a palindrome ``w w^R``.
With ``F_A(d) = P(depth of A's derivation <= d)``, every rule ``A -> X1 .. Xm`` contributes
``p prod_{j<m} G_{Xj}(d-1) G_{Xm}(d)``, where ``G`` is ``F`` for a nonterminal and, for a
terminal, 1 if its limit is >= 0 and 0 otherwise; that is linear in ``F(d)`` given ``F(d-1)``:
one linear solve per depth. Reported: the expected depth ``sum_d (1 - F_S(d))``
and ``depth_p99``, the smallest d with ``F_S(d) >= 0.99``.

**Entropy rate** of the packed stream: ``H(W) / (E|W| + 1)`` (one SEP per string). ``H(W)`` is
exact, the derivation entropy, for a grammar declared unambiguous (checked on every string up to
the longest length with at most :data:`AMBIGUITY_CHECK_STRINGS` strings, and on sampled strings);
otherwise it is estimated as the mean of ``-log P(w)`` over
sampled strings (exact string probabilities, inside algorithm), with its standard error.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

from regscale.errors import ConfigError
from regscale.sources.grammar import Grammar

AMBIGUITY_CHECK_STRINGS = 5000
"""A declared-unambiguous grammar is checked on all strings up to the length that has at most
this many (length 8 over 2 terminals, 6 over 4)."""

AMBIGUITY_CHECK_MAX_LENGTH = 48
"""Sampled strings longer than this are not checked (counting is cubic in the length)."""

MAX_DEPTH = 100_000
"""Depths are summed up to here (or until the tail mass is below 1e-12)."""


@dataclass(frozen=True)
class GrammarComplexity:
    """The measures :func:`measure_grammar` reports."""

    nonterminals: int
    rules: int
    terminals: int
    mean_string_length: float
    expected_depth: float
    depth_p99: int
    derivation_entropy_nats: float
    entropy_rate_nats: float
    entropy_rate_se_nats: float  # 0 when exact
    entropy_rate_bits: float
    entropy_rate_se_bits: float
    entropy_exact: bool

    def as_dict(self) -> dict[str, float | int | bool]:
        return asdict(self)


def depth_distribution(grammar: Grammar) -> np.ndarray:
    """``F_S(d)`` for d = 0, 1, ... until it is within 1e-12 of 1 (module docstring)."""
    n = grammar.n_nonterminals
    index = grammar.index
    previous: np.ndarray = np.zeros(n)  # F(d - 1); F(-1) = 0
    out = []
    for d in range(MAX_DEPTH):
        open_terminal = 1.0 if d >= 1 else 0.0  # a terminal with symbols after it
        constant = np.zeros(n)
        linear = np.zeros((n, n))
        for rule in grammar.rules:
            a = index[rule.lhs]
            head = math.prod(previous[index[s]] if s in index else open_terminal
                             for s in rule.rhs[:-1])
            last = rule.rhs[-1] if rule.rhs else None
            if last is not None and last in index:
                linear[a, index[last]] += rule.prob * head
            else:
                constant[a] += rule.prob * head
        current = np.linalg.solve(np.eye(n) - linear, constant)
        out.append(float(current[0]))
        if 1.0 - current[0] < 1e-12:
            break
        previous = current
    return np.array(out)


def measure_grammar(grammar: Grammar, *, unambiguous: bool, entropy_estimate: tuple[
        float, float] | None = None) -> GrammarComplexity:
    """The measures; ``entropy_estimate`` is ``(H(W), its SE)`` in nats for an ambiguous (or
    undeclared) grammar (see :func:`estimate_string_entropy`)."""
    depth = depth_distribution(grammar)
    tokens = grammar.mean_string_length + 1.0
    if unambiguous:
        h, se = grammar.derivation_entropy_nats, 0.0
    elif entropy_estimate is not None:
        h, se = entropy_estimate
    else:
        raise ValueError("an undeclared grammar's entropy needs an estimate")
    return GrammarComplexity(
        nonterminals=grammar.n_nonterminals, rules=len(grammar.rules),
        terminals=len(grammar.alphabet), mean_string_length=grammar.mean_string_length,
        expected_depth=float((1.0 - depth).sum()),
        depth_p99=int(np.argmax(depth >= 0.99)) if (depth >= 0.99).any() else len(depth),
        derivation_entropy_nats=grammar.derivation_entropy_nats,
        entropy_rate_nats=h / tokens, entropy_rate_se_nats=se / tokens,
        entropy_rate_bits=h / tokens / math.log(2), entropy_rate_se_bits=se / tokens / math.log(2),
        entropy_exact=unambiguous)


def check_unambiguous(grammar: Grammar, samples: Iterable[str] = ()) -> None:
    """Raise when a short string (module docstring) or one of ``samples`` has two
    derivations."""
    counts: dict[tuple[str, str], int] = {}

    def count(symbol: str, w: str, depth: int) -> int:
        if not grammar.is_nonterminal(symbol):
            return 1 if w == symbol else 0
        if depth > 4 * len(w) + 16:
            return 0  # a cycle of empty or unit expansions: counted by the cap below
        key = (symbol, w)
        if key not in counts:
            counts[key] = sum(_splits(r.rhs, w, lambda s, part: count(s, part, depth + 1))
                              for r in grammar.rules_of(symbol))
        return counts[key]

    k = len(grammar.alphabet)
    longest = max(length for length in range(64) if k ** length <= AMBIGUITY_CHECK_STRINGS)
    short = ("".join(letters) for length in range(longest + 1)
             for letters in itertools.product(grammar.alphabet, repeat=length))
    for w in itertools.chain(short, (s for s in samples
                                     if len(s) <= AMBIGUITY_CHECK_MAX_LENGTH)):
        c = count(grammar.start, w, 0)
        if c > 1:
            raise ConfigError(f"the grammar is declared unambiguous, but {w!r} has {c} "
                              "derivations")


def _splits(rhs: tuple[str, ...], w: str, count: object) -> int:
    def rest(j: int, s: int) -> int:
        if j == len(rhs):
            return 1 if s == len(w) else 0
        total = 0
        for end in range(s, len(w) + 1):
            c = count(rhs[j], w[s:end])  # type: ignore[operator]
            if c:
                total += c * rest(j + 1, end)
        return total

    return rest(0, 0)


def estimate_string_entropy(log_probs: np.ndarray) -> tuple[float, float]:
    """Mean of ``-log P(w)`` over sampled strings and its standard error (nats)."""
    values = -np.asarray(log_probs, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))
