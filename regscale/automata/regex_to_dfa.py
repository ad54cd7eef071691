"""Regex -> position automaton -> DFA -> minimal DFA, with a state limit.

The parsed tree becomes its position (Glushkov) automaton (:mod:`regscale.automata.glushkov`),
an NFA without epsilon moves; the subset construction here stops at ``max_states``, so a regex
whose DFA explodes, such as ``(a|b)*a(a|b){20}`` (2^21 states), gives a clear error instead of
exhausting memory; :mod:`regscale.automata.minimize` minimises the result. The tests check the
outcome against automata-lib's own regex -> minimal DFA and against Python's ``re``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.automata.glushkov import PositionAutomaton, position_automaton
from regscale.automata.minimize import minimize
from regscale.automata.regex_ast import Epsilon, alphabet_of, expanded_size, simplify
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
    nfa = position_automaton(tree, symbols)
    table, accepting = subset_construction(nfa, symbols, max_states=max_states, pattern=pattern)
    return minimize(CompactDFA(alphabet=symbols, transitions=table, accepting=accepting))


def subset_construction(
    nfa: PositionAutomaton, alphabet: tuple[str, ...], *, max_states: int, pattern: str = "?"
) -> tuple[np.ndarray, np.ndarray]:
    """Determinise ``nfa``: the partial transition table ``int32[states, symbols]`` (``DEAD``
    where a symbol leads nowhere; every state reachable from state 0) and the accepting states;
    stops at ``max_states`` states.

    Breadth-first by level and vectorised: the subsets of a level are rows of a matrix, one
    product gives their successors under every symbol, and new subsets are recognised by their
    packed bytes.

    Raises
    ------
    StateLimitError
        More than ``max_states`` reachable subsets.
    """
    start = np.zeros(nfa.n_states, dtype=bool)
    start[0] = True
    number = {np.packbits(start).tobytes(): 0}
    subsets = [start]
    rows = [np.full(len(alphabet), DEAD, dtype=np.int32)]
    frontier = [0]
    while frontier:
        block = np.stack([subsets[i] for i in frontier]).astype(np.float32)
        successors = np.asarray(block @ nfa.step).reshape(len(frontier), len(alphabet), -1) > 0
        packed = np.packbits(successors, axis=2)
        next_frontier = []
        for row, column in np.argwhere(successors.any(axis=2)).tolist():
            key = packed[row, column].tobytes()
            target = number.get(key)
            if target is None:
                if len(number) >= max_states:
                    raise StateLimitError(
                        f"the DFA of {pattern!r} exceeds the state limit of {max_states} "
                        "states; raise --max-states or simplify the regex"
                    )
                target = number[key] = len(subsets)
                subsets.append(successors[row, column])
                rows.append(np.full(len(alphabet), DEAD, dtype=np.int32))
                next_frontier.append(target)
            rows[frontier[row]][column] = target
        frontier = next_frontier
    accepting = np.asarray(np.stack(subsets)[:, nfa.accepting].any(axis=1), dtype=bool)
    return np.stack(rows), accepting
