"""LSTM language model, stateful across segments (truncated back-propagation through time).

Hochreiter and Schmidhuber (1997); as a language model after Zaremba et al. (2014): token
embedding, a stack of LSTM layers, and an output layer tied to the embedding. The hidden and
cell states carry from one segment to the next without gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from regscale.errors import ConfigError
from regscale.models.base import Memory, SequenceModel


@dataclass(frozen=True, kw_only=True)
class LSTMConfig:
    """Shape of an LSTM language model."""

    vocab_size: int  # tokens, SEP included
    context: int  # segment length (truncated BPTT)
    n_layer: int  # stacked LSTM layers
    d_model: int  # embedding and hidden width
    dropout: float = 0.0  # between layers
    n_head: int = 1  # unused; keeps the size presets uniform across architectures

    def __post_init__(self) -> None:
        if min(self.vocab_size, self.context, self.n_layer, self.d_model) < 1:
            raise ConfigError("LSTM sizes must be positive")


class LSTM(SequenceModel):
    """Stacked LSTM; memory is ``(h, c)``, each ``[n_layer, B, d]``."""

    stateful = True

    def __init__(self, config: LSTMConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.d_model)
        self.lstm = nn.LSTM(config.d_model, config.d_model, num_layers=config.n_layer,
                            batch_first=True, dropout=config.dropout if config.n_layer > 1 else 0)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.head.weight = self.token_embedding.weight
        nn.init.normal_(self.token_embedding.weight, mean=0.0, std=0.02)

    @property
    def attended_keys(self) -> int:
        return 0

    def embedding_params(self) -> int:
        return self.token_embedding.weight.numel()

    def forward(
        self, tokens: torch.Tensor, memory: Memory = None
    ) -> tuple[torch.Tensor, Memory]:
        x = self.token_embedding(tokens)
        out, (h, c) = self.lstm(x, memory)
        return self.head(out), (h.detach(), c.detach())
