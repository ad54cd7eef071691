"""Regex -> NFA -> DFA -> minimal DFA, with automata-lib as the engine and a state limit.

automata-lib builds the NFA (``NFA.from_regex``) and minimises (Hopcroft, ``DFA.minify``); the
subset construction in between is done here so that a regex whose DFA explodes, such as
``(a|b)*a(a|b){20}`` (2^21 states), stops at ``max_states`` with a clear error instead of
exhausting memory.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from automata.fa.dfa import DFA
from automata.fa.nfa import NFA

from regscale.automata.compact_dfa import CompactDFA
from regscale.automata.regex_ast import (
    Epsilon,
    alphabet_of,
    expanded_size,
    simplify,
    to_automata_lib,
)
from regscale.automata.regex_parser import parse_regex
from regscale.errors import ConfigError, StateLimitError

DEFAULT_MAX_STATES = 20_000
"""Default limit on DFA states during subset construction."""

MAX_EXPANDED_SYMBOLS = 20_000
"""Limit on symbol occurrences after expanding ``{m,n}`` (the size of the NFA)."""


def min_dfa_from_regex(
    pattern: str,
    *,
    alphabet: Iterable[str] | None = None,
    max_states: int = DEFAULT_MAX_STATES,
) -> CompactDFA:
    """The trimmed minimal DFA of ``pattern`` (Python ``re.fullmatch`` semantics).

    Parameters
    ----------
    pattern
        A regex in the subset documented in :mod:`regscale.automata.regex_parser`.
    alphabet
        Symbols of the language; defaults to those in the pattern. Must contain them.
    max_states
        Limit on DFA states during subset construction.

    Returns
    -------
    CompactDFA
        Live states only, numbered breadth-first from the start.

    Raises
    ------
    InvalidRegexError, UnsupportedSyntaxError
        From the parser, with the position.
    StateLimitError
        The DFA (or the expanded NFA) exceeds the limit.
    ConfigError
        ``alphabet`` lacks a symbol the pattern uses.
    """
    tree = simplify(parse_regex(pattern))
    used = alphabet_of(tree)
    symbols = tuple(sorted(set(alphabet) if alphabet is not None else used))
    if missing := used - set(symbols):
        raise ConfigError(f"alphabet {''.join(symbols)!r} lacks symbols {sorted(missing)}")
    if isinstance(tree, Epsilon):
        return CompactDFA.from_transition_map({0: {}}, 0, frozenset({0}), symbols)
    size = expanded_size(tree)
    if size > MAX_EXPANDED_SYMBOLS:
        raise StateLimitError(
            f"regex {pattern!r} expands to {size} symbol occurrences, over the limit "
            f"{MAX_EXPANDED_SYMBOLS}; reduce the repetition bounds"
        )
    nfa = NFA.from_regex(to_automata_lib(tree), input_symbols=frozenset(symbols))
    transitions, final = subset_construction(nfa, symbols, max_states=max_states,
                                             pattern=pattern)
    # Hopcroft straight from the subset table, as automata-lib's own DFA.from_nfa(minify=True)
    # does, rather than through an intermediate DFA object (whose freezing and validation cost
    # about as much as the minimisation). automata-lib is pinned below 10 for this entry point.
    minimal = DFA._minify(reachable_states=frozenset(transitions), input_symbols=frozenset(symbols),
                          transitions=transitions, initial_state=0,
                          reachable_final_states=final, retain_names=False)
    return CompactDFA.from_automata_lib(minimal, symbols)


def subset_construction(
    nfa: NFA, alphabet: tuple[str, ...], *, max_states: int, pattern: str = "?"
) -> tuple[dict[int, dict[str, int]], frozenset[int]]:
    """Determinise ``nfa``: the partial transition table (no dead state; every state reachable
    from state 0) and the accepting states; stops at ``max_states`` states.

    Breadth-first by level and vectorised: the subsets of a level are rows of a boolean matrix,
    one matrix product per symbol gives all their successors (epsilon closures folded into the
    step matrices), and new subsets are recognised by their packed bytes.

    Raises
    ------
    StateLimitError
        More than ``max_states`` reachable subsets.
    """
    closure = _epsilon_closures(nfa)
    index = {q: i for i, q in enumerate(nfa.states)}
    n = len(index)
    step = {symbol: np.zeros((n, n), dtype=np.float32) for symbol in alphabet}
    for q, row in nfa.transitions.items():
        for symbol, targets in row.items():
            if symbol == "":
                continue
            for r in targets:
                step[symbol][index[q], [index[c] for c in closure[r]]] = 1.0
    start = np.zeros(n, dtype=bool)
    start[[index[c] for c in closure[nfa.initial_state]]] = True
    number = {np.packbits(start).tobytes(): 0}
    subsets = [start]
    transitions: dict[int, dict[str, int]] = {0: {}}
    frontier = [0]
    while frontier:
        block = np.stack([subsets[i] for i in frontier]).astype(np.float32)
        next_frontier = []
        for symbol in alphabet:
            targets = (block @ step[symbol]) > 0
            packed = np.packbits(targets, axis=1)
            for row, source in enumerate(frontier):
                if not targets[row].any():
                    continue
                key = packed[row].tobytes()
                target = number.get(key)
                if target is None:
                    if len(number) >= max_states:
                        raise StateLimitError(
                            f"the DFA of {pattern!r} exceeds the state limit of {max_states} "
                            "states; raise --max-states or simplify the regex"
                        )
                    target = number[key] = len(subsets)
                    subsets.append(targets[row])
                    transitions[target] = {}
                    next_frontier.append(target)
                transitions[source][symbol] = target
        frontier = next_frontier
    final_mask = np.zeros(n, dtype=bool)
    final_mask[[index[q] for q in nfa.final_states]] = True
    final = frozenset(i for i, subset in enumerate(subsets) if (subset & final_mask).any())
    return transitions, final


def _epsilon_closures(nfa: NFA) -> dict[object, frozenset[object]]:
    closures: dict[object, frozenset[object]] = {}
    for state in nfa.states:
        seen = {state}
        stack = [state]
        while stack:
            for nxt in nfa.transitions.get(stack.pop(), {}).get("", ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        closures[state] = frozenset(seen)
    return closures
