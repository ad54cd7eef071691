"""Random PCFGs with exact targets: nonterminals, rules and terminals.

A draw gives each nonterminal one rule of terminals only (so every nonterminal can end) and
shares the remaining rules among the nonterminals at random. Those rules have 1 to 3 symbols,
each a nonterminal with probability 0.4, else a terminal. Rule probabilities are Dirichlet(1)
per nonterminal. A draw is kept when every nonterminal is reachable from the start and every
terminal is used; otherwise it redraws from the same stream, up to :data:`MAX_TRIES` times.
Then, if the expected-children matrix has a spectral radius above :data:`TARGET_RADIUS`, the
recursive rules of every nonterminal are scaled down together (their mass moved to its
terminating rule) until the radius is exactly that, so the expected string length is finite
and moderate. The same targets and seed give the same grammar.
"""

from __future__ import annotations

import numpy as np

from regscale.errors import ImpossibleTargetsError
from regscale.sources.grammar import Grammar, grammar_from_rules

MAX_TRIES = 1000
"""Draws before the targets are declared unreachable."""

TARGET_RADIUS = 0.7
"""Largest spectral radius of the expected-children matrix a random grammar keeps."""

NONTERMINAL_SHARE = 0.4
"""Chance that a symbol of a non-terminating rule is a nonterminal."""


def random_grammar(nonterminals: int, rules: int, alphabet_size: int, seed: int) -> Grammar:
    """A random proper, consistent PCFG with exactly these counts (module docstring).

    Raises
    ------
    ImpossibleTargetsError
        Targets no grammar meets, or that no draw met within :data:`MAX_TRIES`.
    """
    n, r, k = nonterminals, rules, alphabet_size
    if n < 1 or k < 1 or not 1 <= k <= 26:
        raise ImpossibleTargetsError(f"a random grammar needs nonterminals >= 1 and 1..26 "
                                     f"terminals, got nonterminals={n}, k={k}")
    if r < n or (n > 1 and r < n + 1):
        raise ImpossibleTargetsError(
            f"rules={r} cannot serve nonterminals={n}: each nonterminal needs a rule that ends, "
            "and reaching more than one needs at least one rule more (rules >= nonterminals + 1)")
    names = ["S", *[chr(ord("A") + i) for i in range(n - 1)]] if n <= 27 else \
        [f"N{i}" for i in range(n)]
    letters = [chr(ord("a") + i) for i in range(k)]
    rng = np.random.default_rng(seed)
    for _ in range(MAX_TRIES):
        drawn = _draw(rng, names, letters, r)
        if drawn is not None:
            return _subcritical(drawn, names)
    raise ImpossibleTargetsError(
        f"no random grammar with nonterminals={n}, rules={r}, k={k} reached every nonterminal "
        f"and used every terminal in {MAX_TRIES} draws; give more rules or fewer terminals")


def _draw(rng: np.random.Generator, names: list[str], letters: list[str],
          r: int) -> list[tuple[str, tuple[str, ...], float]] | None:
    n = len(names)
    counts = np.ones(n, dtype=np.int64) + rng.multinomial(r - n, np.ones(n) / n)
    out: list[tuple[str, tuple[str, ...], float]] = []
    for i, name in enumerate(names):
        weights = rng.dirichlet(np.ones(int(counts[i])))
        ending = tuple(rng.choice(letters, size=int(rng.integers(1, 3))))
        out.append((name, ending, float(weights[0])))
        for j in range(1, int(counts[i])):
            size = int(rng.integers(1, 4))
            rhs = tuple(str(rng.choice(names)) if rng.random() < NONTERMINAL_SHARE
                        else str(rng.choice(letters)) for _ in range(size))
            out.append((name, rhs, float(weights[j])))
    rules = [(lhs, rhs) for lhs, rhs, _ in out]
    if len(set(rules)) < len(rules):
        return None  # two identical rules: the count would be off
    used = {s for _, rhs, _ in out for s in rhs}
    if not set(letters) <= used or not _reachable(out, names):
        return None
    return out


def _reachable(rules: list[tuple[str, tuple[str, ...], float]], names: list[str]) -> bool:
    seen, frontier = {names[0]}, [names[0]]
    while frontier:
        a = frontier.pop()
        for lhs, rhs, _ in rules:
            if lhs == a:
                for s in rhs:
                    if s in names and s not in seen:
                        seen.add(s)
                        frontier.append(s)
    return len(seen) == len(names)


def _subcritical(rules: list[tuple[str, tuple[str, ...], float]], names: list[str]) -> Grammar:
    """Scale every recursive rule by one factor so the spectral radius is at most the target."""
    def radius(scale: float) -> float:
        m = np.zeros((len(names), len(names)))
        index = {a: i for i, a in enumerate(names)}
        for lhs, rhs, p in rules:
            for s in rhs:
                if s in index and any(t in index for t in rhs):
                    m[index[lhs], index[s]] += p * scale
        return float(np.abs(np.linalg.eigvals(m)).max())

    scale = 1.0
    if radius(1.0) > TARGET_RADIUS:
        low, high = 0.0, 1.0
        for _ in range(60):  # the radius is linear in the scale: bisection is exact enough
            mid = (low + high) / 2
            low, high = (mid, high) if radius(mid) <= TARGET_RADIUS else (low, mid)
        scale = low
    table: dict[str, float] = {}
    recursive_mass = {a: 0.0 for a in names}
    for lhs, rhs, p in rules:
        if any(s in names for s in rhs):
            recursive_mass[lhs] += p * (1 - scale)
    for lhs, rhs, p in rules:
        recursive = any(s in names for s in rhs)
        text = f"{lhs} -> {' '.join(rhs)}"
        table[text] = p * scale if recursive else p
    for a in names:  # the terminating rule (the first rule of a) takes the mass moved
        first = next(f"{lhs} -> {' '.join(rhs)}" for lhs, rhs, _ in rules if lhs == a)
        table[first] += recursive_mass[a]
    return grammar_from_rules(table, start=names[0])
