"""Random minimal DFAs with exact complexity targets.

A draw builds a partial DFA on ``n`` states whose reachability comes from a random spanning
tree rooted at the start, adds random transitions up to ``t``, makes every sink accepting and
picks the other accepting states at random, then keeps the draw only if it is co-reachable, uses
every symbol, and minimisation (automata-lib) leaves exactly ``n`` live states, ``t`` live
transitions and ``f`` accepting states. Otherwise it redraws, up to ``max_tries`` times.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.errors import EmptyLanguageError, ImpossibleTargetsError

SYMBOLS = string.ascii_lowercase + string.ascii_uppercase + string.digits
"""Alphabet symbols in the order random languages use them: ``a, b, c, ...``."""


@dataclass(frozen=True, kw_only=True)
class RandomDFASpec:
    """Targets for a random minimal DFA."""

    kind: ClassVar[str] = "random_dfa"  # its table name in a language file
    natural: ClassVar[Literal[False]] = False  # a regular language

    states: int  # live states n of the minimal DFA
    transitions: int  # live transitions t, n - 1 <= t <= n * k
    accepting: int  # accepting states f, 1 <= f <= n
    alphabet_size: int  # symbols k, all of them used, k <= t
    seed: int = 0  # the same seed gives the same DFA

    def __post_init__(self) -> None:
        check_targets(self.states, self.transitions, self.accepting, self.alphabet_size)

    @property
    def name(self) -> str:
        """A short name such as ``dfa-n8-t14-f3-k3-s0``."""
        return (f"dfa-n{self.states}-t{self.transitions}-f{self.accepting}"
                f"-k{self.alphabet_size}-s{self.seed}")


def check_targets(n: int, t: int, f: int, k: int) -> None:
    """Raise :class:`ImpossibleTargetsError` when no minimal DFA can meet the targets."""

    def no(reason: str) -> ImpossibleTargetsError:
        return ImpossibleTargetsError(
            f"impossible random-DFA targets (states={n}, transitions={t}, accepting={f}, "
            f"alphabet={k}): {reason}"
        )

    if n < 1:
        raise no("states must be >= 1")
    if not 1 <= k <= len(SYMBOLS):
        raise no(f"alphabet size must be between 1 and {len(SYMBOLS)}")
    if not 1 <= f <= n:
        raise no("accepting must be between 1 and states")
    if t > n * k:
        raise no(f"transitions > states * alphabet = {n * k}")
    if t < n - 1:
        raise no(f"transitions < states - 1 = {n - 1}, so some state is unreachable")
    if t < k:
        raise no("transitions < alphabet size, so some symbol is never used")
    if n > 1 and f == n and t == n * k:
        raise no("a complete DFA whose states all accept is the universal language (1 state)")


def random_min_dfa(spec: RandomDFASpec, *, max_tries: int = 2000) -> CompactDFA:
    """Draw a random minimal DFA hitting ``spec`` exactly.

    Parameters
    ----------
    spec
        The targets and the seed.
    max_tries
        Draws before giving up.

    Returns
    -------
    CompactDFA
        ``n_states == spec.states``, ``n_transitions == spec.transitions``,
        ``n_accepting == spec.accepting``, alphabet of ``spec.alphabet_size`` symbols.

    Raises
    ------
    ImpossibleTargetsError
        Targets that no minimal DFA meets, or none met in ``max_tries`` draws.
    """
    rng = np.random.default_rng(spec.seed)
    alphabet = tuple(SYMBOLS[: spec.alphabet_size])
    for _ in range(max_tries):
        table = _draw_structure(rng, spec.states, spec.transitions, spec.alphabet_size)
        if table is None:
            continue
        accepting = _draw_accepting(rng, table, spec.accepting)
        if accepting is None:
            continue
        candidate = _minimal_if_on_target(table, accepting, alphabet, spec)
        if candidate is not None:
            return candidate
    raise ImpossibleTargetsError(
        f"no minimal DFA met the targets of {spec.name} in {max_tries} draws; "
        "the targets are likely impossible (e.g. too many accepting states to stay minimal)"
    )


def _draw_structure(
    rng: np.random.Generator, n: int, t: int, k: int
) -> np.ndarray | None:
    table = np.full((n, k), DEAD, dtype=np.int64)
    for new in range(1, n):  # random spanning tree: each new state hangs off an earlier one
        free = np.argwhere(table[:new] == DEAD)
        if len(free) == 0:
            return None
        parent, symbol = free[rng.integers(len(free))]
        table[parent, symbol] = new
    free = np.argwhere(table == DEAD)
    extra = t - (n - 1)
    chosen = free[rng.choice(len(free), size=extra, replace=False)]
    table[chosen[:, 0], chosen[:, 1]] = rng.integers(n, size=extra)
    if len(np.unique(np.nonzero(table != DEAD)[1])) < k:
        return None
    return table


def _draw_accepting(rng: np.random.Generator, table: np.ndarray, f: int) -> np.ndarray | None:
    n = table.shape[0]
    sinks = np.flatnonzero((table == DEAD).all(axis=1))
    if len(sinks) > f:
        return None
    others = np.setdiff1d(np.arange(n), sinks)
    picked = rng.choice(others, size=f - len(sinks), replace=False)
    accepting = np.zeros(n, dtype=bool)
    accepting[sinks] = True
    accepting[picked] = True
    return accepting


def _minimal_if_on_target(
    table: np.ndarray, accepting: np.ndarray, alphabet: tuple[str, ...], spec: RandomDFASpec
) -> CompactDFA | None:
    transitions = {
        q: {s: int(table[q, i]) for i, s in enumerate(alphabet) if table[q, i] != DEAD}
        for q in range(table.shape[0])
    }
    final = frozenset(int(q) for q in np.flatnonzero(accepting))
    try:
        trimmed = CompactDFA.from_transition_map(transitions, 0, final, alphabet)
    except EmptyLanguageError:
        return None
    if trimmed.n_states != spec.states:  # some state cannot reach an accepting one
        return None
    minimal = CompactDFA.from_automata_lib(trimmed.to_automata_lib().minify(), alphabet)
    on_target = (
        minimal.n_states == spec.states
        and minimal.n_transitions == spec.transitions
        and minimal.n_accepting == spec.accepting
    )
    return minimal if on_target else None
