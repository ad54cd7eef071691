"""Regex -> NFA -> DFA -> minimal DFA, with automata-lib as the engine and a state limit.

automata-lib builds the NFA (``NFA.from_regex``) and minimises (Hopcroft, ``DFA.minify``); the
subset construction in between is done here so that a regex whose DFA explodes, such as
``(a|b)*a(a|b){20}`` (2^21 states), stops at ``max_states`` with a clear error instead of
exhausting memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

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
    dfa = subset_construction(nfa, symbols, max_states=max_states, pattern=pattern)
    return CompactDFA.from_automata_lib(dfa.minify(), symbols)


def subset_construction(
    nfa: NFA, alphabet: tuple[str, ...], *, max_states: int, pattern: str = "?"
) -> DFA:
    """Determinise ``nfa`` (partial DFA, no dead state), stopping at ``max_states`` states.

    Raises
    ------
    StateLimitError
        More than ``max_states`` reachable subsets.
    """
    closure = _epsilon_closures(nfa)
    moves: dict[object, dict[str, frozenset[object]]] = {
        q: {s: frozenset(t) for s, t in row.items() if s != ""}
        for q, row in nfa.transitions.items()
    }
    start = closure[nfa.initial_state]
    number = {start: 0}
    queue = deque([start])
    transitions: dict[int, dict[str, int]] = {}
    while queue:
        subset = queue.popleft()
        row: dict[str, int] = {}
        for symbol in alphabet:
            target: set[object] = set()
            for q in subset:
                for r in moves.get(q, {}).get(symbol, ()):
                    target |= closure[r]
            if not target:
                continue
            key = frozenset(target)
            if key not in number:
                if len(number) >= max_states:
                    raise StateLimitError(
                        f"the DFA of {pattern!r} exceeds the state limit of {max_states} "
                        "states; raise --max-states or simplify the regex"
                    )
                number[key] = len(number)
                queue.append(key)
            row[symbol] = number[key]
        transitions[number[subset]] = row
    final = frozenset(i for s, i in number.items() if not s.isdisjoint(nfa.final_states))
    return DFA(
        states=frozenset(number.values()),
        input_symbols=frozenset(alphabet),
        transitions=transitions,
        initial_state=0,
        final_states=final,
        allow_partial=True,
    )


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
