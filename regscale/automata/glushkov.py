"""The position (Glushkov) automaton of a regex tree: an NFA without epsilon moves.

Its states are the start and the symbol occurrences ("positions") of the tree with bounded
repetition expanded; reading symbol ``a`` from a state leads to the positions that may follow it
and carry ``a``. For every subtree three sets and a flag suffice: the positions a word of it may
start with (``first``) or end with (``last``), whether it matches the empty word, and, shared
by the whole tree, which positions may follow which (``follow``). The automaton has one state
per position plus the start, so determinising it needs no epsilon closures, and every position
lies on some accepted word, so every non-empty set of positions is co-reachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from regscale.automata.regex_ast import CharClass, Concat, Epsilon, Node, Repeat, Symbol, Union

if TYPE_CHECKING:  # scipy loads only for automata too large for dense steps
    import scipy.sparse as sp


@dataclass(frozen=True)
class Fragment:
    """What a subtree contributes: its first and last positions, and whether it is nullable."""

    first: frozenset[int]
    last: frozenset[int]
    nullable: bool


DENSE_LIMIT = 1024
"""Automata of at most this many states keep dense step matrices (4 MiB each at the limit):
for a small regex, a sparse product costs more in overhead than the dense one in arithmetic."""


@dataclass(frozen=True)
class PositionAutomaton:
    """State 0 is the start, state ``i >= 1`` the ``i``-th position."""

    # float32 [states, symbols * states]: column c * states + j is 1 where symbol c leads to j
    # (one product per breadth-first level); sparse above DENSE_LIMIT states
    step: np.ndarray | sp.csr_matrix
    accepting: np.ndarray  # bool[states]

    @property
    def n_states(self) -> int:
        return len(self.accepting)


def position_automaton(tree: Node, alphabet: tuple[str, ...]) -> PositionAutomaton:
    """The position automaton of ``tree`` (which must not contain ``Epsilon`` except as the
    whole tree: call :func:`regscale.automata.regex_ast.simplify` first) over ``alphabet``,
    which must hold every symbol of the tree."""
    builder = _Builder()
    whole = builder.fragment(tree)
    n = len(builder.symbol) + 1
    rows: list[int] = []
    cols: list[int] = []
    for source, targets in [(0, whole.first), *enumerate(builder.follow, start=1)]:
        rows.extend([source] * len(targets))
        cols.extend(targets)
    column_of = {symbol: c for c, symbol in enumerate(alphabet)}
    symbol_column = np.asarray([0] + [column_of[s] for s in builder.symbol], dtype=np.int64)
    row = np.asarray(rows, dtype=np.int64)
    col = np.asarray(cols, dtype=np.int64)
    col = symbol_column[col] * n + col
    shape = (n, len(alphabet) * n)
    step: np.ndarray | sp.csr_matrix
    if n <= DENSE_LIMIT:
        step = np.zeros(shape, dtype=np.float32)
        step[row, col] = 1.0
    else:
        import scipy.sparse as sp

        step = sp.csr_matrix((np.ones(len(row), dtype=np.float32), (row, col)), shape=shape)
    accepting = np.zeros(n, dtype=bool)
    accepting[list(whole.last)] = True
    accepting[0] = whole.nullable
    return PositionAutomaton(step=step, accepting=accepting)


class _Builder:
    """Numbers positions from 1 as it walks the tree and records ``follow`` between them."""

    def __init__(self) -> None:
        self.symbol: list[str] = []  # the symbol of position i + 1
        self.follow: list[set[int]] = []  # the positions that may follow position i + 1

    def fragment(self, node: Node) -> Fragment:
        if isinstance(node, Symbol):
            return self._position(node.char)
        if isinstance(node, CharClass):
            return self._union([self._position(c) for c in node.chars])
        if isinstance(node, Epsilon):
            return Fragment(frozenset(), frozenset(), nullable=True)
        if isinstance(node, Concat):
            return self._concat([self.fragment(p) for p in node.parts])
        if isinstance(node, Union):
            return self._union([self.fragment(o) for o in node.options])
        return self._repeat(node)

    def _position(self, char: str) -> Fragment:
        self.symbol.append(char)
        self.follow.append(set())
        here = frozenset({len(self.symbol)})
        return Fragment(here, here, nullable=False)

    def _link(self, last: frozenset[int], first: frozenset[int]) -> None:
        for p in last:
            self.follow[p - 1] |= first

    def _concat(self, parts: list[Fragment]) -> Fragment:
        whole = parts[0]
        for part in parts[1:]:
            self._link(whole.last, part.first)
            whole = Fragment(whole.first | part.first if whole.nullable else whole.first,
                             part.last | whole.last if part.nullable else part.last,
                             whole.nullable and part.nullable)
        return whole

    def _union(self, options: list[Fragment]) -> Fragment:
        return Fragment(frozenset().union(*(o.first for o in options)),
                        frozenset().union(*(o.last for o in options)),
                        any(o.nullable for o in options))

    def _repeat(self, node: Repeat) -> Fragment:
        """``x{lo,}`` as ``lo - 1`` copies then ``x+`` (or ``x*``); ``x{lo,hi}`` as ``lo`` copies
        then the nested optional tail ``(x(x)?)?``, whose follow links grow linearly in
        ``hi - lo``."""
        required = [self.fragment(node.node) for _ in range(node.lo - (node.hi is None))]
        if node.hi is None:
            loop = self.fragment(node.node)
            self._link(loop.last, loop.first)
            tail = Fragment(loop.first, loop.last, loop.nullable or node.lo == 0)
            return self._concat([*required, tail])
        copies = [self.fragment(node.node) for _ in range(node.hi - node.lo)]
        optional: Fragment | None = None
        for copy in reversed(copies):
            inner = copy if optional is None else self._concat([copy, optional])
            optional = Fragment(inner.first, inner.last, nullable=True)
        parts = required + ([optional] if optional is not None else [])
        return self._concat(parts)
