"""What the training loop reads from a regular language: training streams and a fixed
evaluation set.

The evaluation set carries, per target token, the exact Bayes-optimal loss and the set of tokens
that keep the prefix live, so every evaluation reports excess loss and valid mass on the same
tokens.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

import torch

from regscale.sources.bayes_optimal import BayesFilter
from regscale.sources.chains import ChainTables, CpuGenerator
from regscale.sources.regular_language import RegularLanguage
from regscale.sources.sampler import TokenSampler
from regscale.sources.streams import FiniteTokens, ParallelStreams, TokenStream, WindowStream
from regscale.sources.strings import chain_tables, token_words
from regscale.training.eval_set import EvalSet
from regscale.training.finite_data import finite_stream

FINITE_CHUNK_WINDOWS = 16
"""A finite dataset is drawn as independent stationary chunks of this many windows."""


class RegularTrainingData:
    """Streams and evaluation data of a regular language on one device."""

    def __init__(self, language: RegularLanguage, device: torch.device) -> None:
        self.language = language
        self.device = device
        self.sampler = TokenSampler(language.automaton, device)
        self.filter = BayesFilter(language.automaton, language.dfa, device)

    natural: Literal[False] = False  # exact floors, valid mass and acceptance are available

    @property
    def vocab_size(self) -> int:
        """Tokens: symbols + SEP."""
        return self.language.vocab_size

    def train_stream(self, *, stateful: bool, batch_size: int, window: int, seed: int,
                     dataset_tokens: int | None) -> TokenStream:
        """Infinite fresh data, or a finite dataset of exactly ``dataset_tokens`` repeated."""
        if dataset_tokens is None:
            make = ParallelStreams if stateful else WindowStream
            return make(self.sampler, batch_size=batch_size, window=window, seed=seed)
        data = FiniteTokens.sample(self.sampler, n_tokens=dataset_tokens,
                                   chunk=FINITE_CHUNK_WINDOWS * window, seed=seed)
        return finite_stream(data, stateful=stateful, batch_size=batch_size, window=window,
                             seed=seed)

    def eval_set(self, *, stateful: bool, rows: int, segments: int, window: int,
                 seed: int) -> EvalSet:
        """A fixed held-out set with exact references (see :class:`EvalSet`)."""
        if not stateful:
            tokens = WindowStream(self.sampler, batch_size=rows, window=window,
                                  seed=seed).next_batch()
            result = self.filter.run(tokens)
            return EvalSet(tokens=tokens[None], optimal_nll=result.nll_nats[None, :, 1:],
                           valid=result.valid[None, :, 1:])
        streams = ParallelStreams(self.sampler, batch_size=rows, window=window, seed=seed)
        batches = [streams.next_batch() for _ in range(segments)]
        belief = self.filter.run(batches[0][:, :1]).belief
        nll, valid = [], []
        for batch in batches:
            result = self.filter.run(batch[:, 1:], belief)
            belief = result.belief
            nll.append(result.nll_nats)
            valid.append(result.valid)
        return EvalSet(tokens=torch.stack(batches), optimal_nll=torch.stack(nll),
                       valid=torch.stack(valid))

    @property
    def name(self) -> str:
        """The language's name."""
        return self.language.name

    def describe(self) -> dict[str, Any]:
        """Summary fields: the exact complexity measures and entropy rate."""
        return {"complexity": self.language.complexity.as_dict(),
                "entropy_rate_nats": self.language.automaton.entropy_rate_nats}

    @property
    def entropy_rate_nats(self) -> float:
        """The exact entropy rate of the packed stream."""
        return self.language.automaton.entropy_rate_nats

    def exact_nll(self, tokens: torch.Tensor) -> torch.Tensor:
        """``float64[B, W - 1]``: the exact floor of every target of windows ``long[B, W]``."""
        return self.filter.run(tokens).nll_nats[:, 1:]

    def exact_reference(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The floor ``float64[B, W - 1]`` and the valid tokens ``bool[B, W - 1, V]`` of every
        target of windows that start at SEP."""
        result = self.filter.run(tokens)
        return result.nll_nats[:, 1:], result.valid[:, 1:]

    def draw_words(self, count: int, generator: CpuGenerator) -> list[list[int]]:
        """``count`` i.i.d. strings as token lists (no SEP), from ``generator`` (advanced)."""
        return token_words(self._chains, count, generator)

    @cached_property
    def _chains(self) -> ChainTables:
        return chain_tables(self.language.automaton)

    @property
    def mean_string_length(self) -> float:
        """E|W| in symbols."""
        return self.language.automaton.mean_string_length

    def accepts(self, symbols: list[int]) -> bool:
        """Whether a generated token string (no SEP) is a word of the language."""
        return self.language.accepts_tokens(symbols)
