"""What the training loop reads from a context-free language: packed strings and an evaluation
set with exact floors.

Training streams are the packed stream ``w1 SEP w2 SEP ...`` of i.i.d. strings: ``batch_size``
lanes read segment after segment (:mod:`regscale.training.packed_lanes`), for every
architecture; a finite dataset is one packed sample of exactly D tokens, read as random windows
or lanes like any other. Every evaluation row (or lane of segments) starts at a string
boundary, a SEP, so the whole prefix of every scored token's string is in view and its
Bayes-optimal probability is exact (:meth:`ContextFreeLanguage.floors`): no token is left
unscored.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch

from regscale.sources.automaton import SEP
from regscale.sources.chains import CpuGenerator
from regscale.sources.context_free_language import ContextFreeLanguage, picked_nll
from regscale.sources.streams import FiniteTokens, TokenStream
from regscale.training.eval_set import EvalSet
from regscale.training.finite_data import finite_stream
from regscale.training.packed_lanes import PackedLanes


class GrammarTrainingData:
    """Streams and evaluation data of a context-free language on one device."""

    def __init__(self, language: ContextFreeLanguage, device: torch.device) -> None:
        self.language = language
        self.device = device

    natural: Literal[False] = False  # exact floors, valid mass and acceptance are available

    @property
    def name(self) -> str:
        return self.language.name

    @property
    def vocab_size(self) -> int:
        """Terminals + SEP."""
        return self.language.vocab_size

    @property
    def mean_string_length(self) -> float:
        return self.language.mean_string_length

    @property
    def entropy_rate_nats(self) -> float:
        """Exact where the grammar is declared unambiguous, else an estimate."""
        return self.language.entropy_rate_nats

    def exact_nll(self, tokens: torch.Tensor) -> torch.Tensor:
        """``float64[B, W - 1]``: the exact floor of every target of windows ``long[B, W]``
        that start at SEP (NaN in a row that does not)."""
        out = torch.full((tokens.shape[0], tokens.shape[1] - 1), float("nan"),
                         dtype=torch.float64)
        for i, row in enumerate(tokens.cpu().numpy()):
            if row[0] == SEP:
                out[i] = torch.from_numpy(self.language.target_nll(row))
        return out

    def exact_reference(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The floor ``float64[B, W - 1]`` and the valid tokens ``bool[B, W - 1, V]`` of every
        target of windows that start at SEP."""
        rows = tokens.cpu().numpy()
        laws = [self.language.floors(row.tolist()) for row in rows]
        nll = np.stack([picked_nll(law, row) for law, row in zip(laws, rows, strict=True)])
        return torch.from_numpy(nll), torch.from_numpy(np.stack(laws) > 0)

    def draw_words(self, count: int, generator: CpuGenerator) -> list[list[int]]:
        """``count`` i.i.d. strings as token lists (no SEP), from ``generator`` (advanced)."""
        return self.language.sample_token_words(count, generator=generator)

    def sliding_floor(self, tokens: np.ndarray, context: int) -> np.ndarray:
        """Per token of a stream that starts at SEP: the exact floor (nats) of predicting it
        from the ``context`` tokens before it where they include the SEP that opened its
        string, NaN where they do not (the string's start is out of view, and so is its floor)
        and for the first token."""
        tokens = np.asarray(tokens, np.int64)
        out = np.full(len(tokens), np.nan)
        if len(tokens) < 2 or tokens[0] != SEP:
            return out
        out[1:] = self.language.target_nll(tokens)
        opened = np.maximum.accumulate(np.where(tokens == SEP, np.arange(len(tokens)), 0))
        last_sep = np.r_[0, opened[:-1]]  # the SEP before each token
        out[np.arange(len(tokens)) - last_sep > context] = np.nan
        return out

    def describe(self) -> dict[str, Any]:
        """Summary fields: the grammar's measures and the entropy rate (exact, or estimated
        with its standard error, as ``complexity`` says)."""
        complexity = self.language.complexity
        return {"complexity": complexity.as_dict(),
                "entropy_rate_nats": complexity.entropy_rate_nats}

    def train_stream(self, *, stateful: bool, batch_size: int, window: int, seed: int,
                     dataset_tokens: int | None) -> TokenStream:
        """Infinite fresh strings, or a finite packed sample of exactly ``dataset_tokens``."""
        if dataset_tokens is None:
            return PackedLanes(self.language.packed, self.device, batch_size=batch_size,
                               window=window, seed=seed)
        tokens = self.language.packed(dataset_tokens, CpuGenerator(seed))[:dataset_tokens]
        data = FiniteTokens(torch.from_numpy(tokens).to(self.device), chunk=dataset_tokens)
        return finite_stream(data, stateful=stateful, batch_size=batch_size, window=window,
                             seed=seed)

    def eval_set(self, *, stateful: bool, rows: int, segments: int, window: int,
                 seed: int) -> EvalSet:
        """Rows (or lanes of ``segments`` segments) that start at a SEP, with exact floors."""
        segments = segments if stateful else 1
        per_row = segments * (window - 1) + 1
        generator = CpuGenerator(seed)
        lanes, nll, valid = [], [], []
        for _ in range(rows):
            lane = self.language.lane(per_row, generator)
            floors = self.language.floors(lane.tolist())  # [per_row - 1, V]
            lanes.append(lane)
            nll.append(picked_nll(floors, lane))
            valid.append(floors > 0)
        tokens = np.stack(lanes)
        index = (np.arange(segments)[:, None] * (window - 1) + np.arange(window)[None, :])
        batch = tokens[:, index].transpose(1, 0, 2)  # [S, R, T + 1]
        targets = index[:, 1:] - 1  # positions in the floor arrays
        nll_s = np.stack(nll)[:, targets].transpose(1, 0, 2)
        valid_s = np.stack(valid)[:, targets].transpose(1, 0, 2, 3)
        return EvalSet(tokens=torch.from_numpy(batch).to(self.device),
                       optimal_nll=torch.from_numpy(nll_s).to(self.device),
                       valid=torch.from_numpy(valid_s).to(self.device))

    def accepts(self, symbols: list[int]) -> bool:
        """Whether a generated token string (no SEP) is a string of the language."""
        return self.language.accepts_tokens(symbols)
