"""What a language is, as configuration: its definition (spec), sampling policy and limits.

A regular language is defined by a regex (:class:`RegexSpec`), an explicit DFA
(:class:`ExplicitDFASpec`), random-DFA targets (:class:`RandomDFASpec`) or a random regex of a
given syntax-tree size (:class:`RandomRegexSpec`); a context-free one by a PCFG
(:class:`~regscale.sources.grammar_spec.GrammarSpec`) or random-grammar targets
(:class:`~regscale.sources.grammar_spec.RandomGrammarSpec`); a natural language by a corpus
(:class:`CorpusSpec`). Every spec class states its ``kind`` (the table name in a language file and
``spec.kind`` in a run's ``config.json``) and whether it is ``natural``, so nothing downstream
needs to ask for its type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from regscale.automata.random_dfa import RandomDFASpec
from regscale.automata.regex_to_dfa import DEFAULT_MAX_STATES
from regscale.config_io import check_fields
from regscale.errors import ConfigError
from regscale.sources.grammar_spec import GrammarSpec, RandomGrammarSpec
from regscale.sources.natural_language import CorpusSpec
from regscale.sources.policies import PolicyConfig


@dataclass(frozen=True, kw_only=True)
class RegexSpec:
    """A language given by a regex (``re.fullmatch`` semantics)."""

    kind: ClassVar[str] = "regex"
    natural: ClassVar[Literal[False]] = False

    regex: str  # the pattern, in the supported subset
    alphabet: str | None = None  # symbols; default: those in the regex

    def __post_init__(self) -> None:
        check_fields(self)
        if self.alphabet is not None and len(set(self.alphabet)) != len(self.alphabet):
            raise ConfigError(f"alphabet {self.alphabet!r} repeats a symbol")


@dataclass(frozen=True, kw_only=True)
class ExplicitDFASpec:
    """A language given by a DFA table; it is minimised and trimmed on load."""

    kind: ClassVar[str] = "dfa"
    natural: ClassVar[Literal[False]] = False

    alphabet: str  # symbols, one character each
    transitions: tuple[tuple[int, ...], ...]  # row per state: next state per symbol, -1 = none
    accepting: tuple[int, ...]  # accepting states
    start: int = 0  # start state

    def __post_init__(self) -> None:
        check_fields(self)
        if len(set(self.alphabet)) != len(self.alphabet):
            raise ConfigError(f"alphabet {self.alphabet!r} repeats a symbol")
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

    kind: ClassVar[str] = "random_regex"
    natural: ClassVar[Literal[False]] = False

    size: int  # syntax-tree nodes
    alphabet_size: int  # symbols a, b, c, ...
    seed: int = 0  # same seed, same regex

    def __post_init__(self) -> None:
        check_fields(self)


LanguageSpec = (RegexSpec | ExplicitDFASpec | RandomDFASpec | RandomRegexSpec | GrammarSpec
                | RandomGrammarSpec | CorpusSpec)
"""Every language definition; :class:`CorpusSpec` is a natural language (no automaton),
:class:`GrammarSpec` and :class:`RandomGrammarSpec` context-free ones (a PCFG)."""

SPEC_KINDS: dict[str, type[LanguageSpec]] = {
    cls.kind: cls for cls in (RegexSpec, ExplicitDFASpec, RandomDFASpec, RandomRegexSpec,
                              GrammarSpec, RandomGrammarSpec, CorpusSpec)
}

CONTEXT_FREE_KINDS = (GrammarSpec.kind, RandomGrammarSpec.kind)
"""Spec kinds of context-free languages."""
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
        check_fields(self)
        if self.max_states < 1:
            raise ConfigError(f"max_states must be >= 1, got {self.max_states}")

    @property
    def natural(self) -> bool:
        """Whether this is a corpus (bytes, no automaton, no exact floor)."""
        return self.spec.natural
