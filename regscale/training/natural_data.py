"""What the training loop reads from a natural language: byte windows and a held-out set.

The training split is one long token array; a finite dataset of D tokens is the contiguous
stretch of D tokens from a seeded offset (wrapping around), so smaller datasets of one seed are
prefixes of larger ones. Where a part has extra text after its own (``new+old``), the stretch
wraps within the part's own text while D fits in it (the very dataset the part alone gives), and
a larger D takes all of the own text from that offset, then the extra text from its start.
The held-out set cuts evenly spaced windows (GPT) or lanes of
consecutive segments (Transformer-XL, LSTM) from the held-out chapters. There is no exact
optimum; evaluation reports bits per byte and bits per character instead.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch

from regscale.errors import ConfigError
from regscale.sources.natural_language import NaturalLanguage, is_char_start
from regscale.sources.streams import FiniteTokens, TokenStream
from regscale.training.eval_set import EvalSet
from regscale.training.finite_data import finite_stream


class NaturalTrainingData:
    """Streams and evaluation data of a corpus part on one device."""

    def __init__(self, language: NaturalLanguage, device: torch.device) -> None:
        self.language = language
        self.device = device
        self.train_tokens = torch.from_numpy(language.train_tokens).to(device)
        self.eval_tokens = language.eval_tokens

    natural: Literal[True] = True  # no exact floor: bits per byte and per character instead

    @property
    def name(self) -> str:
        """The language's name."""
        return self.language.name

    @property
    def vocab_size(self) -> int:
        """SEP + 256 bytes."""
        return self.language.vocab_size

    def describe(self) -> dict[str, Any]:
        """Summary fields: corpus sizes; no complexity or entropy rate (they are unknown)."""
        return {"complexity": {}, "entropy_rate_nats": None, "corpus": self.language.stats()}

    def train_stream(self, *, stateful: bool, batch_size: int, window: int, seed: int,
                     dataset_tokens: int | None) -> TokenStream:
        """Windows of the whole training split, or of a finite dataset of ``dataset_tokens``."""
        tokens = self.train_tokens
        n = int(tokens.shape[0])
        if dataset_tokens is not None:
            if dataset_tokens > n:
                raise ConfigError(f"dataset_tokens {dataset_tokens} exceeds the {n} training "
                                  f"tokens of {self.name!r}")
            tokens = self._dataset(dataset_tokens, seed)
        if int(tokens.shape[0]) < window:
            raise ConfigError(f"{self.name!r} has {tokens.shape[0]} training tokens, fewer than "
                              f"one window of {window}")
        data = FiniteTokens(tokens, chunk=int(tokens.shape[0]))
        return finite_stream(data, stateful=stateful, batch_size=batch_size, window=window,
                             seed=seed)

    def _dataset(self, size: int, seed: int) -> torch.Tensor:
        """``size`` tokens from a seeded offset in the own text, then the extra text."""
        own = self.language.primary_tokens
        offset = int(np.random.default_rng(seed).integers(own))
        index = (offset + torch.arange(min(size, own), device=self.device)) % own
        if size > own:
            index = torch.cat([index, torch.arange(own, size, device=self.device)])
        return self.train_tokens[index]

    def eval_set(self, *, stateful: bool, rows: int, segments: int, window: int,
                 seed: int) -> EvalSet:
        """Evenly spaced held-out windows, or ``rows`` lanes of ``segments`` segments.

        ``seed`` is unused: the held-out text is fixed. Rows are reduced when the held-out text
        is too short for all of them.
        """
        del seed
        tokens = self.eval_tokens
        per_row = segments * (window - 1) + 1 if stateful else window
        rows = min(rows, len(tokens) // per_row)
        if rows < 1:
            raise ConfigError(f"the held-out text of {self.name!r} ({len(tokens)} tokens) is "
                              f"shorter than one evaluation row of {per_row}")
        if stateful:
            starts = np.arange(rows) * (len(tokens) // rows)
            index = (starts[None, :, None] + (window - 1) * np.arange(segments)[:, None, None]
                     + np.arange(window)[None, None, :])
        else:
            starts = np.linspace(0, len(tokens) - window, rows).astype(np.int64)
            index = (starts[:, None] + np.arange(window)[None, :])[None]
        batch = tokens[index]
        return EvalSet(tokens=torch.from_numpy(batch).to(self.device), optimal_nll=None,
                       valid=None,
                       char_start=torch.from_numpy(is_char_start(batch[..., 1:])).to(self.device))
