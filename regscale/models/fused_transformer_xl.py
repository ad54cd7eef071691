"""K Transformer-XLs of one shape as one model (the fused form of
:class:`regscale.models.transformer_xl.TransformerXL`).

The solo model's relative attention (Dai et al. 2019, Section 3.3) with batched matmuls over
members and the members folded into attention's batch. Parameter names are the solo model's.
Memory is a tuple of per-layer ``[K, B, M, d]`` tensors and the number of valid positions of
each member (``long[K]``): a member that has no memory yet (a fresh run beside resumed ones)
holds zeros whose keys are masked out, which is the solo model's attention over an empty memory
(the relative distances of the remaining keys are the same).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from regscale.models.base import Memory, SequenceModel
from regscale.models.fused import FusedModel
from regscale.models.fused_gpt import FusedMLP
from regscale.models.fused_layers import FusedEmbedding, FusedLayerNorm, FusedLinear, split_heads
from regscale.models.transformer_xl import (
    TransformerXL,
    TransformerXLConfig,
    relative_shift,
    sinusoid,
)


class FusedRelativeAttention(nn.Module):
    """Relative multi-head attention of K members over memory + segment."""

    def __init__(self, members: int, config: TransformerXLConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.d_head = config.d_model // config.n_head
        self.q = FusedLinear(members, config.d_model, config.d_model)
        self.kv = FusedLinear(members, config.d_model, 2 * config.d_model)
        self.r = FusedLinear(members, config.d_model, config.d_model)
        self.proj = FusedLinear(members, config.d_model, config.d_model)

    def forward(self, x: torch.Tensor, context: torch.Tensor, positions: torch.Tensor,
                u: torch.Tensor, v: torch.Tensor, blocked: torch.Tensor) -> torch.Tensor:
        """``x`` [K, B, T, d] queries; ``context`` [K, B, C, d] = [memory; x]; ``positions``
        [C, d]; ``u, v`` [K, H, d_head]; ``blocked`` bool [K, T, C] (future and absent keys)."""
        k, b, t, d = x.shape
        c_len = context.shape[2]
        h, dh = self.n_head, self.d_head
        q = self.q(x.reshape(k, b * t, d)).view(k, b, t, h, dh).transpose(2, 3)  # [K,B,H,T,dh]
        key, value = (split_heads(z, rows=b, heads=h).view(k, b, h, c_len, dh)
                      for z in self.kv(context.reshape(k, b * c_len, d)).split(d, dim=2))
        r = self.r(positions.expand(k, -1, -1)).view(k, c_len, h, dh).transpose(1, 2)
        content = (q + u[:, None, :, None, :]) @ key.transpose(-1, -2)  # [K, B, H, T, C]
        position = relative_shift((q + v[:, None, :, None, :]) @ r.transpose(-1, -2)[:, None])
        scores = (content + position) / math.sqrt(dh)
        weights = scores.masked_fill(blocked[:, None, None], float("-inf")).softmax(dim=-1)
        y = (weights @ value).transpose(2, 3).reshape(k, b * t, d)
        return self.proj(y).view(k, b, t, d)


class FusedXLBlock(nn.Module):
    """K pre-LN blocks with relative attention over memory."""

    def __init__(self, members: int, config: TransformerXLConfig) -> None:
        super().__init__()
        self.ln_attn = FusedLayerNorm(members, config.d_model)
        self.attn = FusedRelativeAttention(members, config)
        self.ln_mlp = FusedLayerNorm(members, config.d_model)
        self.mlp = FusedMLP(members, config.d_model)

    def forward(self, x: torch.Tensor, memory: torch.Tensor, positions: torch.Tensor,
                u: torch.Tensor, v: torch.Tensor, blocked: torch.Tensor) -> torch.Tensor:
        k, b, t, d = x.shape
        h = self.ln_attn(x.reshape(k, b * t, d)).view(k, b, t, d)
        if memory.shape[2]:
            m = memory.shape[2]
            normed = self.ln_attn(memory.reshape(k, b * m, d)).view(k, b, m, d)
            context = torch.cat([normed, h], dim=2)
        else:
            context = h
        x = x + self.attn(h, context, positions, u, v, blocked)
        return x + self.mlp(self.ln_mlp(x.reshape(k, b * t, d))).view(k, b, t, d)


class FusedTransformerXL(FusedModel):
    """K Transformer-XL language models."""

    def __init__(self, members: int, config: TransformerXLConfig) -> None:
        super().__init__(members)
        self.config = config
        heads, d_head = config.n_head, config.d_model // config.n_head
        self.token_embedding = FusedEmbedding(members, config.vocab_size, config.d_model)
        self.u = nn.Parameter(torch.zeros(members, heads, d_head))
        self.v = nn.Parameter(torch.zeros(members, heads, d_head))
        self.blocks = nn.ModuleList(FusedXLBlock(members, config)
                                    for _ in range(config.n_layer))
        self.ln_final = FusedLayerNorm(members, config.d_model)
        self.head = FusedLinear(members, config.d_model, config.vocab_size)
        self.head.weight = self.token_embedding.weight

    @classmethod
    def like(cls, solo: SequenceModel, members: int) -> FusedTransformerXL:
        assert isinstance(solo, TransformerXL)
        return cls(members, solo.config)

    def forward(self, tokens: torch.Tensor, memory: Memory = None
                ) -> tuple[torch.Tensor, Memory]:
        k, b, t = tokens.shape
        d, mem_len = self.config.d_model, self.config.memory_length
        if memory is None:
            layers = tuple(self.u.new_zeros((k, b, 0, d)) for _ in self.blocks)
            lengths = torch.zeros(k, dtype=torch.long, device=tokens.device)
        else:
            layers, lengths = memory
        m = layers[0].shape[2]
        c_len = m + t
        distances = torch.arange(c_len - 1, -1, -1, device=tokens.device, dtype=torch.float32)
        positions = sinusoid(distances, d).to(self.u.dtype)
        columns = torch.arange(c_len, device=tokens.device)
        future = torch.ones(t, c_len, dtype=torch.bool, device=tokens.device).triu(1 + m)
        absent = columns[None, :] < (m - lengths.to(tokens.device))[:, None]  # [K, C]
        blocked = future[None] | absent[:, None, :]
        x = self.token_embedding(tokens)
        new_layers = []
        for block, mem in zip(self.blocks, layers, strict=True):
            new_layers.append(torch.cat([mem, x], dim=2)[:, :, -mem_len:].detach()
                              if mem_len else mem)
            x = block(x, mem.to(x.dtype), positions.to(x.dtype), self.u, self.v, blocked)
        logits = self.head(self.ln_final(x.reshape(k, b * t, d)))
        new_lengths = (lengths + t).clamp(max=mem_len) if mem_len else lengths
        return logits.view(k, b, t, -1), (tuple(new_layers), new_lengths)

    def member_memory(self, memory: Memory, k: int) -> Memory:
        if memory is None:
            return None
        layers, lengths = memory
        valid = int(lengths[k])
        m = layers[0].shape[2]
        return tuple(layer[k, :, m - valid:] for layer in layers)

    def stack_memory(self, memories: list[Memory]) -> Memory:
        if all(mem is None for mem in memories):
            return None
        present = [mem for mem in memories if mem is not None]
        m = max(mem[0].shape[1] for mem in present)
        b = present[0][0].shape[0]
        d = self.config.d_model
        weight = self.u
        layers = []
        for layer in range(self.config.n_layer):
            parts = []
            for mem in memories:
                block = weight.new_zeros(b, m, d)
                if mem is not None:
                    valid = mem[layer].shape[1]
                    block[:, m - valid:] = mem[layer].to(weight)
                parts.append(block)
            layers.append(torch.stack(parts))
        lengths = torch.tensor([0 if mem is None else mem[0].shape[1] for mem in memories],
                               dtype=torch.long, device=weight.device)
        return (tuple(layers), lengths)

    def keep_memory(self, memory: Memory, index: torch.Tensor) -> Memory:
        if memory is None:
            return None
        layers, lengths = memory
        return (tuple(layer[index] for layer in layers), lengths[index])
