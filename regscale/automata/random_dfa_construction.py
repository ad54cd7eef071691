"""Random DFAs for targets the rejection sampler cannot meet: construction, then repair.

:func:`regscale.automata.random_dfa.random_min_dfa` first draws structures at random and keeps
one that is already minimal. Below about two transitions per state that fails at scale: a draw
leaves dozens of states without a move (they all accept, so they merge) and many states with
one move that collide. When its draws are far off the targets, or it runs out of tries, it
calls :func:`construct`, whose law is:

1. **Tree.** State ``m = 1 .. n-1`` hangs off a free slot (state, symbol) of the states before
   it: uniformly among all free slots while the tree has fewer than ``t - n + 2`` leaves, and
   uniformly among its leaves' slots once it has that many. So no more leaves than there are
   transitions left to give them moves.
2. **Moves.** Every leaf but one, chosen at random, gets a transition on a random symbol to a
   random state. The leaf left over is the only state without a move; it accepts. The other
   transitions go to random free slots with random targets, as in the rejection sampler.
3. **Acceptance.** The state without a move and ``f - 1`` others at random accept.
4. **Repair rounds**, at most ``rounds``. Each unused symbol first takes a transition from a
   symbol used more than once: one outside the tree moves to a random free slot of the unused
   symbol, a tree transition is relabelled in its own state. Then, if some states reach no
   accepting state, each of them that has a transition outside the tree points it at a random
   state that does. Otherwise, in every class of equivalent states one member, at random, is
   kept and each other member makes one repair, chosen at random among those open to it: point
   one of its transitions outside the tree at another random state; take a transition outside
   the tree from a random state with two or more moves and give the member a move in a free
   slot; or swap acceptance with a random state of the other kind. A round that finds the DFA
   minimal ends the repair.

Repairs relabel tree transitions but never redirect them, so every state stays reachable; they
keep the numbers of states, transitions and accepting states, and leave at most one state
without a move, which accepts. The draws are not uniform over the minimal DFAs of the targets
(neither are the rejection sampler's); the law above is what a study states when it uses them.
"""

from __future__ import annotations

import numpy as np

from regscale.automata.compact_dfa import DEAD
from regscale.automata.minimize import equivalence_classes


def co_reachable_states(table: np.ndarray, accepting: np.ndarray) -> np.ndarray:
    """``bool[n]``: the states that reach an accepting state, by a breadth-first search over
    the reversed transitions from an extra node that points at every accepting state."""
    import scipy.sparse as sp  # loaded when a random DFA is drawn, not when the CLI starts
    from scipy.sparse.csgraph import breadth_first_order

    n = table.shape[0]
    rows, symbols = np.nonzero(table != DEAD)
    finals = np.flatnonzero(accepting)
    sources = np.concatenate([table[rows, symbols], np.full(len(finals), n)])
    targets = np.concatenate([rows, finals])
    reverse = sp.csr_matrix((np.ones(len(sources)), (sources, targets)), shape=(n + 1, n + 1))
    reached = breadth_first_order(reverse, n, directed=True, return_predecessors=False)
    mask = np.zeros(n + 1, dtype=bool)
    mask[reached] = True
    return mask[:n]


def construct(rng: np.random.Generator, n: int, t: int, f: int, k: int, *,
              rounds: int = 200) -> tuple[np.ndarray, np.ndarray] | None:
    """A minimal DFA's transition table ``int64[n, k]`` (``DEAD`` for no move, state 0 the
    start) and accepting mask meeting the targets exactly, built by the law in the module's
    docstring; None when ``rounds`` repairs do not make it minimal or some symbol is unused."""
    table, tree = _tree(rng, n, k, leaves_allowed=t - n + 2)
    _add_moves(rng, table, t)
    accepting = draw_accepting(rng, table, f)
    if accepting is None:  # not reached: the tree leaves at most one state without a move
        return None
    for _ in range(rounds):
        if not _use_every_symbol(rng, table, tree):
            return None
        co_reachable = co_reachable_states(table, accepting)
        if not co_reachable.all():
            _reach_acceptance(rng, table, tree, co_reachable)
            continue
        classes = equivalence_classes(table, accepting)
        if int(classes.max()) + 1 == n:
            return table, accepting
        _separate(rng, table, tree, accepting, classes)
    return None


def _tree(rng: np.random.Generator, n: int, k: int,
          leaves_allowed: int) -> tuple[np.ndarray, np.ndarray]:
    """The spanning tree of step 1 and the mask of its transitions."""
    table = np.full((n, k), DEAD, dtype=np.int64)
    free = list(range(k))  # free slots state * k + symbol, in no order
    where = {slot: i for i, slot in enumerate(free)}
    leaves = [0]
    leaf_index = {0: 0}

    def take(items: list[int], index: dict[int, int], item: int) -> None:
        i = index.pop(item)
        last = items.pop()
        if last != item:
            items[i] = last
            index[last] = i

    for new in range(1, n):
        if len(leaves) < leaves_allowed:
            slot = free[int(rng.integers(len(free)))]
        else:
            slot = leaves[int(rng.integers(len(leaves)))] * k + int(rng.integers(k))
        parent = slot // k
        table[parent, slot % k] = new
        take(free, where, slot)
        if parent in leaf_index:
            take(leaves, leaf_index, parent)
        for s in range(new * k, new * k + k):
            where[s] = len(free)
            free.append(s)
        leaf_index[new] = len(leaves)
        leaves.append(new)
    return table, table != DEAD


