"""Transformer-XL: segment-level recurrence with a memory and relative positional encoding.

Dai et al. (2019), "Transformer-XL: Attentive Language Models Beyond a Fixed-Length Context".
Each layer attends over ``[memory; segment]``, where the memory holds that layer's inputs from
the previous segments (``mem_len`` positions, no gradient). Scores use sinusoidal encodings of
the relative distance with the two global biases of Section 3.3::

    A[i, j] = (q_i + u) . k_j  +  (q_i + v) . W_R R_{i-j}

computed for all distances at once and aligned by the "relative shift". Blocks are pre-LN (as in
our GPT) rather than the paper's post-LN, so the architectures differ only in recurrence and
positions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from regscale.errors import ConfigError
from regscale.models.base import Memory, SequenceModel
from regscale.models.gpt import MLP, dropout_layer, init_gpt2_weights


@dataclass(frozen=True, kw_only=True)
class TransformerXLConfig:
    """Shape of a Transformer-XL."""

    vocab_size: int  # tokens, SEP included
    context: int  # segment length
    n_layer: int  # blocks
    n_head: int  # heads; must divide d_model
    d_model: int  # residual width
    mem_len: int = -1  # memory positions per layer; -1 = same as the segment
    dropout: float = 0.0  # on attention weights and residual branches

    def __post_init__(self) -> None:
        if min(self.vocab_size, self.context, self.n_layer, self.n_head, self.d_model) < 1:
            raise ConfigError("Transformer-XL sizes must be positive")
        if self.d_model % self.n_head:
            raise ConfigError(f"n_head {self.n_head} must divide d_model {self.d_model}")

    @property
    def memory_length(self) -> int:
        """Memory positions per layer."""
        return self.context if self.mem_len < 0 else self.mem_len


def relative_shift(scores: torch.Tensor) -> torch.Tensor:
    """Align ``[..., T, K]`` scores by distance so that column j holds key j.

    Input column ``c`` of row ``i`` is distance ``K - 1 - c``; output column ``j`` of row ``i``
    is distance ``i + K - T - j`` (entries with negative distance are garbage and get masked).
    """
    *lead, t, k = scores.shape
    padded = F.pad(scores, (1, 0))  # [..., T, K + 1]
    return padded.view(*lead, k + 1, t)[..., 1:, :].reshape(*lead, t, k)


def sinusoid(distances: torch.Tensor, d_model: int) -> torch.Tensor:
    """``[K, d_model]`` sinusoidal encodings of the given (float) distances."""
    inv_freq = 1.0 / (10000 ** (torch.arange(0, d_model, 2, device=distances.device) / d_model))
    angles = distances[:, None] * inv_freq[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class RelativeAttention(nn.Module):
    """Multi-head attention over memory + segment with relative positions."""

    def __init__(self, config: TransformerXLConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.d_head = config.d_model // config.n_head
        self.q = nn.Linear(config.d_model, config.d_model, bias=False)
        self.kv = nn.Linear(config.d_model, 2 * config.d_model, bias=False)
        self.r = nn.Linear(config.d_model, config.d_model, bias=False)
        self.proj = nn.Linear(config.d_model, config.d_model, bias=False)
        self.attn_dropout = dropout_layer(config.dropout)
        self.resid_dropout = dropout_layer(config.dropout)

    def _heads(self, z: torch.Tensor) -> torch.Tensor:
        """[B, n, d] -> [B, H, n, d_head]."""
        b, n, _ = z.shape
        return z.view(b, n, self.n_head, self.d_head).transpose(1, 2)

    def forward(self, x: torch.Tensor, context: torch.Tensor, positions: torch.Tensor,
                u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """``x`` [B, T, d] queries; ``context`` [B, K, d] = [memory; x]; positions [K, d]."""
        b, t, d = x.shape
        k_len = context.shape[1]
        q = self._heads(self.q(x))
        key, value = (self._heads(z) for z in self.kv(context).split(d, dim=2))
        r = self.r(positions).view(k_len, self.n_head, self.d_head).transpose(0, 1)  # [H, K, dh]
        content = (q + u[:, None, :]) @ key.transpose(-1, -2)  # [B, H, T, K]
        position = relative_shift((q + v[:, None, :]) @ r.transpose(-1, -2)[None])
        scores = (content + position) / math.sqrt(self.d_head)
        mem = k_len - t
        future = torch.ones(t, k_len, dtype=torch.bool, device=x.device).triu(1 + mem)
        weights = self.attn_dropout(scores.masked_fill(future, float("-inf")).softmax(dim=-1))
        y = (weights @ value).transpose(1, 2).reshape(b, t, d)
        return self.resid_dropout(self.proj(y))


class XLBlock(nn.Module):
    """Pre-LN block with relative attention over memory."""

    def __init__(self, config: TransformerXLConfig) -> None:
        super().__init__()
        self.ln_attn = nn.LayerNorm(config.d_model)
        self.attn = RelativeAttention(config)
        self.ln_mlp = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config.d_model, config.dropout)

    def forward(self, x: torch.Tensor, memory: torch.Tensor, positions: torch.Tensor,
                u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        h = self.ln_attn(x)
        context = torch.cat([self.ln_attn(memory), h], dim=1) if memory.shape[1] else h
        x = x + self.attn(h, context, positions, u, v)
        return x + self.mlp(self.ln_mlp(x))


class TransformerXL(SequenceModel):
    """Transformer-XL language model; memory is a tuple of per-layer ``[B, M, d]`` tensors."""

    stateful = True

    def __init__(self, config: TransformerXLConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.d_model)
        self.dropout = dropout_layer(config.dropout)
        self.u = nn.Parameter(torch.zeros(config.n_head, config.d_model // config.n_head))
        self.v = nn.Parameter(torch.zeros(config.n_head, config.d_model // config.n_head))
        self.blocks = nn.ModuleList(XLBlock(config) for _ in range(config.n_layer))
        self.ln_final = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.head.weight = self.token_embedding.weight
        init_gpt2_weights(self, config.n_layer)

    @property
    def attended_keys(self) -> int:
        return self.config.context + self.config.memory_length

    def embedding_params(self) -> int:
        return self.token_embedding.weight.numel()

    def forward(
        self, tokens: torch.Tensor, memory: Memory = None
    ) -> tuple[torch.Tensor, Memory]:
        b, t = tokens.shape
        d, mem_len = self.config.d_model, self.config.memory_length
        if memory is None:
            memory = tuple(tokens.new_zeros((b, 0, d), dtype=self.u.dtype)
                           for _ in self.blocks)
        k_len = memory[0].shape[1] + t
        distances = torch.arange(k_len - 1, -1, -1, device=tokens.device, dtype=torch.float32)
        positions = self.dropout(sinusoid(distances, d).to(self.u.dtype))
        x = self.dropout(self.token_embedding(tokens))
        new_memory = []
        for block, mem in zip(self.blocks, memory, strict=True):
            new_memory.append(torch.cat([mem, x], dim=1)[:, -mem_len:].detach()
                              if mem_len else mem)
            x = block(x, mem.to(x.dtype), positions.to(x.dtype), self.u, self.v)
        return self.head(self.ln_final(x)), tuple(new_memory)
