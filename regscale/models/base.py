"""What every model gives the training loop: logits, carried memory, parameter and FLOP counts.

FLOPs follow Kaplan et al. (2020), Table 1, counted the same way for every architecture: a
forward pass costs ``2 N`` per token for the non-embedding parameters N plus
``2 n_layer n_keys d_model`` for attention, where ``n_keys`` is the number of positions a token
attends to (the context for GPT, memory + context for Transformer-XL, none for the LSTM);
training costs three forward passes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch
from torch import nn

Memory = Any
"""What a stateful model carries between segments (``None`` for GPT)."""


class SequenceModel(nn.Module, ABC):
    """A next-token model over a shared byte/symbol vocabulary."""

    stateful: bool = False
    """Whether memory carries across consecutive segments (Transformer-XL, LSTM)."""

    config: Any
    """The model's config dataclass; every one has ``n_layer`` and ``d_model``."""

    @abstractmethod
    def forward(
        self, tokens: torch.Tensor, memory: Memory = None
    ) -> tuple[torch.Tensor, Memory]:
        """``long[B, T]`` -> ``float[B, T, V]`` logits and the memory after the segment."""

    @abstractmethod
    def embedding_params(self) -> int:
        """Parameters in token (and position) embeddings; a tied output layer is not counted."""

    @property
    def n_layer(self) -> int:
        """Number of layers."""
        return int(self.config.n_layer)

    @property
    def d_model(self) -> int:
        """Width of the residual stream / hidden state."""
        return int(self.config.d_model)

    @property
    @abstractmethod
    def attended_keys(self) -> int:
        """Positions one token attends to (0 for a recurrent model)."""

    def total_params(self) -> int:
        """All trainable parameters."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def non_embedding_params(self) -> int:
        """N in Kaplan's convention: all parameters but the embeddings."""
        return self.total_params() - self.embedding_params()

    def forward_flops_per_token(self) -> float:
        """``2 N + 2 n_layer n_keys d_model``."""
        return 2.0 * self.non_embedding_params() + 2.0 * self.n_layer * self.attended_keys * \
            self.d_model

    def train_flops_per_token(self) -> float:
        """Forward and backward: three forward passes."""
        return 3.0 * self.forward_flops_per_token()

    @staticmethod
    def detach_memory(memory: Memory) -> Memory:
        """Cut the graph at a segment boundary (truncated back-propagation)."""
        if memory is None:
            return None
        return tuple(m.detach() for m in memory)
