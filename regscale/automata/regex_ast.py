"""Syntax trees of the supported regex subset, and their rendering.

:func:`to_python` renders a tree as a pattern with the same meaning under Python's
``re.fullmatch`` (the test oracle); :func:`simplify` removes the empty word from inside a tree
before :mod:`regscale.automata.glushkov` builds its automaton.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True)
class Symbol:
    """One alphabet symbol (an ASCII letter or digit)."""

    char: str


@dataclass(frozen=True)
class Epsilon:
    """The empty word; only ever produced by :func:`simplify` (``x{0}``)."""


@dataclass(frozen=True)
class Concat:
    """Concatenation of two or more parts."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Union:
    """Alternation ``a|b`` of two or more options."""

    options: tuple[Node, ...]


@dataclass(frozen=True)
class CharClass:
    """A character class ``[a-c]``: a union of single symbols, kept for faithful rendering."""

    chars: tuple[str, ...]


@dataclass(frozen=True)
class Repeat:
    """``x{lo,hi}``; ``hi=None`` is unbounded, so ``*`` is (0, None), ``+`` is (1, None)."""

    node: Node
    lo: int
    hi: int | None


Node: TypeAlias = Symbol | Epsilon | Concat | Union | CharClass | Repeat


def alphabet_of(node: Node) -> frozenset[str]:
    """The symbols that occur in a tree."""
    if isinstance(node, Symbol):
        return frozenset(node.char)
    if isinstance(node, CharClass):
        return frozenset(node.chars)
    if isinstance(node, Epsilon):
        return frozenset()
    if isinstance(node, Repeat):
        return alphabet_of(node.node)
    children = node.parts if isinstance(node, Concat) else node.options
    return frozenset().union(*(alphabet_of(c) for c in children))


def tree_size(node: Node) -> int:
    """Number of nodes of the syntax tree (a character class counts as one node)."""
    if isinstance(node, Symbol | Epsilon | CharClass):
        return 1
    if isinstance(node, Repeat):
        return 1 + tree_size(node.node)
    children = node.parts if isinstance(node, Concat) else node.options
    return 1 + sum(tree_size(c) for c in children)


def simplify(node: Node) -> Node:
    """Remove ``Epsilon`` from inside the tree; the result is ``Epsilon`` or free of it.

    ``x{0}`` becomes the empty word; an empty word inside a concatenation is dropped, inside a
    union it makes the union optional.
    """
    if isinstance(node, Symbol | Epsilon | CharClass):
        return node
    if isinstance(node, Repeat):
        inner = simplify(node.node)
        if node.hi == 0 or isinstance(inner, Epsilon):
            return Epsilon()
        return Repeat(inner, node.lo, node.hi)
    if isinstance(node, Concat):
        parts = tuple(p for p in map(simplify, node.parts) if not isinstance(p, Epsilon))
        if not parts:
            return Epsilon()
        return parts[0] if len(parts) == 1 else Concat(parts)
    options = tuple(map(simplify, node.options))
    kept = tuple(o for o in options if not isinstance(o, Epsilon))
    if not kept:
        return Epsilon()
    core = kept[0] if len(kept) == 1 else Union(kept)
    return Repeat(core, 0, 1) if len(kept) < len(options) else core


def _group(text: str) -> str:
    return f"({text})"


def to_python(node: Node) -> str:
    """Render for Python's ``re`` with the same language under ``re.fullmatch``.

    Nested concatenations, unions and repetitions are grouped, so for a tree without
    ``Epsilon`` parsing the result gives the same tree back (``parse_regex(to_python(t)) == t``).
    """
    if isinstance(node, Symbol):
        return node.char
    if isinstance(node, Epsilon):
        return "(?:)"
    if isinstance(node, CharClass):
        return "[" + "".join(node.chars) + "]"
    if isinstance(node, Concat):
        return "".join(
            _group(to_python(p)) if isinstance(p, Union | Concat) else to_python(p)
            for p in node.parts
        )
    if isinstance(node, Union):
        return "|".join(
            _group(to_python(o)) if isinstance(o, Union) else to_python(o) for o in node.options
        )
    inner = to_python(node.node)
    if not isinstance(node.node, Symbol | CharClass):
        inner = _group(inner)
    return inner + _quantifier(node.lo, node.hi)


def _quantifier(lo: int, hi: int | None) -> str:
    if (lo, hi) == (0, None):
        return "*"
    if (lo, hi) == (1, None):
        return "+"
    if (lo, hi) == (0, 1):
        return "?"
    if hi is None:
        return f"{{{lo},}}"
    return f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}"


def expanded_size(node: Node) -> int:
    """Number of symbol occurrences after expanding repetition as the position automaton does
    (``x{lo,hi}``: ``hi`` copies; ``x{lo,}``: ``lo`` copies, one of them looping; ``x*``: one):
    its number of states, less the start."""
    if isinstance(node, Symbol):
        return 1
    if isinstance(node, CharClass):
        return len(node.chars)
    if isinstance(node, Epsilon):
        return 0
    if isinstance(node, Repeat):
        copies = node.lo if node.hi is None else node.hi
        return max(copies, 1) * expanded_size(node.node)
    children = node.parts if isinstance(node, Concat) else node.options
    return sum(expanded_size(c) for c in children)
