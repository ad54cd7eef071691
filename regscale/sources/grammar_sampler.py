"""Strings of a PCFG by top-down expansion, packed as ``w1 SEP w2 SEP ...``.

A stack starts with the start symbol; popping a terminal emits its token, popping a nonterminal
draws one of its rules by inverse CDF (one xoshiro256** uniform, :mod:`regscale.sources.xoshiro`)
and pushes the right side in reverse. A string ends when the stack is empty; SEP follows it.

The expansion runs compiled (numba, :mod:`regscale.sources.grammar_kernels`) or in plain Python
(:func:`_expand_python`, the reference the benchmark compares against and the tests hold it to):
both consume the same uniforms in the same order, so they give the same tokens. A request of at
most :data:`PYTHON_TOKENS` tokens runs in Python unless numba is loaded already, so a small job
(``regscale gen -n 5``) never waits for numba's import and compilation.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from regscale.sources import xoshiro
from regscale.sources.grammar import Grammar

_TO_UNIT = 1.0 / 9007199254740992.0

PYTHON_TOKENS = 20_000
"""Requests up to this many tokens are expanded in plain Python (about 40 ms)."""


@dataclass(frozen=True, eq=False)
class GrammarTables:
    """Flat arrays of a grammar for the expansion kernels.

    Symbol codes: nonterminal i is ``i``; terminal token x (1..k) is ``-x``.
    """

    rule_start: np.ndarray  # int64[n + 1]: rules of nonterminal i are rule_start[i]:[i + 1]
    rule_cdf: np.ndarray  # float64[R]: cumulative probability within each nonterminal
    rhs_start: np.ndarray  # int64[R + 1]: symbols of rule r are rhs[rhs_start[r]:[r + 1]]
    rhs: np.ndarray  # int64[total symbols]


def grammar_tables(grammar: Grammar) -> GrammarTables:
    token = {t: i + 1 for i, t in enumerate(grammar.alphabet)}
    rule_start: list[int] = [0]
    cdf: list[float] = []
    rhs_start: list[int] = [0]
    rhs: list[int] = []
    for a in grammar.nonterminals:
        total = 0.0
        mine = grammar.rules_of(a)
        for j, rule in enumerate(mine):
            total += rule.prob
            cdf.append(1.0 if j == len(mine) - 1 else total)  # the last rule takes the rest
            rhs.extend(grammar.index[s] if grammar.is_nonterminal(s) else -token[s]
                       for s in rule.rhs)
            rhs_start.append(len(rhs))
        rule_start.append(len(cdf))
    return GrammarTables(rule_start=np.array(rule_start, dtype=np.int64),
                         rule_cdf=np.array(cdf, dtype=np.float64),
                         rhs_start=np.array(rhs_start, dtype=np.int64),
                         rhs=np.array(rhs, dtype=np.int64))


def _expand_python(t: GrammarTables, master: np.ndarray, n_tokens: int,
                   max_string: int) -> tuple[np.ndarray, int]:
    """Whole strings, each followed by SEP, until at least ``n_tokens`` tokens; returns them and
    0, or the partial output and -1 when a string outgrows ``max_string`` symbols."""
    s = [int(w) for w in master]
    rule_start, cdf = t.rule_start.tolist(), t.rule_cdf.tolist()
    rhs_start, rhs = t.rhs_start.tolist(), t.rhs.tolist()
    out: list[int] = []
    status = 0
    while len(out) < n_tokens:
        stack = [0]
        length = 0
        while stack:
            symbol = stack.pop()
            if symbol < 0:
                out.append(-symbol)
                length += 1
                continue
            u = (xoshiro._xoshiro(s) >> 11) * _TO_UNIT
            r = rule_start[symbol]
            while r < rule_start[symbol + 1] - 1 and cdf[r] <= u:
                r += 1
            for j in range(rhs_start[r + 1] - 1, rhs_start[r] - 1, -1):
                stack.append(rhs[j])
        if length > max_string:
            status = -1
            break
        out.append(0)
    master[:] = np.array(s, dtype=np.uint64)
    return np.array(out, dtype=np.int64), status


def sample_packed(tables: GrammarTables, master: np.ndarray, n_tokens: int, *,
                  max_string: int = 1_000_000, compiled: bool | None = None) -> np.ndarray:
    """At least ``n_tokens`` tokens of whole strings, each followed by SEP; advances ``master``
    (a :class:`~regscale.sources.chains.CpuGenerator`'s state) exactly as many draws as the
    strings took. ``compiled``: force one implementation (default: by size, module docstring).
    Raises ValueError when a string outgrows ``max_string`` symbols."""
    if compiled is None:
        compiled = (n_tokens > PYTHON_TOKENS
                    or "regscale.sources.grammar_kernels" in sys.modules)
    if not compiled:
        out, status = _expand_python(tables, master, n_tokens, max_string)
    else:
        from regscale.sources.grammar_kernels import expand
        capacity, depth = max(2 * n_tokens, 1024), 1024
        while True:
            saved = master.copy()
            buffer = np.empty(capacity, dtype=np.int64)
            stack = np.empty(depth, dtype=np.int64)
            written, status = expand(tables.rule_start, tables.rule_cdf, tables.rhs_start,
                                     tables.rhs, master, n_tokens, max_string, buffer, stack)
            if status not in (-2, -3):
                out = buffer[:written]
                break
            master[:] = saved  # a buffer was too small for the last string: redo, larger
            if status == -2:
                capacity *= 4
            else:
                depth *= 4
    if status == -1:
        raise ValueError(f"a string of the grammar outgrew {max_string:,} symbols")
    return out
