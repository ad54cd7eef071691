"""Random regexes of an exact syntax-tree size.

Size is counted by :func:`regscale.automata.regex_ast.tree_size` on the parsed pattern: every
symbol, concatenation, union and repetition is one node. Draws use ``*``, ``+``, ``?``, binary
concatenation and binary union over the first ``alphabet_size`` symbols ``a, b, c, ...``.
"""

from __future__ import annotations

import numpy as np

from regscale.automata.random_dfa import SYMBOLS
from regscale.automata.regex_ast import Concat, Node, Repeat, Symbol, Union, to_python
from regscale.errors import ConfigError

_UNARY = ((0, None), (1, None), (0, 1))


def random_regex_tree(size: int, alphabet_size: int, seed: int) -> Node:
    """A random syntax tree with exactly ``size`` nodes (see module docstring)."""
    if size < 1:
        raise ConfigError(f"regex size must be >= 1, got {size}")
    if not 1 <= alphabet_size <= len(SYMBOLS):
        raise ConfigError(f"alphabet size must be between 1 and {len(SYMBOLS)}")
    rng = np.random.default_rng(seed)
    return _draw(rng, size, SYMBOLS[:alphabet_size], parent=None)


def random_regex(size: int, alphabet_size: int, seed: int) -> str:
    """A random regex (supported subset) whose parsed syntax tree has exactly ``size`` nodes."""
    return to_python(random_regex_tree(size, alphabet_size, seed))


def _draw(rng: np.random.Generator, size: int, symbols: str, parent: type | None) -> Node:
    if size == 1:
        return Symbol(symbols[rng.integers(len(symbols))])
    # A repetition directly under a repetition is legal but adds nothing; prefer binary nodes.
    binary_ok = size >= 3
    unary_ok = parent is not Repeat or not binary_ok
    kinds = (["concat", "union"] if binary_ok else []) + (["repeat"] if unary_ok else [])
    kind = kinds[rng.integers(len(kinds))]
    if kind == "repeat":
        lo, hi = _UNARY[rng.integers(len(_UNARY))]
        return Repeat(_draw(rng, size - 1, symbols, Repeat), lo, hi)
    left = int(rng.integers(1, size - 1))
    parts = (_draw(rng, left, symbols, Concat), _draw(rng, size - 1 - left, symbols, Concat))
    return Concat(parts) if kind == "concat" else Union(parts)
