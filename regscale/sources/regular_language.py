"""A regular language as an exact source: its definition, minimal DFA and compiled policy.

A language is defined by one of: a regex (:class:`RegexSpec`), an explicit DFA
(:class:`ExplicitDFASpec`), random-DFA targets (:class:`RandomDFASpec`) or a random regex of a
given syntax-tree size (:class:`RandomRegexSpec`), plus a sampling policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.automata.complexity import Complexity, measure_complexity
from regscale.automata.random_dfa import RandomDFASpec, random_min_dfa
from regscale.automata.random_regex import random_regex
from regscale.automata.regex_to_dfa import DEFAULT_MAX_STATES, min_dfa_from_regex
from regscale.errors import ConfigError
from regscale.sources.automaton import ProbabilisticAutomaton
from regscale.sources.natural_language import CorpusSpec
from regscale.sources.policies import PolicyConfig, compile_policy


@dataclass(frozen=True, kw_only=True)
class RegexSpec:
    """A language given by a regex (``re.fullmatch`` semantics)."""

    regex: str  # the pattern, in the supported subset
    alphabet: str | None = None  # symbols; default: those in the regex


@dataclass(frozen=True, kw_only=True)
class ExplicitDFASpec:
    """A language given by a DFA table; it is minimised and trimmed on load."""

    alphabet: str  # symbols, one character each
    transitions: tuple[tuple[int, ...], ...]  # row per state: next state per symbol, -1 = none
    accepting: tuple[int, ...]  # accepting states
    start: int = 0  # start state

    def __post_init__(self) -> None:
        n, k = len(self.transitions), len(self.alphabet)
        bad_row = any(len(row) != k for row in self.transitions)
        bad_target = any(not -1 <= t < n for row in self.transitions for t in row)
        if n == 0 or bad_row or bad_target or not 0 <= self.start < n:
            raise ConfigError(
                f"DFA table must have rows of {k} entries in -1..{n - 1} and a valid start"
            )
        if any(not 0 <= q < n for q in self.accepting):
            raise ConfigError(f"accepting states must be in 0..{n - 1}")


@dataclass(frozen=True, kw_only=True)
class RandomRegexSpec:
    """A random regex of an exact syntax-tree size."""

    size: int  # syntax-tree nodes
    alphabet_size: int  # symbols a, b, c, ...
    seed: int = 0  # same seed, same regex


LanguageSpec = RegexSpec | ExplicitDFASpec | RandomDFASpec | RandomRegexSpec | CorpusSpec
"""Every language definition; :class:`CorpusSpec` is a natural language (no automaton)."""

SPEC_KINDS: dict[str, type[LanguageSpec]] = {
    "regex": RegexSpec,
    "dfa": ExplicitDFASpec,
    "random_dfa": RandomDFASpec,
    "random_regex": RandomRegexSpec,
    "corpus": CorpusSpec,
}
"""Kind name (a language file's table, a run config's ``spec.kind``) -> definition class."""


@dataclass(frozen=True, kw_only=True)
class LanguageConfig:
    """A named language and, for a regular one, how it is sampled."""

    name: str  # catalog name or a generated one
    spec: LanguageSpec  # the definition
    policy: PolicyConfig = field(default_factory=PolicyConfig)  # how strings are drawn
    description: str = ""  # one line for people
    max_states: int = DEFAULT_MAX_STATES  # limit during subset construction

    def __post_init__(self) -> None:
        if self.max_states < 1:
            raise ConfigError(f"max_states must be >= 1, got {self.max_states}")


def build_min_dfa(spec: LanguageSpec, *, max_states: int = DEFAULT_MAX_STATES) -> CompactDFA:
    """The trimmed minimal DFA of a language definition (regular languages only)."""
    if isinstance(spec, CorpusSpec):
        raise ConfigError(f"corpus {spec.corpus}:{spec.version} is a natural language; it has "
                          "no automaton")
    if isinstance(spec, RegexSpec):
        return min_dfa_from_regex(spec.regex, alphabet=spec.alphabet, max_states=max_states)
    if isinstance(spec, RandomRegexSpec):
        pattern = random_regex(spec.size, spec.alphabet_size, spec.seed)
        return min_dfa_from_regex(pattern, max_states=max_states)
    if isinstance(spec, RandomDFASpec):
        return random_min_dfa(spec)
    table = {
        q: {s: t for s, t in zip(spec.alphabet, row, strict=True) if t != DEAD}
        for q, row in enumerate(spec.transitions)
    }
    alphabet = tuple(spec.alphabet)
    trimmed = CompactDFA.from_transition_map(table, spec.start, frozenset(spec.accepting),
                                             alphabet)
    return CompactDFA.from_automata_lib(trimmed.to_automata_lib().minify(), alphabet)


@dataclass(frozen=True, eq=False)
class RegularLanguage:
    """A built regular language: config, minimal DFA and the compiled sampling policy."""

    config: LanguageConfig
    dfa: CompactDFA
    automaton: ProbabilisticAutomaton

    @classmethod
    def build(cls, config: LanguageConfig) -> RegularLanguage:
        """Build the minimal DFA and compile the policy (raises the errors of both)."""
        dfa = build_min_dfa(config.spec, max_states=config.max_states)
        return cls(config=config, dfa=dfa, automaton=compile_policy(dfa, config.policy))

    @property
    def name(self) -> str:
        """The language's name."""
        return self.config.name

    @property
    def vocab_size(self) -> int:
        """Symbols + SEP."""
        return self.dfa.vocab_size

    @cached_property
    def complexity(self) -> Complexity:
        """The complexity measures (exact)."""
        return measure_complexity(self.dfa, self.automaton)

    def regex(self) -> str | None:
        """The defining regex, where there is one."""
        spec = self.config.spec
        if isinstance(spec, RegexSpec):
            return spec.regex
        if isinstance(spec, RandomRegexSpec):
            return random_regex(spec.size, spec.alphabet_size, spec.seed)
        return None

    def accepts_tokens(self, tokens: Iterable[int]) -> bool:
        """Whether a token sequence (symbols only, ids >= 1; SEP rejects) spells a word."""
        state = self.dfa.run_symbols(int(t) - 1 for t in tokens)
        return state != DEAD and bool(self.dfa.accepting[state])
