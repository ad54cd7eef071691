"""A regular language as an exact source: its minimal DFA and compiled sampling policy.

Built from a :class:`~regscale.sources.language_config.LanguageConfig` whose spec is a regex, an
explicit DFA, random-DFA targets or a random regex.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from regscale.automata.compact_dfa import DEAD, CompactDFA
from regscale.automata.random_dfa import RandomDFASpec, random_min_dfa
from regscale.automata.random_regex import random_regex
from regscale.automata.regex_to_dfa import DEFAULT_MAX_STATES, min_dfa_from_regex
from regscale.errors import ConfigError, StateLimitError
from regscale.sources.automaton import ProbabilisticAutomaton
from regscale.sources.complexity import Complexity, measure_complexity
from regscale.sources.language_config import (
    ExplicitDFASpec,
    LanguageConfig,
    LanguageSpec,
    RandomRegexSpec,
    RegexSpec,
)
from regscale.sources.policies import compile_policy


def build_min_dfa(spec: LanguageSpec, *, max_states: int = DEFAULT_MAX_STATES) -> CompactDFA:
    """The trimmed minimal DFA of a language definition (regular languages only)."""
    if isinstance(spec, RegexSpec):
        return min_dfa_from_regex(spec.regex, alphabet=spec.alphabet, max_states=max_states)
    if isinstance(spec, RandomRegexSpec):
        pattern = random_regex(spec.size, spec.alphabet_size, spec.seed)
        return min_dfa_from_regex(pattern, max_states=max_states)
    if isinstance(spec, RandomDFASpec):
        if spec.states > max_states:  # refused up front: construction grows faster than n
            raise StateLimitError(
                f"a random DFA of {spec.states} states is over the state limit of {max_states} "
                "states (10,000 states build in under a second, 100,000 in about a minute); "
                "raise it with --max-states or max_states in a language file")
        return random_min_dfa(spec)
    if isinstance(spec, ExplicitDFASpec):
        table = {
            q: {s: t for s, t in zip(spec.alphabet, row, strict=True) if t != DEAD}
            for q, row in enumerate(spec.transitions)
        }
        alphabet = tuple(spec.alphabet)
        trimmed = CompactDFA.from_transition_map(table, spec.start, frozenset(spec.accepting),
                                                 alphabet)
        return CompactDFA.from_automata_lib(trimmed.to_automata_lib().minify(), alphabet)
    raise ConfigError(f"{spec} is a natural language; it has no automaton")


@dataclass(frozen=True, eq=False)
class RegularLanguage:
    """A built regular language: config, minimal DFA and the compiled sampling policy."""

    config: LanguageConfig
    dfa: CompactDFA
    automaton: ProbabilisticAutomaton

    natural: Literal[False] = False  # an exact source: a DFA, exact floors and acceptance
    finite_tokens: None = None  # an unbounded stream of strings

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

    @property
    def alphabet(self) -> tuple[str, ...]:
        """The symbols; symbol i is token i + 1."""
        return self.dfa.alphabet

    @property
    def mean_string_length(self) -> float:
        """E|W| in symbols under the policy."""
        return self.automaton.mean_string_length

    def sample_words(self, count: int, *, seed: int) -> list[str]:
        """``count`` i.i.d. strings under the policy; same seed, same strings."""
        from regscale.sources.strings import sample_strings

        return sample_strings(self.automaton, self.dfa, count, seed=seed)

    def accepts_tokens(self, tokens: Iterable[int]) -> bool:
        """Whether a token sequence (symbols only, ids >= 1; SEP rejects) spells a word."""
        state = self.dfa.run_symbols(int(t) - 1 for t in tokens)
        return state != DEAD and bool(self.dfa.accepting[state])
