"""Context-free language definitions, as configuration: a grammar's rules, or random targets.

In a language file::

    description = "Dyck-1: balanced brackets, nesting with probability 0.4"
    [grammar]
    start = "S"
    rules = ["S -> ( S ) S", "S ->"]
    probs = [0.4, 0.6]
    unambiguous = true   # checked: no string up to length 8 has two derivations

and ``cfg:nonterminals=6,rules=18,k=4,seed=0`` anywhere a language is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from regscale.config_io import check_fields
from regscale.errors import ConfigError
from regscale.sources.grammar import Grammar, grammar_from_rules
from regscale.sources.random_grammar import random_grammar


@dataclass(frozen=True, kw_only=True)
class GrammarSpec:
    """A PCFG given by its rules (``"A -> X Y"``) and their probabilities."""

    kind: ClassVar[str] = "grammar"
    natural: ClassVar[Literal[False]] = False

    rules: tuple[str, ...]  # "S -> ( S ) S"; an empty right side is the empty string
    probs: tuple[float, ...]  # one per rule; each nonterminal's sum to 1
    start: str | None = None  # default: the left side of the first rule
    unambiguous: bool = False  # declare it to get the exact entropy (it is checked)

    def __post_init__(self) -> None:
        check_fields(self)
        if len(self.rules) != len(self.probs):
            raise ConfigError(f"a grammar needs one probability per rule, got {len(self.rules)} "
                              f"rules and {len(self.probs)} probabilities")

    def build(self) -> Grammar:
        table: dict[str, float] = {}
        for rule, prob in zip(self.rules, self.probs, strict=True):
            key = " ".join(rule.split())
            if key in table:
                raise ConfigError(f"grammar rule {rule!r} is given twice")
            table[key] = prob
        return grammar_from_rules(table, start=self.start)


@dataclass(frozen=True, kw_only=True)
class RandomGrammarSpec:
    """A random PCFG with exact counts (:mod:`regscale.sources.random_grammar`)."""

    kind: ClassVar[str] = "random_grammar"
    natural: ClassVar[Literal[False]] = False

    nonterminals: int
    rules: int
    alphabet_size: int  # terminals a, b, c, ...
    seed: int = 0  # same seed, same grammar
    unambiguous: ClassVar[bool] = False  # never assumed: the entropy is estimated

    def __post_init__(self) -> None:
        check_fields(self)

    @property
    def name(self) -> str:
        return (f"cfg:nonterminals={self.nonterminals},rules={self.rules},"
                f"k={self.alphabet_size},seed={self.seed}")

    def build(self) -> Grammar:
        return random_grammar(self.nonterminals, self.rules, self.alphabet_size, self.seed)
