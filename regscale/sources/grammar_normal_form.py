"""A PCFG in Chomsky normal form with the same distribution over non-empty strings.

Four exact steps, each preserving the probability of every string:

1. **Binarise**: ``A -> X1 X2 ... Xm`` becomes ``A -> X1 A#1``, ``A#1 -> X2 A#2``, ... with
   probability 1 for the helpers, and a terminal ``a`` beside another symbol becomes a
   preterminal ``<a> -> a``.
2. **Empty probabilities** ``e_A = P(A =>* ε)``: the least fixed point of
   ``e_A = sum_r p_r prod_{X in r} e_X``, by Newton's method from 0 (monotone for these
   polynomial systems, Etessami and Yannakakis 2009), to rounding.
3. **Remove ε**: each symbol now stands for its non-empty derivations. A rule ``A -> B C`` splits
   into ``B C``, ``B`` and ``C`` with weights ``(1-e_B)(1-e_C)``, ``(1-e_B) e_C`` and
   ``e_B (1-e_C)``, and every rule of A is divided by ``1 - e_A``: the law of A given that its
   string is non-empty.
4. **Remove unit rules**: with ``U[A, B] = P(A -> B)``, the closure ``(I - U)^-1`` folds every
   chain ``A -> B -> ... -> C -> alpha`` into ``A -> alpha``.

What is left: ``binary[A, B, C] = P(A -> B C)`` and ``emit[A, a] = P(A -> a)``, every row a
distribution, and the start's ``empty = P(S =>* ε)``. A non-empty string w then has
``P(w) = (1 - empty) P_cnf(S =>* w)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regscale.errors import ConfigError
from regscale.sources.grammar import Grammar

NEWTON_STEPS = 100
"""Most Newton steps for the empty probabilities (convergence is quadratic near the answer)."""


@dataclass(frozen=True, eq=False)
class NormalForm:
    """A grammar in Chomsky normal form (module docstring); nonterminal 0 is the start."""

    binary: np.ndarray  # float64[n, n, n]: P(A -> B C)
    emit: np.ndarray  # float64[n, k]: P(A -> terminal a)
    empty: float  # P(start =>* ε) in the original grammar
    names: tuple[str, ...]  # the nonterminals' names (helpers: A#i, preterminals: <a>)

    @property
    def n(self) -> int:
        return int(self.emit.shape[0])

    @property
    def left_closure(self) -> np.ndarray:
        """``(I - R)^-1`` with ``R[A, B] = sum_C P(A -> B C)``: the left-corner closure."""
        r = self.binary.sum(axis=2)
        closure: np.ndarray = np.linalg.inv(np.eye(self.n) - r)
        return closure


_Rule = tuple[str, tuple[str, ...], float]


def normal_form(grammar: Grammar) -> NormalForm:
    """The normal form of ``grammar`` (module docstring)."""
    rules, symbols = _binarise(grammar)
    empty = _empty_probabilities(rules, symbols)
    rules = _remove_empty(rules, empty)
    keep = [a for a in symbols if empty[a] < 1.0]
    index = {a: i for i, a in enumerate(keep)}
    n, k = len(keep), len(grammar.alphabet)
    terminal = {t: i for i, t in enumerate(grammar.alphabet)}
    binary = np.zeros((n, n, n))
    emit = np.zeros((n, k))
    unit = np.zeros((n, n))
    for lhs, rhs, prob in rules:
        if lhs not in index:
            continue
        a = index[lhs]
        if len(rhs) == 2:
            binary[a, index[rhs[0]], index[rhs[1]]] += prob
        elif rhs[0] in terminal:
            emit[a, terminal[rhs[0]]] += prob
        else:
            unit[a, index[rhs[0]]] += prob
    if len(unit) and np.abs(np.linalg.eigvals(unit)).max() >= 1.0 - 1e-12:
        raise ConfigError("the grammar has a cycle of unit rules that never ends")
    closure = np.linalg.inv(np.eye(n) - unit)
    binary = np.einsum("ab,bcd->acd", closure, binary)
    emit = closure @ emit
    return NormalForm(binary=binary, emit=emit, empty=float(empty[grammar.start]),
                      names=tuple(keep))


def _binarise(grammar: Grammar) -> tuple[list[_Rule], list[str]]:
    """Rules with at most two symbols on the right, terminals alone or under preterminals."""
    symbols = list(grammar.nonterminals)
    out: list[_Rule] = []
    preterminal: dict[str, str] = {}

    def wrap(symbol: str) -> str:
        if grammar.is_nonterminal(symbol):
            return symbol
        if symbol not in preterminal:
            preterminal[symbol] = f"<{symbol}>"
            symbols.append(preterminal[symbol])
            out.append((preterminal[symbol], (symbol,), 1.0))
        return preterminal[symbol]

    helpers = 0
    for rule in grammar.rules:
        rhs = rule.rhs
        if len(rhs) <= 1:
            out.append((rule.lhs, rhs, rule.prob))
            continue
        lhs, prob = rule.lhs, rule.prob
        while len(rhs) > 2:
            helpers += 1
            helper = f"{rule.lhs}#{helpers}"
            symbols.append(helper)
            out.append((lhs, (wrap(rhs[0]), helper), prob))
            lhs, prob, rhs = helper, 1.0, rhs[1:]
        out.append((lhs, (wrap(rhs[0]), wrap(rhs[1])), prob))
    return out, symbols


def _empty_probabilities(rules: list[_Rule], symbols: list[str]) -> dict[str, float]:
    """``P(A =>* ε)`` for every symbol (terminals: 0), by Newton's method from 0."""
    index = {a: i for i, a in enumerate(symbols)}
    n = len(symbols)
    e = np.zeros(n)
    for _ in range(NEWTON_STEPS):
        value = np.zeros(n)
        jacobian = np.zeros((n, n))
        for lhs, rhs, prob in rules:
            if any(s not in index for s in rhs):
                continue  # a terminal: never empty
            a = index[lhs]
            factors = [e[index[s]] for s in rhs]
            value[a] += prob * float(np.prod(factors))
            for j, s in enumerate(rhs):
                jacobian[a, index[s]] += prob * float(np.prod(factors[:j] + factors[j + 1:]))
        residual = value - e
        step = np.linalg.solve(np.eye(n) - jacobian, residual)
        e = np.clip(e + step, 0.0, 1.0)
        if np.abs(step).max() < 1e-17:
            break
    return {a: float(e[i]) for a, i in index.items()}


def _remove_empty(rules: list[_Rule], empty: dict[str, float]) -> list[_Rule]:
    """Each symbol's rules given that it derives a non-empty string (module docstring)."""
    def present(symbol: str) -> float:  # probability that the symbol's string is non-empty
        return 1.0 - empty.get(symbol, 0.0)

    out: list[_Rule] = []
    for lhs, rhs, prob in rules:
        scale = prob / present(lhs) if present(lhs) > 0 else 0.0
        if len(rhs) == 2:
            b, c = rhs
            out.append((lhs, (b, c), scale * present(b) * present(c)))
            out.append((lhs, (b,), scale * present(b) * empty.get(c, 0.0)))
            out.append((lhs, (c,), scale * empty.get(b, 0.0) * present(c)))
        elif len(rhs) == 1:
            out.append((lhs, rhs, scale * present(rhs[0])))
    return [r for r in out if r[2] > 0.0]
