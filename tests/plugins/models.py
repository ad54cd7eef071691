"""Architectures defined outside regscale, for the plug-in tests: a GRU language model that
follows the SequenceModel interface, a GPT that declares a fused form, and two that break it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

from regscale.models.base import Memory, SequenceModel
from regscale.models.fused_gpt import FusedGPT
from regscale.models.gpt import GPT, GPTConfig


class GRU(SequenceModel):
    """Embedding, a multi-layer GRU carrying its state across segments, a linear head."""

    stateful = True

    def __init__(self, *, vocab_size: int, context: int, n_layer: int, d_model: int,
                 n_head: int, dropout: float) -> None:
        super().__init__()
        self.config = SimpleNamespace(n_layer=n_layer, d_model=d_model)
        self.embed = nn.Embedding(vocab_size, d_model)
        self.gru = nn.GRU(d_model, d_model, n_layer, batch_first=True,
                          dropout=dropout if n_layer > 1 else 0.0)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, tokens: torch.Tensor, memory: Memory = None
                ) -> tuple[torch.Tensor, Memory]:
        hidden, state = self.gru(self.embed(tokens), None if memory is None else memory[0])
        return self.head(hidden), (state,)

    def embedding_params(self) -> int:
        return self.embed.weight.numel()

    @property
    def attended_keys(self) -> int:
        return 0


def gru_builder(**dims: Any) -> GRU:
    """A builder function rather than a class."""
    return GRU(**dims)


class NotAModel(nn.Module):
    """A torch module that is not a SequenceModel."""

    def __init__(self, **_: Any) -> None:
        super().__init__()


class WrongShape(GRU):
    """Forgets the vocabulary: logits of width d_model."""

    def forward(self, tokens: torch.Tensor, memory: Memory = None
                ) -> tuple[torch.Tensor, Memory]:
        hidden, state = self.gru(self.embed(tokens))
        return hidden, (state,)


class FusableGPT(GPT):
    """A plug-in that declares a fused form (the built-in GPT's), so sweeps may fuse it."""

    fused_form = FusedGPT

    def __init__(self, *, vocab_size: int, context: int, n_layer: int, d_model: int,
                 n_head: int, dropout: float) -> None:
        super().__init__(GPTConfig(vocab_size=vocab_size, context=context, n_layer=n_layer,
                                   n_head=n_head, d_model=d_model, dropout=dropout))


_ARRIVED = False


class BarrierGPT(FusableGPT):
    """FusableGPT whose first construction in a process waits at a file barrier: the
    environment's ``REGSCALE_TEST_BARRIER=<folder>:<n>`` holds until n processes have arrived,
    so concurrency tests know that their processes really run side by side."""

    def __init__(self, **dims: Any) -> None:
        global _ARRIVED
        if not _ARRIVED and "REGSCALE_TEST_BARRIER" in os.environ:
            folder, count = os.environ["REGSCALE_TEST_BARRIER"].rsplit(":", 1)
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / str(os.getpid())).touch()
            deadline = time.time() + 120
            while len(list(Path(folder).iterdir())) < int(count) and time.time() < deadline:
                time.sleep(0.01)
            _ARRIVED = True
        super().__init__(**dims)
