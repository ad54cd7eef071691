"""The compact, immutable array form of a trimmed minimal DFA that the sampler and the math read.

Symbols are numbered ``0..k-1`` in alphabet order; in token streams symbol ``i`` is token
``i + 1`` and token 0 is the separator SEP. States are numbered in breadth-first order from the
start state (state 0) taking symbols in alphabet order, so two DFAs of the same language over the
same alphabet have identical arrays. Only live states are kept (reachable from the start and
co-reachable to an accepting state); a transition into the dead state is stored as ``-1``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from regscale.errors import EmptyLanguageError

if TYPE_CHECKING:  # scipy and automata-lib load when used: `regscale gen` needs neither
    import scipy.sparse as sp
    from automata.fa.dfa import DFA

DEAD = -1
"""Transition target meaning "no live continuation"."""


@dataclass(frozen=True, eq=False)
class CompactDFA:
    """A trimmed minimal DFA as arrays; immutable after construction.

    Attributes
    ----------
    alphabet
        The symbols, in order; symbol ``i`` is token ``i + 1`` in streams.
    transitions
        ``int32[n_states, k]``: next state, or ``DEAD`` (-1).
    accepting
        ``bool[n_states]``: accepting states.
    """

    alphabet: tuple[str, ...]
    transitions: np.ndarray
    accepting: np.ndarray

    def __post_init__(self) -> None:
        n, k = self.transitions.shape
        if k != len(self.alphabet) or self.accepting.shape != (n,) or n == 0:
            raise ValueError("inconsistent CompactDFA arrays")
        self.transitions.setflags(write=False)
        self.accepting.setflags(write=False)

    # Sizes -----------------------------------------------------------------------------------
    @property
    def n_states(self) -> int:
        """Number of live states."""
        return int(self.transitions.shape[0])

    @property
    def n_transitions(self) -> int:
        """Number of live transitions (edges between live states)."""
        return int((self.transitions != DEAD).sum())

    @property
    def n_accepting(self) -> int:
        """Number of accepting states."""
        return int(self.accepting.sum())

    @property
    def vocab_size(self) -> int:
        """Tokens in a stream of this language: the symbols plus SEP."""
        return len(self.alphabet) + 1

    # Reading words ---------------------------------------------------------------------------
    def symbol_ids(self, word: str) -> list[int]:
        """Symbol indices of ``word``; raises ``KeyError`` for a symbol outside the alphabet."""
        index = {s: i for i, s in enumerate(self.alphabet)}
        return [index[c] for c in word]

    def run_symbols(self, symbols: Iterable[int]) -> int:
        """State reached after reading symbol indices from the start, or ``DEAD`` (also for an
        index outside ``0..k-1``)."""
        state, k = 0, len(self.alphabet)
        for i in symbols:
            if not 0 <= i < k:
                return DEAD
            state = int(self.transitions[state, i])
            if state == DEAD:
                return DEAD
        return state

    def run(self, word: str) -> int:
        """State reached after reading ``word`` from the start, or ``DEAD``."""
        index = {s: i for i, s in enumerate(self.alphabet)}
        return self.run_symbols(index.get(c, -1) for c in word)

    def accepts(self, word: str) -> bool:
        """Whether the language contains ``word``."""
        state = self.run(word)
        return state != DEAD and bool(self.accepting[state])

    def adjacency(self) -> sp.csr_matrix:
        """Sparse ``float64[n, n]``: number of symbols leading from state i to state j (memory
        in the transitions, not in n squared)."""
        import scipy.sparse as sp

        n = self.n_states
        rows, cols = np.nonzero(self.transitions != DEAD)
        counts = sp.coo_matrix((np.ones(len(rows)), (rows, self.transitions[rows, cols])),
                               shape=(n, n))
        return counts.tocsr()  # duplicates (two symbols to one state) are summed

    # Conversion ------------------------------------------------------------------------------
    def to_automata_lib(self) -> DFA:
        """The same language as an automata-lib partial DFA (states ``0..n-1``)."""
        from automata.fa.dfa import DFA

        transitions = {
            q: {s: int(t) for s, t in zip(self.alphabet, row, strict=True) if t != DEAD}
            for q, row in enumerate(self.transitions)
        }
        return DFA(
            states=frozenset(range(self.n_states)),
            input_symbols=frozenset(self.alphabet),
            transitions=transitions,
            initial_state=0,
            final_states=frozenset(int(q) for q in np.flatnonzero(self.accepting)),
            allow_partial=True,
        )

    @classmethod
    def from_automata_lib(cls, dfa: DFA, alphabet: tuple[str, ...] | None = None) -> CompactDFA:
        """Trim and renumber an automata-lib DFA (complete or partial; minimise it first).

        Raises
        ------
        EmptyLanguageError
            If the DFA accepts no word.
        """
        symbols = alphabet if alphabet is not None else tuple(sorted(dfa.input_symbols))
        return cls.from_transition_map(
            dfa.transitions, dfa.initial_state, frozenset(dfa.final_states), symbols
        )

    @classmethod
    def from_transition_map(
        cls,
        transitions: Mapping[Any, Mapping[str, Any]],
        initial: Hashable,
        final: frozenset[Any],
        alphabet: tuple[str, ...],
    ) -> CompactDFA:
        """Trim ``{state: {symbol: next}}`` to live states and number them breadth-first."""
        co_reachable = _co_reachable(transitions, final)
        if initial not in co_reachable:
            raise EmptyLanguageError("the language is empty: the DFA accepts no word")
        number = {initial: 0}
        order = [initial]
        queue = deque([initial])
        while queue:
            state = queue.popleft()
            for symbol in alphabet:
                nxt = transitions.get(state, {}).get(symbol)
                if nxt is not None and nxt in co_reachable and nxt not in number:
                    number[nxt] = len(order)
                    order.append(nxt)
                    queue.append(nxt)
        table = np.full((len(order), len(alphabet)), DEAD, dtype=np.int32)
        for q, state in enumerate(order):
            row = transitions.get(state, {})
            for i, symbol in enumerate(alphabet):
                nxt = row.get(symbol)
                if nxt is not None and nxt in number:
                    table[q, i] = number[nxt]
        accepting = np.array([state in final for state in order], dtype=bool)
        return cls(alphabet=alphabet, transitions=table, accepting=accepting)


def _co_reachable(
    transitions: Mapping[Any, Mapping[str, Any]], final: frozenset[Any]
) -> set[Hashable]:
    reverse: dict[Hashable, list[Hashable]] = {}
    for state, row in transitions.items():
        for nxt in row.values():
            reverse.setdefault(nxt, []).append(state)
    seen = set(final)
    stack = list(final)
    while stack:
        for prev in reverse.get(stack.pop(), ()):
            if prev not in seen:
                seen.add(prev)
                stack.append(prev)
    return seen
