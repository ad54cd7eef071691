"""A built context-free language: its grammar, normal form, sampler tables and exact floors.

It answers what a regular language answers (``name``, ``vocab_size``, ``natural``,
``alphabet``, ``mean_string_length``, ``sample_words``, ``accepts_tokens``, ``complexity``) and,
in place of a Bayes filter over hidden states, :meth:`ContextFreeLanguage.floors`: the exact
next-token law at every token of a packed stream whose first token is SEP.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from regscale.sources.automaton import SEP
from regscale.sources.chains import CpuGenerator
from regscale.sources.grammar import Grammar
from regscale.sources.grammar_measures import (
    GrammarComplexity,
    check_unambiguous,
    estimate_string_entropy,
    measure_grammar,
)
from regscale.sources.grammar_normal_form import NormalForm, normal_form
from regscale.sources.grammar_sampler import GrammarTables, grammar_tables, sample_packed
from regscale.sources.grammar_spec import GrammarSpec, RandomGrammarSpec
from regscale.sources.language_config import LanguageConfig
from regscale.sources.prefix_probability import next_token_probabilities, string_probability

ENTROPY_SAMPLES = 4000
"""Strings sampled to estimate the entropy of a grammar not declared unambiguous."""

ENTROPY_SEED = 20_011
"""Seed of that sample (fixed: the estimate is a property of the language)."""


@dataclass(frozen=True, eq=False)
class ContextFreeLanguage:
    """A PCFG as a token source (module docstring)."""

    config: LanguageConfig
    grammar: Grammar
    form: NormalForm
    tables: GrammarTables

    natural: Literal[False] = False  # exact floors and acceptance, from the grammar
    finite_tokens: None = None  # an unbounded stream of strings

    @classmethod
    def build(cls, config: LanguageConfig) -> ContextFreeLanguage:
        spec = config.spec
        assert isinstance(spec, GrammarSpec | RandomGrammarSpec)
        grammar = spec.build()
        return cls(config=config, grammar=grammar, form=normal_form(grammar),
                   tables=grammar_tables(grammar))

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def alphabet(self) -> tuple[str, ...]:
        """Terminals; terminal i is token i + 1."""
        return self.grammar.alphabet

    @property
    def vocab_size(self) -> int:
        """Terminals + SEP."""
        return len(self.grammar.alphabet) + 1

    @property
    def mean_string_length(self) -> float:
        return self.grammar.mean_string_length

    @property
    def unambiguous(self) -> bool:
        return bool(self.config.spec.unambiguous)  # type: ignore[union-attr]

    @cached_property
    def complexity(self) -> GrammarComplexity:
        """The measures (exact, but the entropy rate where the grammar is not declared
        unambiguous: an estimate with its standard error)."""
        estimate = None
        if self.unambiguous:
            check_unambiguous(self.grammar, self.sample_words(300, seed=ENTROPY_SEED))
        else:
            words = self.sample_token_words(ENTROPY_SAMPLES, seed=ENTROPY_SEED)
            estimate = estimate_string_entropy(np.array(
                [math.log(string_probability(self.form, [t - 1 for t in w])) for w in words]))
        return measure_grammar(self.grammar, unambiguous=self.unambiguous,
                               entropy_estimate=estimate)

    @property
    def entropy_rate_nats(self) -> float:
        return self.complexity.entropy_rate_nats

    def packed(self, n_tokens: int, generator: CpuGenerator) -> np.ndarray:
        """At least ``n_tokens`` tokens of whole strings, each followed by SEP."""
        return sample_packed(self.tables, generator.master, n_tokens)

    def lane(self, n_tokens: int, generator: CpuGenerator) -> np.ndarray:
        """Exactly ``n_tokens`` tokens of the packed stream, starting at a SEP."""
        return np.concatenate([[SEP], self.packed(n_tokens - 1, generator)])[:n_tokens]

    def sample_token_words(self, count: int, *, seed: int | None = None,
                           generator: CpuGenerator | None = None) -> list[list[int]]:
        """``count`` i.i.d. strings as token lists (symbols 1..k, no SEP), from ``seed`` or
        from ``generator`` (advanced)."""
        if generator is None:
            generator = CpuGenerator(0 if seed is None else seed)
        words: list[list[int]] = []
        while len(words) < count:
            tokens = self.packed(max(64, 2 * (count - len(words)) * int(
                self.mean_string_length + 1)), generator).tolist()
            ends = [i for i, t in enumerate(tokens) if t == SEP]
            start = 0
            for end in ends:
                words.append(tokens[start:end])
                start = end + 1
        return words[:count]

    def sample_words(self, count: int, *, seed: int) -> list[str]:
        """``count`` i.i.d. strings; same seed, same strings."""
        return ["".join(self.alphabet[t - 1] for t in w)
                for w in self.sample_token_words(count, seed=seed)]

    def accepts_tokens(self, tokens: Iterable[int]) -> bool:
        """Whether a token sequence (symbols only, ids >= 1; SEP rejects) is a string of the
        language (its probability is positive)."""
        symbols = [int(t) - 1 for t in tokens]
        if any(s < 0 or s >= len(self.alphabet) for s in symbols):
            return False
        return string_probability(self.form, symbols) > 0

    def floors(self, tokens: Sequence[int]) -> np.ndarray:
        """``float64[len(tokens) - 1, V]``: the exact law of token t + 1 given tokens 0..t,
        for a packed stream whose token 0 is SEP (so every string's prefix is in view)."""
        if len(tokens) == 0 or tokens[0] != SEP:
            raise ValueError("a floor needs a stream that starts at a string boundary (SEP)")
        out = np.zeros((len(tokens) - 1, self.vocab_size))
        start = 1
        while start < len(tokens):
            end = start
            while end < len(tokens) and tokens[end] != SEP:
                end += 1
            word = [int(t) - 1 for t in tokens[start:end]]
            probs = next_token_probabilities(self.form, word)
            # row n of probs: the law after word[:n], i.e. of token start + n
            stop = min(end + 1, len(tokens))
            out[start - 1:stop - 1] = probs[:stop - start]
            start = end + 1
        return out

    def target_nll(self, tokens: Sequence[int] | np.ndarray) -> np.ndarray:
        """``float64[len(tokens) - 1]``: the exact floor (nats) of every target of a stream
        that starts at SEP."""
        listed = np.asarray(tokens, dtype=np.int64).tolist()
        return picked_nll(self.floors(listed), listed)


def picked_nll(laws: np.ndarray, tokens: Sequence[int] | np.ndarray) -> np.ndarray:
    """``-log laws[t, tokens[t + 1]]``: the floor of each target from its row of
    :meth:`ContextFreeLanguage.floors`."""
    targets = np.asarray(tokens, dtype=np.int64)[1:]
    out: np.ndarray = -np.log(laws[np.arange(len(targets)), targets])
    return out


WINDOW_FLOOR_ROWS = 256
"""Windows :func:`grammar_window_floor` averages over."""


def grammar_window_floor(language: ContextFreeLanguage, context: int, *,
                         seed: int = 0) -> dict[str, float]:
    """The mean exact floor of the ``context`` targets of a window that starts at a SEP (what
    a model of that context is scored against in evaluation), over :data:`WINDOW_FLOOR_ROWS`
    windows, with its standard error, in nats and bits."""
    generator = CpuGenerator(seed)
    means = []
    for _ in range(WINDOW_FLOOR_ROWS):
        means.append(float(language.target_nll(language.lane(context + 1, generator)).mean()))
    value = float(np.mean(means))
    se = float(np.std(means, ddof=1) / math.sqrt(len(means)))
    ln2 = math.log(2)
    return {"window_floor_nats": value, "window_floor_se_nats": se,
            "window_floor_bits": value / ln2, "window_floor_se_bits": se / ln2}

