"""Factorial designs of random DFAs: states x transitions per state, several automata per cell,
and an entropy axis at fixed automata.

A sweep file's ``[design]`` table replaces its ``languages`` with the design's::

    [design]
    states = [4, 8, 16, 32, 64]              # n: at least 2 levels
    transitions_per_state = [1.5, 2.5, 3.5]  # t/n over k symbols (t = round(n * t/n))
    alphabet_size = 4                        # k
    accepting_fraction = 0.25                # f = max(1, round(n * fraction))
    automata = 3                             # DFA seeds per (n, t/n) cell: the replicates
    mean_length = 8                          # p_stop solved per automaton (none = p_stop 0.2)
    concentrations = [0.3]                   # the entropy axis: the dirichlet policy at these
    entropy_automata = 1                     #   concentrations, for the first seeds of each cell
    tuning = "corners"                       # tune learning rates on the corner cells only

Each language is a ``dfa:`` spec (:mod:`regscale.sources.catalog`), so a run's config says
exactly which automaton and policy it trained on; :func:`automaton_of` recovers the automaton
(the replicate a cluster bootstrap resamples) from a language name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from regscale.config_io import check_fields
from regscale.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class DesignConfig:
    """A crossed design of random minimal DFAs (module docstring)."""

    states: tuple[int, ...]  # levels of n
    transitions_per_state: tuple[float, ...]  # levels of t/n
    alphabet_size: int = 4  # k
    accepting_fraction: float = 0.25  # accepting states per state
    automata: int = 3  # DFA seeds per cell
    mean_length: float | None = 8.0  # target mean string length; None = the policy's p_stop
    concentrations: tuple[float, ...] = ()  # dirichlet concentrations: the entropy axis
    entropy_automata: int = 1  # seeds per cell that also get each concentration
    tuning: Literal["all", "corners"] = "all"  # which languages tune the learning rates

    def __post_init__(self) -> None:
        check_fields(self)
        object.__setattr__(self, "states", tuple(int(n) for n in self.states))
        object.__setattr__(self, "transitions_per_state",
                           tuple(float(r) for r in self.transitions_per_state))
        object.__setattr__(self, "concentrations", tuple(float(c) for c in self.concentrations))
        k = self.alphabet_size
        if not self.states or not self.transitions_per_state:
            raise ConfigError("a design needs at least one level of states and of "
                              "transitions_per_state")
        if k < 1 or min(self.states) < 1:
            raise ConfigError("a design needs alphabet_size >= 1 and states >= 1")
        for n in self.states:
            for ratio in self.transitions_per_state:
                t = round(n * ratio)
                if not n - 1 <= t <= n * k:
                    raise ConfigError(f"design cell n={n}, t/n={ratio}: t={t} must lie in "
                                      f"{n - 1}..{n * k} (connected, at most k per state)")
        if not 0.0 < self.accepting_fraction <= 1.0:
            raise ConfigError(f"accepting_fraction must be in (0, 1], got "
                              f"{self.accepting_fraction}")
        if self.automata < 1 or not 0 <= self.entropy_automata <= self.automata:
            raise ConfigError("a design needs automata >= 1 and 0 <= entropy_automata <= "
                              "automata")
        if any(c <= 0 for c in self.concentrations):
            raise ConfigError(f"concentrations must be > 0, got {list(self.concentrations)}")
        if self.tuning not in ("all", "corners"):
            raise ConfigError(f"design tuning must be 'all' or 'corners', got {self.tuning!r}")

    def automaton(self, n: int, ratio: float, seed: int) -> str:
        """The ``dfa:`` targets of one automaton of the design."""
        f = max(1, round(n * self.accepting_fraction))
        return f"dfa:n={n},t={round(n * ratio)},f={f},k={self.alphabet_size},seed={seed}"

    def _policy(self, concentration: float | None, seed: int) -> str:
        length = "" if self.mean_length is None else f",len={self.mean_length:g}"
        if concentration is None:
            return length
        return f"{length},policy=dirichlet,c={concentration:g},pseed={seed}"

    def languages(self) -> tuple[str, ...]:
        """Every language: each cell's automata under the walk policy, then the entropy axis
        (each concentration on the first ``entropy_automata`` seeds of each cell)."""
        walk = [self.automaton(n, r, s) + self._policy(None, s)
                for n in self.states for r in self.transitions_per_state
                for s in range(self.automata)]
        entropy = [self.automaton(n, r, s) + self._policy(c, s)
                   for c in self.concentrations for n in self.states
                   for r in self.transitions_per_state for s in range(self.entropy_automata)]
        return tuple(walk + entropy)

    def tuning_languages(self) -> tuple[str, ...]:
        """The languages that tune the learning rates: all (``()``), or seed 0 of the four
        corner cells under the walk policy (``corners``)."""
        if self.tuning == "all":
            return ()
        corners = {(n, r) for n in (min(self.states), max(self.states))
                   for r in (min(self.transitions_per_state), max(self.transitions_per_state))}
        return tuple(self.automaton(n, r, 0) + self._policy(None, 0)
                     for n, r in sorted(corners))


def automaton_of(language: str) -> str:
    """The automaton a language samples: a ``dfa:`` spec without its policy keys; any other
    name is its own automaton."""
    if not language.startswith("dfa:"):
        return language
    keep = [part for part in language[len("dfa:"):].split(",")
            if part.split("=", 1)[0].strip() in {"n", "t", "f", "k", "seed"}]
    return "dfa:" + ",".join(keep)
