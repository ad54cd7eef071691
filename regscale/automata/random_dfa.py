"""Random minimal DFAs with exact complexity targets.

A draw builds a partial DFA on ``n`` states whose reachability comes from a random spanning
tree rooted at the start, adds random transitions up to ``t``, makes every sink accepting and
picks the other accepting states at random, then keeps the draw only if it is co-reachable, uses
every symbol, and minimisation (:mod:`regscale.automata.minimize`) leaves exactly ``n`` live
states, ``t`` live transitions and ``f`` accepting states. Otherwise it redraws, up to
``max_tries`` times. A draw with two sinks is rejected before minimising (the sinks accept and
have no move, so they merge).

Sparse targets at scale (below about two transitions per state, hundreds of states) leave
dozens of sinks or merged states in every draw, so rejection cannot meet them. A draw that far
off (more than ``FAR_OFF`` sinks or merged states), or ``max_tries`` failed draws, hands over
to construction and repair (:mod:`regscale.automata.random_dfa_construction`, whose docstring
states its law), from the same random stream. Targets the rejection sampler meets within
``max_tries`` draws give the DFA they always gave.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.automata.minimize import breadth_first, minimize
from regscale.automata.random_dfa_construction import (
    co_reachable_states,
    construct,
    draw_accepting,
)
from regscale.config_io import check_fields
from regscale.errors import ConfigError, ImpossibleTargetsError

FAR_OFF = 30
"""A draw with more sinks or merged states than this hands over to construction at once: the
rejection sampler's chance of a hit is then negligible (below 1e-11 for Poisson counts)."""

CONSTRUCTIONS = 20
"""Constructions tried, each with its repair rounds, before the targets are called impossible."""

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
        check_fields(self)
        check_targets(self.states, self.transitions, self.accepting, self.alphabet_size)
        if self.seed < 0:
            raise ConfigError(f"a random DFA's seed must be >= 0, got {self.seed}")

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


def random_min_dfa(spec: RandomDFASpec, *, max_tries: int = 500) -> CompactDFA:
    """Draw a random minimal DFA hitting ``spec`` exactly.

    Parameters
    ----------
    spec
        The targets and the seed.
    max_tries
        Rejection draws before construction takes over.

    Returns
    -------
    CompactDFA
        ``n_states == spec.states``, ``n_transitions == spec.transitions``,
        ``n_accepting == spec.accepting``, alphabet of ``spec.alphabet_size`` symbols.

    Raises
    ------
    ImpossibleTargetsError
        Targets that no minimal DFA meets, or none met by rejection or construction.
    """
    rng = np.random.default_rng(spec.seed)
    alphabet = tuple(SYMBOLS[: spec.alphabet_size])
    tries = 0
    while tries < max_tries:
        tries += 1
        table = _draw_structure(rng, spec.states, spec.transitions, spec.alphabet_size)
        if table is None:
            continue
        sinks = np.count_nonzero((table == DEAD).all(axis=1))
        if sinks > FAR_OFF:
            break
        accepting = draw_accepting(rng, table, spec.accepting)
        if accepting is None or sinks > 1:  # several sinks accept and have no move: they merge
            continue
        candidate, merged = _minimal_if_on_target(table, accepting, alphabet, spec)
        if candidate is not None:
            return candidate
        if merged > FAR_OFF:
            break
    for _ in range(CONSTRUCTIONS):
        built = construct(rng, spec.states, spec.transitions, spec.accepting,
                          spec.alphabet_size)
        if built is not None:
            candidate, _ = _minimal_if_on_target(*built, alphabet, spec)
            if candidate is not None:
                return candidate
    raise ImpossibleTargetsError(
        f"no minimal DFA met the targets of {spec.name} in {tries} random draws and "
        f"{CONSTRUCTIONS} constructions; the targets are likely impossible (e.g. too many "
        "accepting states to stay minimal)"
    )


def _draw_structure(
    rng: np.random.Generator, n: int, t: int, k: int
) -> np.ndarray | None:
    table = np.full((n, k), DEAD, dtype=np.int64)
    # Random spanning tree: state m hangs off a free slot (state, symbol) of the states before
    # it, the r-th in row-major order; m * k - (m - 1) slots are free then, so the draws of r
    # are taken in one call (the same numbers as one call per state).
    picks = rng.integers(np.arange(1, n) * (k - 1) + 1) if n > 1 else np.zeros(0, np.int64)
    for new, slot in enumerate(_free_slots(picks.tolist(), n, k), start=1):
        table[divmod(slot, k)] = new
    free = np.argwhere(table == DEAD)
    extra = t - (n - 1)
    chosen = free[rng.choice(len(free), size=extra, replace=False)]
    table[chosen[:, 0], chosen[:, 1]] = rng.integers(n, size=extra)
    if len(np.unique(np.nonzero(table != DEAD)[1])) < k:
        return None
    return table


def _free_slots(picks: list[int], n: int, k: int) -> list[int]:
    """The slots ``picks`` name: for state ``m = 1, 2, ...`` the ``picks[m - 1]``-th slot, in
    row-major order, that is still free among the slots of states ``0..m-1``. A Fenwick tree
    over the ``n k`` slots finds each in ``O(log nk)``."""
    size = n * k
    tree = [0] * (size + 1)

    def add(slot: int, value: int) -> None:
        i = slot + 1
        while i <= size:
            tree[i] += value
            i += i & -i

    top = 1 << max(size.bit_length() - 1, 0)
    chosen = []
    for m, rank in enumerate(picks, start=1):
        for slot in range((m - 1) * k, m * k):  # the slots of state m - 1 become available
            add(slot, 1)
        position, remaining, step = 0, rank, top  # the (rank + 1)-th available slot
        while step:
            if position + step <= size and tree[position + step] <= remaining:
                position += step
                remaining -= tree[position]
            step >>= 1
        chosen.append(position)
        add(position, -1)
    return chosen


def _minimal_if_on_target(
    table: np.ndarray, accepting: np.ndarray, alphabet: tuple[str, ...], spec: RandomDFASpec
) -> tuple[CompactDFA | None, int]:
    """The minimal DFA of the draw if it meets the targets, else None; and how many states
    minimisation merged away (0 when some state cannot reach an accepting one, which rejects the
    draw before minimising). Every state is reachable (the spanning tree)."""
    if not co_reachable_states(table, accepting).all():
        return None, 0
    minimal = minimize(breadth_first(table, accepting, 0, alphabet))
    on_target = (
        minimal.n_states == spec.states
        and minimal.n_transitions == spec.transitions
        and minimal.n_accepting == spec.accepting
    )
    return (minimal if on_target else None), spec.states - minimal.n_states
