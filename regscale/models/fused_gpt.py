"""K GPTs of one shape as one model (the fused form of :class:`regscale.models.gpt.GPT`).

The same pre-LN blocks as the solo GPT with every linear layer a batched matmul over members,
layer norms with per-member gains, and attention with the members folded into its batch
(attention is per sequence anyway; on the CPU in the transposed layout of
:mod:`regscale.models.narrow_attention`, faster at narrow heads). Parameter names are the solo
GPT's, so member k's state dict is the solo one. No dropout: a model with dropout trains solo.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from regscale.models.base import Memory, SequenceModel
from regscale.models.fused import FusedModel
from regscale.models.fused_layers import (
    FusedEmbedding,
    FusedLayerNorm,
    FusedLinear,
    merge_heads,
    split_heads,
)
from regscale.models.gpt import GPT, GPTConfig
from regscale.models.narrow_attention import narrow_causal_attention, use_narrow_attention


class FusedAttention(nn.Module):
    """Causal self-attention of K members."""

    def __init__(self, members: int, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.qkv = FusedLinear(members, config.d_model, 3 * config.d_model)
        self.proj = FusedLinear(members, config.d_model, config.d_model)

    def forward(self, x: torch.Tensor, rows: int) -> torch.Tensor:
        """``[K, rows * T, d]`` -> ``[K, rows * T, d]``."""
        d, t = x.shape[-1], x.shape[1] // rows
        qkv = self.qkv(x)
        if use_narrow_attention(x, t, d // self.n_head):
            return self.proj(narrow_causal_attention(qkv, rows=rows, heads=self.n_head))
        q, k, v = (split_heads(z, rows=rows, heads=self.n_head) for z in qkv.split(d, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(merge_heads(y, members=x.shape[0]))


class FusedMLP(nn.Module):
    """K feed-forward blocks, 4x wide, GELU."""

    def __init__(self, members: int, d_model: int) -> None:
        super().__init__()
        self.up = FusedLinear(members, d_model, 4 * d_model)
        self.down = FusedLinear(members, 4 * d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.gelu(self.up(x)))


class FusedBlock(nn.Module):
    """K pre-LN blocks."""

    def __init__(self, members: int, config: GPTConfig) -> None:
        super().__init__()
        self.ln_attn = FusedLayerNorm(members, config.d_model)
        self.attn = FusedAttention(members, config)
        self.ln_mlp = FusedLayerNorm(members, config.d_model)
        self.mlp = FusedMLP(members, config.d_model)

    def forward(self, x: torch.Tensor, rows: int) -> torch.Tensor:
        x = x + self.attn(self.ln_attn(x), rows)
        return x + self.mlp(self.ln_mlp(x))


class FusedGPT(FusedModel):
    """K GPTs; sees one window at a time (no memory)."""

    def __init__(self, members: int, config: GPTConfig) -> None:
        super().__init__(members)
        self.config = config
        self.token_embedding = FusedEmbedding(members, config.vocab_size, config.d_model)
        self.position_embedding = FusedEmbedding(members, config.context, config.d_model)
        self.blocks = nn.ModuleList(FusedBlock(members, config) for _ in range(config.n_layer))
        self.ln_final = FusedLayerNorm(members, config.d_model)
        self.head = FusedLinear(members, config.d_model, config.vocab_size)
        self.head.weight = self.token_embedding.weight  # weight tying, as in the solo GPT

    @classmethod
    def like(cls, solo: SequenceModel, members: int) -> FusedGPT:
        assert isinstance(solo, GPT)
        return cls(members, solo.config)

    def forward(self, tokens: torch.Tensor, memory: Memory = None
                ) -> tuple[torch.Tensor, Memory]:
        k, b, t = tokens.shape
        if t > self.config.context:
            raise ValueError(f"input of {t} tokens exceeds the context {self.config.context}")
        positions = self.position_embedding.weight[:, None, :t]  # [K, 1, T, d]
        x = (self.token_embedding(tokens) + positions).reshape(k, b * t, -1)
        for block in self.blocks:
            x = block(x, b)
        return self.head(self.ln_final(x)).view(k, b, t, -1), None