def _add_moves(rng: np.random.Generator, table: np.ndarray, t: int) -> None:
    """Step 2: a move for every leaf but one, then the rest at random free slots."""
    n, k = table.shape
    leaves = np.flatnonzero((table == DEAD).all(axis=1))
    given = rng.permutation(leaves)[1:]
    table[given, rng.integers(k, size=len(given))] = rng.integers(n, size=len(given))
    free = np.argwhere(table == DEAD)
    extra = t - int(np.count_nonzero(table != DEAD))
    chosen = free[rng.choice(len(free), size=extra, replace=False)]
    table[chosen[:, 0], chosen[:, 1]] = rng.integers(n, size=extra)


def draw_accepting(rng: np.random.Generator, table: np.ndarray, f: int) -> np.ndarray | None:
    """Every state without a move (a sink) and others at random up to ``f`` accept; None when
    there are more sinks than ``f`` (the rejection sampler's step and step 3 here)."""
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


def _use_every_symbol(rng: np.random.Generator, table: np.ndarray, tree: np.ndarray) -> bool:
    """Give every unused symbol a transition taken from a symbol used more than once: one
    outside the tree moves to a random free slot of the unused symbol (of its own state if it
    was that state's only move); a tree transition is relabelled in its own state, so the tree
    stays a tree. False when no transition can move."""
    for symbol in np.flatnonzero(~(table != DEAD).any(axis=0)).tolist():
        moves = table != DEAD
        free_here = (table[:, [symbol]] == DEAD)
        spare = moves & (moves.sum(axis=0) >= 2)[None, :] & (
            (~tree & ((moves.sum(axis=1) >= 2)[:, None] | free_here)) | (tree & free_here))
        sources = np.argwhere(spare)
        if not len(sources):
            return False
        state, old = (int(x) for x in sources[int(rng.integers(len(sources)))])
        receiver = state
        if not tree[state, old] and moves[state].sum() >= 2:
            receiver = int(rng.choice(np.flatnonzero(table[:, symbol] == DEAD)))
        table[receiver, symbol], table[state, old] = table[state, old], DEAD
        tree[receiver, symbol], tree[state, old] = tree[state, old], False
    return True


def _reach_acceptance(rng: np.random.Generator, table: np.ndarray, tree: np.ndarray,
                      co_reachable: np.ndarray) -> None:
    """Each state that reaches no accepting state points one transition outside the tree at a
    random state that does."""
    good = np.flatnonzero(co_reachable)
    for state in np.flatnonzero(~co_reachable).tolist():
        own = np.flatnonzero((table[state] != DEAD) & ~tree[state])
        if len(own):
            table[state, int(rng.choice(own))] = int(rng.choice(good))


def _separate(rng: np.random.Generator, table: np.ndarray, tree: np.ndarray,
              accepting: np.ndarray, classes: np.ndarray) -> None:
    """One repair for every member of a class of equivalent states but one (step 4)."""
    n = table.shape[0]
    order = rng.permutation(n)
    _, first = np.unique(classes[order], return_index=True)
    kept = np.zeros(n, dtype=bool)
    kept[order[first]] = True
    for state in order[~kept[order]].tolist():
        own = np.flatnonzero((table[state] != DEAD) & ~tree[state])
        empty = np.flatnonzero(table[state] == DEAD)
        moves = table != DEAD
        donors = np.flatnonzero((moves.sum(axis=1) >= 2) & (moves & ~tree).any(axis=1))
        donors = donors[donors != state]
        moveless = ~moves.any(axis=1)
        swappable = np.flatnonzero((accepting != accepting[state]) & ~moveless)
        options = [name for name, open_ in (("redirect", len(own) and n > 1),
                                            ("move", len(empty) and len(donors)),
                                            ("swap", len(swappable) and not moveless[state]))
                   if open_]
        if not options:
            continue
        option = options[int(rng.integers(len(options)))]
        if option == "redirect":
            symbol = int(rng.choice(own))
            table[state, symbol] = (table[state, symbol] + 1 + rng.integers(n - 1)) % n
        elif option == "move":
            donor = int(rng.choice(donors))
            symbol = int(rng.choice(np.flatnonzero(moves[donor] & ~tree[donor])))
            table[donor, symbol] = DEAD
            table[state, int(rng.choice(empty))] = int(rng.integers(n))
        else:
            other = int(rng.choice(swappable))
            accepting[state], accepting[other] = accepting[other], accepting[state]
